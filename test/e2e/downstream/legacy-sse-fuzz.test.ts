import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLegacySse, type LegacySseSession } from '../../../testkit/support/legacy-sse.ts';
import { openRecordingWorld, type OpenWorld } from '../../../testkit/support/worlds/recording.ts';

/**
 * The legacy SSE endpoint (GET /sse, POST /messages) under random messages: every POST gets a
 * status below 500, and after each run of them the session still answers a call on its stream.
 */
let t: OpenWorld;
let sse: LegacySseSession;

beforeAll(async () => {
  t = await openRecordingWorld();
  sse = await openLegacySse(t.world.gateway.url);
}, 60_000);
afterAll(() => {
  sse?.close();
  return t?.close();
});

const METHODS = ['initialize', 'tools/list', 'tools/call', 'resources/read', 'prompts/get', 'ping', 'logging/setLevel', 'constructor', '__proto__', 'notifications/cancelled', 'notifications/initialized', 'completion/complete', ''];
const json = fc.jsonValue({ maxDepth: 3 });
const message = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '1.0'),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.constant(null), json),
    method: fc.constantFrom(...METHODS),
    params: fc.oneof(fc.record({ name: fc.constantFrom('up__echo', 'nope', '__proto__'), arguments: json, requestId: json, uri: json, level: json }, { requiredKeys: [] }), json),
    result: json,
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  message.map((m) => JSON.stringify(m)),
  fc.array(message, { maxLength: 3 }).map((batch) => JSON.stringify(batch)),
  fc.constantFrom('', '{', 'null', '[]', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"n":1e400}}', `{"jsonrpc":"2.0","id":2,"method":"ping","params":${'['.repeat(100)}${']'.repeat(100)}}`, '{"id":"\\ud800","method":"tools/call","params":{"name":"\\udc00"}}'),
  fc.string({ maxLength: 40 }),
);

let probe = 0;
describe('the legacy SSE endpoint under random messages', () => {
  it('answers every POST below 500 and keeps serving calls on the stream', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: 5 }), async (bodies) => {
        for (const text of bodies) expect((await sse.send(text, 'never', 1)).status, text.slice(0, 200)).toBeLessThan(500);
        const id = `sse-probe-${probe++}`;
        const { reply } = await sse.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up__echo', arguments: { message: id } } }), id);
        expect(reply?.result?.content, JSON.stringify(reply)).toEqual([{ type: 'text', text: id }]);
      }),
      { numRuns: 25 },
    );
    const errors = t.world.gateway.stderr.filter((line) => (JSON.parse(line) as { level?: number }).level! >= 50);
    expect(errors).toEqual([]);
  }, 120_000);
});
