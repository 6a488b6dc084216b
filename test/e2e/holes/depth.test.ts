/**
 * Arguments nested thousands deep overflowed the stack where the gateway copies client JSON (the
 * policy input: POLICY_ERROR and an error logged with its stack; the deny row's encoding: no
 * audit row), and 1,000 deep made a decision row SQLite's JSON functions refuse, which stopped the
 * decision indexer for good (2026-12-07). A message nested deeper than server.max_json_depth (64)
 * is now refused as it arrives, over HTTP, stdio and the legacy SSE endpoint: REQUEST_TOO_DEEP
 * naming the field, nothing decided or forwarded. One nested to the limit passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionRowOf } from '../../../testkit/support/audit.ts';
import { openRawTransports, type RawTransports, TRANSPORT_NAMES } from '../../../testkit/support/raw-transports.ts';

let raw: RawTransports;
let id = 7000;

beforeAll(async () => {
  raw = await openRawTransports();
}, 60_000);
afterAll(() => raw?.close());

// The top object, params and arguments are three levels; `levels` arrays make the rest.
const callText = (n: number, levels: number) =>
  `{"jsonrpc":"2.0","id":${n},"method":"tools/call","params":{"name":"up__echo","arguments":{"message":"deep","deep":${'['.repeat(levels)}${']'.repeat(levels)}}}}`;

describe.each(TRANSPORT_NAMES)('nesting over %s', (transport) => {
  const send = () => raw.over(transport);
  it.each([62, 3000, 100_000])('refuses arguments %s levels deep with REQUEST_TOO_DEEP; nothing decided or forwarded', async (levels) => {
    const n = id++;
    const { status, reply } = await send()(callText(n, levels), n);
    if (status !== undefined) expect(status).toBe(400);
    expect(reply?.id).toBe(n);
    expect(reply?.error).toMatchObject({ code: -32600, data: { code: 'REQUEST_TOO_DEEP', limit: 64 } });
    expect(reply?.error?.data?.field).toMatch(/^params\.arguments\.deep(\.0)+$/);
    expect(raw.world.world.proxy.received.filter((request) => request.body.includes(`"id":${n},`)), 'requests of it the upstream received').toEqual([]);
    expect(decisionRowOf(raw.world.world.audit, n)).toBeUndefined();
  });

  it('forwards arguments nested to the limit', async () => {
    const n = id++;
    const { reply } = await send()(callText(n, 61), n);
    expect(reply?.result?.content).toEqual([{ type: 'text', text: 'deep' }]);
    expect(decisionRowOf(raw.world.world.audit, n)?.decision).toBe('allow');
  });
});
