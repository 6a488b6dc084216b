/**
 * Issue 13, hole 7: numbers beyond double precision were changed on the way (2^53+1 arrived as
 * 2^53, 1e400 as null). Decision: refused with REQUEST_NUMBER_INEXACT before anything is parsed
 * into the session (README, "Numbers"); numbers a double holds exactly pass unchanged, and the
 * audit stores what the upstream received. Over HTTP, stdio and the legacy SSE endpoint, through a real gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRawTransports, type RawTransports, TRANSPORT_NAMES } from '../../../testkit/support/raw-transports.ts';
import { decisionRowOf } from '../../../testkit/support/audit.ts';
import { lastReceived, type OpenWorld } from '../../../testkit/support/worlds/recording.ts';

const INEXACT = ['9007199254740993', '1e400', '-0', '1.0000000000000000001', '-1e400', '1e-400', '123456789012345678901234567890'];
// Written back by the gateway as another literal of the same value, or as themselves.
const EXACT: Array<[string, number]> = [['9007199254740992', 2 ** 53], ['1e300', 1e300], ['0.1', 0.1], ['1.0', 1], ['1e2', 100], ['5e-324', 5e-324], ['-1.5', -1.5]];

let id = 5000;
let raw: RawTransports;
let t: OpenWorld;

beforeAll(async () => {
  raw = await openRawTransports();
  t = raw.world;
}, 60_000);
afterAll(() => raw?.close());

const callText = (n: number, literal: string) => `{"jsonrpc":"2.0","id":${n},"method":"tools/call","params":{"name":"up__echo","arguments":{"message":"x","n":${literal},"deep":[{"m":${literal}}]}}}`;

describe.each(TRANSPORT_NAMES)('hole 7: numbers over %s', (transport) => {
  const send = () => raw.over(transport);
  it.each(INEXACT)('refuses %s with REQUEST_NUMBER_INEXACT; nothing forwarded, nothing decided', async (literal) => {
    const before = t.world.proxy.received.length;
    const n = id++;
    const { status, reply } = await send()(callText(n, literal), n);
    if (status !== undefined) expect(status).toBe(400);
    expect(reply?.error?.code).toBe(-32602);
    expect(reply?.error?.data?.code).toBe('REQUEST_NUMBER_INEXACT');
    expect(reply?.error?.message).toContain(`${literal} at params.arguments.n `);
    // The refusal answers the request it refuses, and names the field (found with the Python
    // SDK's client: HTTP answered id null and data without a field, stdio put the literal in data.field).
    expect(reply?.id).toBe(n);
    expect(reply?.error?.data?.field).toBe('params.arguments.n');
    expect(t.world.proxy.received.length, 'requests the upstream received').toBe(before);
    expect(decisionRowOf(t.world.audit, n)).toBeUndefined();
  });

  it.each(EXACT)('forwards %s as the same value, and the audit stores what was forwarded', async (literal, value) => {
    const n = id++;
    const { reply } = await send()(callText(n, literal), n);
    expect(reply?.result).toBeDefined();
    const received = lastReceived(t.world.proxy, 'tools/call')!;
    expect(received.params.arguments).toEqual({ message: 'x', n: value, deep: [{ m: value }] });
    const stored = JSON.parse(decisionRowOf(t.world.audit, n)!.data) as { arguments: unknown };
    expect(stored.arguments).toEqual(received.params.arguments);
  });
});

describe('hole 7: an id that is itself inexact', () => {
  const TEXT = '{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/list"}';
  it.each(TRANSPORT_NAMES)('is answered with id null over %s, the field named', async (transport) => {
    const { status, reply } = await raw.over(transport)(TEXT, null);
    if (status !== undefined) expect(status).toBe(400);
    expect(reply).toMatchObject({ jsonrpc: '2.0', id: null, error: { data: { code: 'REQUEST_NUMBER_INEXACT', field: 'id' } } });
  });
});
