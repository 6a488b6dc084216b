import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawStdio, startRawStdio } from '../../../testkit/support/gateway-process.ts';
import { fuzzText } from '../../../testkit/support/fuzz-messages.ts';
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

const line = fuzzText(['up__echo']);

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
