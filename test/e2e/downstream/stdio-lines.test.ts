import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawStdio, startRawStdio } from '../../../testkit/support/gateway-process.ts';
import { modernEnvelope } from '../../../testkit/support/rpc.ts';
import { lastReceived, openRecordingWorld, type OpenWorld } from '../../../testkit/support/worlds/recording.ts';

/**
 * A stdio message is one line ended by "\n", and a JSON string may hold U+2028 and U+2029 raw (as
 * the Python SDK's client writes them). On Node 24 the new-era stdio loop, on node:readline then,
 * cut such a request in two at the U+2028, answered two parse errors and never the request. Both
 * eras, raw bytes from the test: the upstream gets the characters and the caller its answer.
 */
const MESSAGE = 'line\u2028separator\u2029paragraph 😀 é';

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

const echo = (id: string, meta?: Record<string, unknown>) =>
  // JSON.stringify leaves U+2028 and U+2029 raw, as JSON allows.
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up__echo', arguments: { message: MESSAGE }, ...(meta ? { _meta: meta } : {}) } });

describe('stdio lines with U+2028 and U+2029 inside a JSON string', () => {
  it.each([
    ['2026-07-28', () => modern, modernEnvelope()],
    ['2025-11-25', () => t.stdio, undefined],
  ] as const)('reach the upstream and are answered (%s)', async (era, stdio, meta) => {
    const line = echo(`raw-${era}`, meta);
    expect(line).toContain('\u2028');
    const answer = await stdio().send(line, `raw-${era}`);
    expect(answer.error).toBeUndefined();
    expect(answer.result.content).toEqual([{ type: 'text', text: MESSAGE }]);
    expect(lastReceived(t.world.proxy, 'tools/call')?.params.arguments).toEqual({ message: MESSAGE });
    expect(stdio().lines.filter((m) => m.id === null), 'no parse errors').toEqual([]);
  });
});
