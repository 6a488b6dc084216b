import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionRowOf } from '../../../testkit/support/audit.ts';
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

const LINE_LIMIT = 4096;

let t: OpenWorld;
let modern: RawStdio;
// The same world behind gateways whose line limit (server.max_body_bytes) is small.
let limited: { old: RawStdio; modern: RawStdio };

beforeAll(async () => {
  t = await openRecordingWorld({ stdio: true });
  modern = await startRawStdio(t.world.config, {}, 'new');
  const config = join(t.world.dir, 'warden.small-lines.json');
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(t.world.config, 'utf8')), server: { max_body_bytes: LINE_LIMIT } }));
  limited = { old: await startRawStdio(config), modern: await startRawStdio(config, {}, 'new') };
}, 60_000);
afterAll(async () => {
  await Promise.all([modern?.close(), limited?.old.close(), limited?.modern.close()]);
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

describe('a stdio line over server.max_body_bytes', () => {
  it.each([
    ['2026-07-28', () => limited.modern, modernEnvelope()],
    ['2025-11-25', () => limited.old, undefined],
  ] as const)('is dropped as it is read and answered REQUEST_TOO_LARGE; nothing decided or forwarded; the next line is served (%s)', async (era, stdio, meta) => {
    const id = `big-${era}`;
    const line = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up__echo', arguments: { message: 'x'.repeat(4 * LINE_LIMIT) }, ...(meta ? { _meta: meta } : {}) } });
    const answer = await stdio().send(line, id);
    expect(answer.error).toMatchObject({ code: -32600, data: { code: 'REQUEST_TOO_LARGE' } });
    expect(answer.error.message).toContain(`exceeds ${LINE_LIMIT} bytes`);
    // Counted by the id: the gateway's own discovery requests may reach the upstream meanwhile.
    expect(t.world.proxy.received.filter((request) => request.body.includes(id)), 'requests of it the upstream received').toEqual([]);
    expect(decisionRowOf(t.world.audit, id)).toBeUndefined();
    const next = await stdio().send(echo(`after-${era}`, meta), `after-${era}`);
    expect(next.result.content).toEqual([{ type: 'text', text: MESSAGE }]);
  });
});
