import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, rowsOfDecision, waitFor } from '../../../testkit/support/audit.ts';
import { startGatewayHttp } from '../../../testkit/support/gateway-process.ts';
import { postModern } from '../../../testkit/support/rpc.ts';
import type { InterceptedAnswer } from '../../../testkit/support/servers.ts';
import { startRecordingWorld, type RecordingWorld } from '../../../testkit/support/worlds/recording.ts';

/**
 * An upstream that answers a call with anything: a result, an error of any shape, the wrong id,
 * a notification or a request instead of a response, a batch, an SSE stream, text that is no
 * JSON, any HTTP status. The caller always gets one well-formed JSON-RPC answer for its id (the
 * upstream's result, or an error, at once: none waits for its timeout, since an HTTP answer that
 * is over without the call's response fails it), the gateway stays up, logs no error, and every
 * call it answered has its decision and outcome rows. A response with another call's id is never
 * taken for that call's. The upstream is the kitchen-sink fixture behind a
 * proxy that replaces its answer to each fuzzed call (the circuit breaker held closed, or it would
 * answer most calls itself).
 */
let world: RecordingWorld;
let gateway: Awaited<ReturnType<typeof startGatewayHttp>>;

beforeAll(async () => {
  world = await startRecordingWorld();
  const config = join(world.dir, 'warden.hostile.json');
  const base = JSON.parse(readFileSync(world.config, 'utf8')) as { mcpServers: Record<string, Record<string, unknown>> };
  writeFileSync(config, JSON.stringify({ ...base, // Long: every answer here is over at once, and none may wait for its timeout (a loaded machine must not turn one into a timeout either).
    mcpServers: { up: { ...base.mcpServers.up, timeout_ms: 10_000 } },
    // The breaker would open after five failures in a row and answer the rest without asking the upstream.
    limits: { upstreams: { up: { breaker: { failures: 1000 } } } },
    audit: { path: 'hostile.db', redact: { keys: [], patterns: [] } } }));
  gateway = await startGatewayHttp(config, { WARDEN_LOG_LEVEL: 'info' });
}, 60_000);
afterAll(async () => {
  if (world) world.proxy.intercept = undefined;
  await gateway?.close();
  await world?.close();
});

const json = fc.jsonValue({ maxDepth: 3 });
/** What the upstream sends instead of its answer, given the id of the request it answers. */
type Reply = (id: unknown) => unknown;
const reply: fc.Arbitrary<Reply> = fc.oneof(
  fc.oneof(fc.record({ content: fc.array(fc.record({ type: fc.constantFrom('text', 'image', 'x'), text: json }, { requiredKeys: [] }), { maxLength: 2 }), isError: json, structuredContent: json }, { requiredKeys: [] }), json).map((result) => (id: unknown) => ({ jsonrpc: '2.0', id, result })),
  fc.oneof(fc.record({ code: fc.oneof(fc.integer(), json), message: json, data: json }, { requiredKeys: [] }), json).map((error) => (id: unknown) => ({ jsonrpc: '2.0', id, error })),
  fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)).map((other) => () => ({ jsonrpc: '2.0', id: other, result: { content: [] } })),
  fc.constantFrom('notifications/message', 'sampling/createMessage', 'roots/list', 'elicitation/create').chain((method) => json.map((params) => (id: unknown) => ({ jsonrpc: '2.0', ...(method.startsWith('notifications/') ? {} : { id }), method, params }))),
  fc.constant((id: unknown) => [{ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'batched' }] } }]),
  fc.constantFrom('', 'null', '{', 'not json', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":1e400,"result":{}}').map((text) => () => ({ raw: text })),
);
const answer = fc.record({
  // Not 404: to a request with a session id it means the session is gone, and the gateway
  // reconnects (tested in test/upstreams); calls meanwhile find the upstream unavailable.
  status: fc.oneof({ arbitrary: fc.constant(200), weight: 6 }, fc.constantFrom(202, 204, 400, 500, 503)),
  sse: fc.boolean(),
  reply,
});

function render(id: unknown, chosen: { status: number; sse: boolean; reply: Reply }): InterceptedAnswer {
  const message = chosen.reply(id);
  const text = typeof message === 'object' && message !== null && 'raw' in message ? String((message as { raw: string }).raw) : JSON.stringify(message);
  if (chosen.sse) return { status: chosen.status, headers: { 'content-type': 'text/event-stream' }, body: `event: message\ndata: ${text}\n\n` };
  return { status: chosen.status, headers: { 'content-type': 'application/json' }, body: text };
}

let call = 0;
describe('an upstream that answers anything', () => {
  it('never leaves the caller without one well-formed answer, and every call is recorded with its outcome', async () => {
    await fc.assert(
      fc.asyncProperty(answer, async (chosen) => {
        const marker = `hostile-${call++}`;
        world.proxy.intercept = (request) => {
          if (!request.body.includes(marker)) return undefined;
          return render((JSON.parse(request.body) as { id?: unknown }).id, chosen);
        };
        const response = await postModern(gateway.url, 'tools/call', { name: 'up__echo', arguments: { message: marker } });
        const body = response.body!;
        expect(response.status, JSON.stringify(body)).toBeLessThan(500);
        expect(('result' in body) !== ('error' in body), JSON.stringify(body)).toBe(true);
        if (body.error !== undefined) {
          expect(typeof body.error.code).toBe('number');
          expect(typeof body.error.message).toBe('string');
          // An answer that is over without a response for the call fails it at once, not at its timeout.
          expect(body.error.data?.code, body.error.message).not.toBe('UPSTREAM_TIMEOUT');
        } else {
          expect(typeof body.result).toBe('object');
        }
        const audit = join(world.dir, 'hostile.db');
        const [decision] = await waitFor(() => readEvents(audit, "kind = 'decision' AND request_id = ?", String(body.id)), (found) => found.length > 0);
        const rows = await waitFor(() => rowsOfDecision(audit, decision!.decision_id!), (found) => found.outcomes.length > 0);
        expect(rows.outcomes, marker).toHaveLength(1);
      }),
      { numRuns: 80 },
    );
    const errors = gateway.stderr.filter((line) => (JSON.parse(line) as { level?: number }).level! >= 50);
    expect(errors).toEqual([]);
  }, 120_000);

  it('fails a call whose answer nests deeper than 512 levels, naming why, as JSON or as an event; 500 levels pass whole', async () => {
    const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
    world.proxy.intercept = (request) => {
      const message = JSON.parse(request.body || '{}') as { id?: unknown; params?: { arguments?: { message?: string } } };
      const [levels, sse] = (message.params?.arguments?.message ?? '').split(' ');
      if (levels === undefined || sse === undefined) return undefined;
      const text = `{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":{"content":[],"structuredContent":{"v":${nested(Number(levels))}}}}`;
      return sse === 'sse' ? { status: 200, headers: { 'content-type': 'text/event-stream' }, body: `event: message\ndata: ${text}\n\n` } : { status: 200, headers: { 'content-type': 'application/json' }, body: text };
    };
    for (const transport of ['json', 'sse']) {
      const deep = (await postModern(gateway.url, 'tools/call', { name: 'up__echo', arguments: { message: `20000 ${transport}` } })).body!;
      expect(deep.error?.message, JSON.stringify(deep)).toBe('Upstream "up" failed: its answer nests objects and arrays deeper than 512 levels');
      const fits = (await postModern(gateway.url, 'tools/call', { name: 'up__echo', arguments: { message: `500 ${transport}` } })).body!;
      expect(JSON.stringify(fits.result?.structuredContent)).toBe(`{"v":${nested(500)}}`);
    }
    expect(gateway.stderr.filter((text) => (JSON.parse(text) as { level?: number }).level! >= 50)).toEqual([]);
  });

  it("never settles one call with a response the upstream sent on another call's answer", async () => {
    let slowId: unknown;
    world.proxy.intercept = (request) => {
      const message = JSON.parse(request.body || '{}') as { id?: unknown; method?: string; params?: { name?: string; arguments?: { message?: string } } };
      if (message.params?.name === 'slow') slowId = message.id;
      if (message.params?.arguments?.message !== 'cross') return undefined;
      // The answer to this call carries the id of the slow call still in flight.
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: slowId, result: { content: [{ type: 'text', text: 'secret of the other call' }] } }) };
    };
    const slow = postModern(gateway.url, 'tools/call', { name: 'up__slow', arguments: { steps: 1, delayMs: 300 } });
    await waitFor(() => slowId, (id) => id !== undefined);
    const cross = await postModern(gateway.url, 'tools/call', { name: 'up__echo', arguments: { message: 'cross' } });
    expect(cross.body?.error?.message).toMatch(/its answer held no JSON-RPC response to the request/);
    const answer = (await slow).body!;
    expect(answer.error, JSON.stringify(answer)).toBeUndefined();
    expect(JSON.stringify(answer.result)).not.toContain('secret of the other call');
  });
});

