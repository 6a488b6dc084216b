import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from '../../../src/metrics/tracing-setup.ts';
import { Observed } from '../../../src/pipeline/observe.ts';
import type { SessionInfo } from '../../../src/pipeline/context.ts';

/**
 * `tracing.otlp_url`: what reaches a real (loopback) OTLP/HTTP collector. The provider it registers
 * makes no SDK span during a request; the ids chosen on the way must be the ones exported.
 */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
interface OtlpKeyValue {
  key: string;
  value: Record<string, unknown>;
}
const posts: Array<{ headers: IncomingHttpHeaders; spans: OtlpSpan[]; resources: OtlpKeyValue[][]; scopes: string[] }> = [];
interface Exported {
  resourceSpans: Array<{ resource: { attributes: OtlpKeyValue[] }; scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }>;
}
const collector = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const body = req.headers['content-type'] === 'application/x-protobuf' ? fromProtobuf(raw) : (JSON.parse(raw.toString('utf8')) as Exported);
    posts.push({
      headers: req.headers,
      spans: body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
      resources: body.resourceSpans.map((r) => r.resource.attributes),
      scopes: body.resourceSpans.flatMap((r) => r.scopeSpans.map((s) => s.scope.name)),
    });
    // An empty answer is a complete success in both encodings.
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' }).end();
  });
});

/**
 * The OTLP protobuf request read into the JSON encoding's shape, by the field numbers of
 * opentelemetry-proto's trace.proto (string attribute values only: all the test reads).
 */
function fromProtobuf(request: Buffer): Exported {
  type Value = Buffer | bigint | number;
  const fields = (message: Buffer): Array<[number, Value]> => {
    const found: Array<[number, Value]> = [];
    let at = 0;
    const varint = (): bigint => {
      let value = 0n;
      for (let shift = 0n; ; shift += 7n) {
        const byte = message[at++]!;
        value |= BigInt(byte & 0x7f) << shift;
        if (byte < 0x80) return value;
      }
    };
    while (at < message.length) {
      const tag = Number(varint());
      const wire = tag & 7;
      if (wire === 0) found.push([tag >>> 3, Number(varint())]);
      else if (wire === 1) found.push([tag >>> 3, message.readBigUInt64LE((at += 8) - 8)]);
      else if (wire === 5) found.push([tag >>> 3, message.readUInt32LE((at += 4) - 4)]);
      else if (wire === 2) {
        const length = Number(varint());
        found.push([tag >>> 3, message.subarray(at, (at += length))]);
      } else throw new Error(`unexpected wire type ${wire}`);
    }
    return found;
  };
  const all = (message: Buffer, field: number) => fields(message).filter(([number]) => number === field).map(([, value]) => value);
  const bytes = (message: Buffer, field: number) => (all(message, field)[0] as Buffer | undefined) ?? Buffer.alloc(0);
  const keyValues = (message: Buffer, field: number): OtlpKeyValue[] =>
    (all(message, field) as Buffer[]).map((kv) => ({ key: bytes(kv, 1).toString('utf8'), value: { stringValue: bytes(bytes(kv, 2), 1).toString('utf8') } }));
  return {
    resourceSpans: (all(request, 1) as Buffer[]).map((resourceSpans) => ({
      resource: { attributes: keyValues(bytes(resourceSpans, 1), 1) },
      scopeSpans: (all(resourceSpans, 2) as Buffer[]).map((scopeSpans) => ({
        scope: { name: bytes(bytes(scopeSpans, 1), 1).toString('utf8') },
        spans: (all(scopeSpans, 2) as Buffer[]).map((span) => ({
          traceId: bytes(span, 1).toString('hex'),
          spanId: bytes(span, 2).toString('hex'),
          parentSpanId: bytes(span, 4).toString('hex'),
          name: bytes(span, 5).toString('utf8'),
          startTimeUnixNano: String(all(span, 7)[0]),
          endTimeUnixNano: String(all(span, 8)[0]),
          attributes: keyValues(span, 9),
        })),
      })),
    })),
  };
}
let url: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
});
afterAll(() => {
  collector.close();
});

const session: SessionInfo = { id: 'otlp-test', transport: 'stdio', protocolVersion: '2025-11-25', channel: { request: async () => ({}) } };

describe('tracing.otlp_url', () => {
  it.each([
    ['http/protobuf', 'application/x-protobuf'],
    ['http/json', 'application/json'],
  ] as const)('exports a request\'s spans with the ids its traceparent carried, on shutdown at the latest (%s)', async (protocol, contentType) => {
    posts.length = 0;
    const stop = await startTracing({ otlp_url: url, headers: { 'x-tenant': 'a' }, service_name: 'otlp-test', sample_ratio: 1, protocol });
    let sent: string | undefined;
    // What a composite's steps get (pipeline.ts): the request's own span as their parent.
    let toSteps: string | undefined;
    try {
      const observed = new Observed('tools/call', { session, requestId: 7, params: {} });
      for (const stage of ['authenticate', 'resolve', 'authorize', 'limit', 'audit-decision']) await observed.stage(stage, () => undefined);
      await observed.stage('forward', () => {
        const span = observed.upstreamSpan('db', 'tools/call');
        sent = observed.trace.carrierFor(span)?.traceparent;
        observed.upstreamEnded(span);
      });
      toSteps = observed.trace.carrierFor()?.traceparent;
      observed.end();
    } finally {
      await stop();
    }
    expect(trace.getTracerProvider().getTracer('x').startSpan('after').isRecording()).toBe(false);

    const spans = posts.flatMap((p) => p.spans);
    expect(posts[0]!.headers['x-tenant']).toBe('a');
    expect(posts.every((post) => post.headers['content-type'] === contentType)).toBe(true);
    expect(spans.map((s) => s.name).sort()).toEqual(['audit-decision', 'authenticate', 'authorize', 'forward', 'limit', 'resolve', 'tools/call', 'tools/call db'].sort());
    const root = spans.find((s) => s.name === 'tools/call')!;
    const client = spans.find((s) => s.name === 'tools/call db')!;
    expect(root.parentSpanId ?? '').toBe('');
    expect(root.attributes.find((a) => a.key === 'jsonrpc.request.id')?.value).toEqual({ stringValue: '7' });
    expect(spans.every((s) => s.traceId === root.traceId)).toBe(true);
    expect(spans.filter((s) => s !== root).every((s) => s.parentSpanId === root.spanId)).toBe(true);
    expect(sent).toBe(`00-${root.traceId}-${client.spanId}-01`);
    expect(toSteps).toBe(`00-${root.traceId}-${root.spanId}-01`);
    // The spans are made without the SDK's tracer (finished-span.ts): the provider's resource and
    // the gateway's scope still name them, and every child lies within the request's span.
    for (const resource of posts.flatMap((p) => p.resources)) expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'otlp-test' } });
    expect(new Set(posts.flatMap((p) => p.scopes))).toEqual(new Set(['mcp-warden']));
    for (const span of spans) {
      expect(BigInt(span.startTimeUnixNano) >= BigInt(root.startTimeUnixNano), span.name).toBe(true);
      expect(BigInt(span.endTimeUnixNano) <= BigInt(root.endTimeUnixNano), span.name).toBe(true);
      expect(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano), span.name).toBe(true);
    }
  });
});
