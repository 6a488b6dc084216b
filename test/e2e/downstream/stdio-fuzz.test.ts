import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawStdio, startRawStdio } from '../../../testkit/support/gateway-process.ts';
import { modernEnvelope } from '../../../testkit/support/rpc.ts';
import { openRecordingWorld, type OpenWorld } from '../../../testkit/support/worlds/recording.ts';

/**
 * Whatever lines a stdio client writes, `warden serve --stdio` keeps serving, in both eras: random
 * lines (JSON-RPC messages of every kind with random fields, batches, prototype keys, numbers a
 * double cannot hold, text that is no JSON), each run followed by a request that must still be
 * answered. Every message the gateway writes must be JSON (RawStdio parses each line it reads).
 */
let t: OpenWorld;
let modern: RawStdio;

beforeAll(async () => {
  t = await openRecordingWorld({ stdio: true });
  modern = await startRawStdio(t.world.config, {}, 'new');
}, 60_000);
afterAll(async () => {
  await modern?.close();
  await t?.close();
});

const METHODS = ['initialize', 'tools/list', 'tools/call', 'resources/read', 'prompts/get', 'server/discover', 'subscriptions/listen', 'tasks/get', 'tasks/cancel', 'ping', 'logging/setLevel', 'constructor', '__proto__', 'hasOwnProperty', 'notifications/cancelled', 'notifications/initialized', 'notifications/progress', ''];
const json = fc.jsonValue({ maxDepth: 3 });
const meta = fc.oneof(fc.constant(modernEnvelope()), json);
const message = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '1.0'),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.constant(null), json),
    method: fc.constantFrom(...METHODS),
    params: fc.oneof(fc.record({ name: fc.constantFrom('up__echo', 'nope', '__proto__'), arguments: json, _meta: meta, requestId: json, uri: json }, { requiredKeys: [] }), json),
    result: json,
    error: json,
  },
  { requiredKeys: [] },
);
const line = fc.oneof(
  message.map((m) => JSON.stringify(m)),
  fc.array(message, { maxLength: 3 }).map((batch) => JSON.stringify(batch)),
  fc.constantFrom('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"up__echo","arguments":{"__proto__":{"x":1}}}}', '{"jsonrpc":"2.0","id":2,"method":"ping","params":{"n":1e400}}', '{', 'null', '[]', '""', '\r', ' ', '\u2028', '['.repeat(3000) + ']'.repeat(3000)),
  fc.string({ maxLength: 40 }).filter((text) => !text.includes('\n')),
);

let probe = 0;
describe.each([
  ['2025-11-25', () => t.stdio, undefined],
  ['2026-07-28', () => modern, modernEnvelope()],
] as const)('stdio under random lines (%s)', (_era, stdio, envelope) => {
  it('keeps answering requests after every run of random lines', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 8 }), async (lines) => {
        for (const text of lines) stdio().write(text);
        const id = `probe-${probe++}`;
        const answer = await stdio().send(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up__echo', arguments: { message: id }, ...(envelope ? { _meta: envelope } : {}) } }), id);
        expect(answer.result?.content, JSON.stringify(answer)).toEqual([{ type: 'text', text: id }]);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
