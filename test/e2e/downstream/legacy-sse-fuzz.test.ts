import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzText } from '../../../testkit/support/fuzz-messages.ts';
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

const body = fuzzText(['up__echo']);

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
