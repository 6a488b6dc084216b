import { SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { startHttpFixture, type HttpFixture } from '../../../testkit/fixtures/relay-server-http.ts';
import { MemoryAuditSink } from '../../../testkit/support/engines.ts';
import { passthroughResult } from '../../../src/upstreams/connection.ts';
import { finishSpans } from '../../../src/metrics/index.ts';
import { tracerProvider } from '../../../src/metrics/tracing-setup.ts';

/**
 * Traces of the gateway in process, recorded by the OpenTelemetry SDK's in-memory exporter: one
 * server span per request with a child per stage and per upstream call, the decision id and the
 * tool as attributes, and W3C trace context taken from the client (header or `_meta`) and passed
 * to a real Streamable HTTP upstream, in its headers and in `_meta`.
 */
const exporter = new InMemorySpanExporter();
/** What `tracing.otlp_url` registers (tracing-setup.ts): no SDK span on the call path, every span made after the answer with ids chosen on the way. */
const provider = await tracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
/** An operator's own SDK (`node --import`): the request's and the upstream call's spans are made while the call runs. */
const ownProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const received: Array<{ headers: IncomingHttpHeaders; body: { method?: string; params?: { _meta?: Record<string, unknown> } } }> = [];
let upstream: HttpFixture;
let gw: TestGateway;
const audit = new MemoryAuditSink();
const clients: Client[] = [];

const CLIENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CLIENT_SPAN = 'b7ad6b7169203331';
const TRACEPARENT = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;

beforeAll(async () => {
  upstream = await startHttpFixture('http', 'web', 0, { record: (headers, body) => received.push({ headers, body: body as (typeof received)[number]['body'] }) });
  gw = await startTestGateway({ config: { mcpServers: { web: { type: 'http', url: upstream.url } } }, audit });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await gw?.close();
  await upstream?.close();
});
afterEach(() => {
  trace.disable();
  exporter.reset();
  received.length = 0;
});

async function client(headers: Record<string, string> = {}): Promise<Client> {
  const c = new Client({ name: 'trace-test', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(gw.edge.url), { requestInit: { headers: { Authorization: 'Bearer token-alice', ...headers } } }));
  clients.push(c);
  return c;
}

const echoCall = () => received.find((r) => r.body.method === 'tools/call')!;
/** The spans recorded so far, once the ones left for after the answer (tracing.ts) are made: the order of the event loop's phases is not what is under test. */
const finished = (): ReadableSpan[] => {
  finishSpans();
  return exporter.getFinishedSpans();
};
const byName = (spans: ReadableSpan[], name: string) => spans.find((s) => s.name === name);

describe('traces', () => {
  it.each([
    ['the gateway\'s provider', provider],
    ['an operator\'s own provider', ownProvider],
  ])('a call is one server span under the client\'s traceparent header, a child per stage and a client span per upstream call (%s)', async (_, registered) => {
    trace.setGlobalTracerProvider(registered);
    const c = await client({ traceparent: TRACEPARENT });
    await c.callTool({ name: 'web__echo', arguments: { message: 'hi' } });

    const spans = finished();
    const root = byName(spans, 'tools/call web__echo')!;
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.spanContext().traceId).toBe(CLIENT_TRACE);
    expect(root.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    const decision = audit.events.findLast((e) => e.type === 'decision')!.event;
    expect(root.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'web__echo',
      'mcp_warden.upstream': 'web',
      'mcp_warden.decision': 'allow',
      'mcp_warden.decision.id': decision.decisionId,
    });
    const children = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
    expect(children.map((s) => s.name).sort()).toEqual(['audit-decision', 'authenticate', 'authorize', 'forward', 'limit', 'resolve', 'tools/call web'].sort());
    const upstreamSpan = byName(children, 'tools/call web')!;
    expect(upstreamSpan.kind).toBe(SpanKind.CLIENT);
    expect(children.every((s) => s.spanContext().traceId === CLIENT_TRACE)).toBe(true);

    // Stage spans are made after the answer from times measured on the way (tracing.ts): each lies
    // inside the request's span, they follow one another in pipeline order without overlapping,
    // and the upstream call lies inside the forward stage.
    const ns = ([s, n]: [number, number]) => BigInt(s) * 1_000_000_000n + BigInt(n);
    const within = (inner: ReadableSpan, outer: ReadableSpan) => ns(inner.startTime) >= ns(outer.startTime) && ns(inner.endTime) <= ns(outer.endTime);
    const stages = ['authenticate', 'resolve', 'authorize', 'limit', 'audit-decision', 'forward'].map((name) => byName(children, name)!);
    for (const span of [...stages, upstreamSpan]) {
      expect(within(span, root), span.name).toBe(true);
      expect(ns(span.endTime) >= ns(span.startTime), span.name).toBe(true);
    }
    for (let i = 1; i < stages.length; i++) expect(ns(stages[i]!.startTime) >= ns(stages[i - 1]!.endTime), stages[i]!.name).toBe(true);
    expect(within(upstreamSpan, byName(children, 'forward')!)).toBe(true);
    expect(ns(root.endTime) - ns(root.startTime)).toBeGreaterThan(0n);

    // The upstream's parent is the gateway's client span, in the header and in _meta alike.
    const expected = `00-${CLIENT_TRACE}-${upstreamSpan.spanContext().spanId}-01`;
    expect(echoCall().headers.traceparent).toBe(expected);
    expect(echoCall().body.params?._meta?.traceparent).toBe(expected);
  });

  it('takes the trace context from params._meta when no header carries one', async () => {
    trace.setGlobalTracerProvider(provider);
    const c = await client();
    await c.request({ method: 'tools/call', params: { name: 'web__echo', arguments: { message: 'hi' }, _meta: { traceparent: TRACEPARENT } } }, passthroughResult);
    const root = byName(finished(), 'tools/call web__echo')!;
    expect(root.spanContext().traceId).toBe(CLIENT_TRACE);
    expect(root.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(echoCall().headers.traceparent).toMatch(new RegExp(`^00-${CLIENT_TRACE}-[0-9a-f]{16}-01$`));
  });

  it('a denied call ends its span as an error with the code, and lists are traced with their authorize stage', async () => {
    trace.setGlobalTracerProvider(provider);
    const c = await client();
    await expect(c.callTool({ name: 'web__nothing_here' })).rejects.toThrow();
    await c.listTools();
    const spans = finished();
    const denied = byName(spans, 'tools/call')!;
    expect(denied.attributes['error.type']).toBe('TOOL_NOT_FOUND');
    expect(denied.status.code).toBe(2); // SpanStatusCode.ERROR
    // The stage that failed is the one marked, and nothing after it ran.
    const deniedStages = spans.filter((s) => s.parentSpanContext?.spanId === denied.spanContext().spanId);
    expect(deniedStages.map((s) => [s.name, s.attributes['error.type'], s.status.code])).toEqual([
      ['authenticate', undefined, 0],
      ['resolve', 'TOOL_NOT_FOUND', 2],
    ]);
    const list = byName(spans, 'tools/list')!;
    // The list's shown row (issue 15) is committed under the audit-decision stage before the answer.
    expect(spans.filter((s) => s.parentSpanContext?.spanId === list.spanContext().spanId).map((s) => s.name)).toEqual(['authenticate', 'authorize', 'audit-decision']);
  });

  it('without a client context the gateway starts the trace: the upstream\'s parent is the exported client span, chosen before it was made', async () => {
    trace.setGlobalTracerProvider(provider);
    const c = await client();
    await c.callTool({ name: 'web__echo', arguments: { message: 'hi' } });
    const spans = finished();
    const root = byName(spans, 'tools/call web__echo')!;
    expect(root.parentSpanContext).toBeUndefined();
    const upstreamSpan = byName(spans, 'tools/call web')!;
    expect(upstreamSpan.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(upstreamSpan.spanContext().traceId).toBe(root.spanContext().traceId);
    const expected = `00-${root.spanContext().traceId}-${upstreamSpan.spanContext().spanId}-01`;
    expect(echoCall().headers.traceparent).toBe(expected);
    expect(echoCall().body.params?._meta?.traceparent).toBe(expected);
    // Span ids not fixed by the request are the generator's own: every span of the trace has its own id.
    expect(new Set(spans.map((s) => s.spanContext().spanId)).size).toBe(spans.length);
  });

  it.each([
    ['the gateway\'s provider', provider],
    ['an operator\'s own provider', ownProvider],
  ])('a client\'s unsampled trace records nothing and stays unsampled upstream (%s)', async (_, registered) => {
    trace.setGlobalTracerProvider(registered);
    const c = await client({ traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-00` });
    await c.callTool({ name: 'web__echo', arguments: { message: 'hi' } });
    expect(finished()).toEqual([]);
    const sent = echoCall().headers.traceparent;
    expect(sent).toMatch(new RegExp(`^00-${CLIENT_TRACE}-[0-9a-f]{16}-00$`));
    expect(sent).not.toContain(CLIENT_SPAN);
    expect(echoCall().body.params?._meta?.traceparent).toBe(sent);
  });

  it('a client\'s tracestate travels on with the gateway\'s span as the parent', async () => {
    trace.setGlobalTracerProvider(provider);
    const c = await client({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' });
    await c.callTool({ name: 'web__echo', arguments: { message: 'hi' } });
    const upstreamSpan = byName(finished(), 'tools/call web')!;
    expect(echoCall().headers.traceparent).toBe(`00-${CLIENT_TRACE}-${upstreamSpan.spanContext().spanId}-01`);
    expect(echoCall().headers.tracestate).toBe('vendor=abc');
    expect(echoCall().body.params?._meta?.tracestate).toBe('vendor=abc');
  });

  it('a request\'s spans are made after the answer on their own, with no flush', async () => {
    trace.setGlobalTracerProvider(provider);
    const c = await client();
    await c.callTool({ name: 'web__echo', arguments: { message: 'hi' } });
    await expect.poll(() => exporter.getFinishedSpans().map((s) => s.name), { timeout: 5_000 }).toContain('tools/call web__echo');
    expect(exporter.getFinishedSpans()).toHaveLength(8);
  });

  it('without a tracer provider nothing records, and the client\'s traceparent reaches the upstream unchanged', async () => {
    const c = await client({ traceparent: TRACEPARENT });
    await c.callTool({ name: 'web__echo', arguments: { message: 'hi' } });
    expect(finished()).toEqual([]);
    expect(echoCall().headers.traceparent).toBe(TRACEPARENT);
    expect(echoCall().body.params?._meta?.traceparent).toBe(TRACEPARENT);
  });

  it('without a tracer provider and no client context, the upstream gets no trace context at all', async () => {
    const c = await client();
    await c.callTool({ name: 'web__echo', arguments: { message: 'hi' } });
    expect(echoCall().headers.traceparent).toBeUndefined();
    expect(echoCall().body.params?._meta).toBeUndefined();
  });
});
