import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows } from '../../../testkit/support/audit.ts';
import { expectNothingForwarded, seen, TRANSPORTS, UPSTREAM_KEY, startWorld, waitForCatalog, type World } from '../../../testkit/support/worlds/security.ts';
import { openCaller, type Caller } from '../../../testkit/support/rpc.ts';

/**
 * Who the caller is comes from the verified token alone, and the token stays at the gateway.
 * The policy (support/policy.rego) allows only sub alice; bob tries every other channel a client
 * controls to claim alice's identity. The HTTP and SSE upstreams sit behind recording proxies
 * that keep every header and body they received.
 */
let world: World;

/** Headers that identity-aware proxies use to pass a user along; a client can send them all. */
const SPOOF_HEADERS = {
  'X-Forwarded-User': 'alice',
  'X-User': 'alice',
  'X-Remote-User': 'alice',
  'X-Auth-Request-User': 'alice',
  'X-Forwarded-Email': 'alice@example.com',
  'X-Principal': 'alice',
  Forwarded: 'for=alice',
};
const SPOOF_META = { sub: 'alice', user: 'alice', principal: { sub: 'alice', roles: ['admin'] }, 'io.mcp-warden/principal': 'alice' };

beforeAll(async () => {
  world = await startWorld();
  await waitForCatalog(await openCaller(world.gateway.url, await world.token()), TRANSPORTS.map((t) => `${t}__echo`));
});
afterAll(() => world?.close());

/** Bob, with alice's name in clientInfo and every spoofing header on every request. */
const spoofingBob = async (): Promise<Caller> =>
  openCaller(world.gateway.url, await world.token({ sub: 'bob' }), { name: 'alice', version: '1', sub: 'alice' }, SPOOF_HEADERS);

describe('identity spoofing', () => {
  it.each(TRANSPORTS)('[auth:principal-from-token-only] headers, _meta and clientInfo naming alice do not make bob alice (%s upstream)', async (transport) => {
    const bob = await spoofingBob();
    const params = { name: `${transport}__echo`, arguments: { message: 'hi' }, _meta: SPOOF_META };
    // Control: the same request with alice's token is allowed, so the denial below is the principal's doing.
    const alice = await openCaller(world.gateway.url, await world.token());
    expect((await alice.send('tools/call', params, SPOOF_HEADERS)).body?.result).toBeDefined();

    const before = seen(world);
    expect((await bob.send('tools/list', { _meta: SPOOF_META }, SPOOF_HEADERS)).body?.result).toEqual({ tools: [] });
    const { body } = await bob.send('tools/call', params, SPOOF_HEADERS);
    expect(body?.error).toMatchObject({ code: -32602, data: { code: 'TOOL_NOT_FOUND' } });
    const row = auditRows(world.dir.audit).filter((r) => r.kind === 'decision').at(-1);
    expect(row).toMatchObject({ sub: 'bob', decision: 'deny', public_name: `${transport}__echo` });
    expectNothingForwarded(world, before, 1);
  });
});

describe('the client token never reaches an upstream', () => {
  it('[auth:token-never-upstream] HTTP and SSE upstreams get their configured credentials and none of the client\'s headers', async () => {
    const token = await world.token();
    const alice = await openCaller(world.gateway.url, token);
    for (const transport of ['http', 'sse'] as const) {
      const { body } = await alice.send('tools/call', { name: `${transport}__echo`, arguments: { message: 'hello' } }, SPOOF_HEADERS);
      expect(body?.result).toEqual({ content: [{ type: 'text', text: 'hello' }] });
    }
    const signature = token.split('.')[2]!;
    for (const transport of ['http', 'sse'] as const) {
      const received = world.upstreams.proxies[transport].received;
      expect(received.some((r) => r.body.includes('tools/call')), `${transport} upstream got the call`).toBe(true);
      for (const request of received) {
        expect(request.headers.authorization, `${transport} ${request.path}`).toBeUndefined();
        expect(request.headers['x-upstream-key'], `${transport} ${request.path}`).toBe(UPSTREAM_KEY);
        for (const name of Object.keys(SPOOF_HEADERS)) expect(request.headers[name.toLowerCase()], name).toBeUndefined();
        const everything = JSON.stringify(request.headers) + request.path + request.body;
        expect(everything).not.toContain(signature);
        expect(everything).not.toContain(token.split('.')[1]!); // not even the claims
      }
    }
  });
});
