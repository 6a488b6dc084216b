import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runWarden } from '../../../testkit/support/gateway-process.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, writeGatewayDir, expectNothingForwarded, seen, startWorld, waitForCatalog, type World } from '../../../testkit/support/worlds/security.ts';
import { openCaller, openSession, post, request } from '../../../testkit/support/rpc.ts';
import { jwks, newSigningKey, REMOTE_ISSUER, signToken, type SigningKey } from '../../../testkit/support/tokens.ts';

/**
 * The remote key set (jwks_uri) as the running gateway uses it, with a real JWKS server on
 * 127.0.0.1 that can rotate, break or stall, and the refusal of a too-short HMAC secret at start.
 * REMOTE_ISSUER's refetch cooldown is 1.5 s here, so the tests wait it out between phases.
 */
const COOLDOWN_MS = 1500;
let world: World;
let spare: SigningKey;
let session: string;

beforeAll(async () => {
  world = await startWorld({ jwksCooldownMs: COOLDOWN_MS });
  spare = await newSigningKey('spare');
  const token = await signToken(world.key, { iss: REMOTE_ISSUER });
  session = await openSession(world.gateway.url, token);
  await waitForCatalog(await openCaller(world.gateway.url, token), ['stdio__echo']);
});
afterAll(() => world?.close());

const echo = () => request('tools/call', { name: 'stdio__echo', arguments: { message: 'hi' } });
const afterCooldown = () => new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 200));
/** A token of REMOTE_ISSUER signed by `key` but naming `kid`. */
const remoteToken = (key: SigningKey, kid = key.kid) => signToken({ ...key, kid }, { iss: REMOTE_ISSUER });

describe('remote JWKS', () => {
  it('[auth:jwks-cooldown] a storm of unknown kids costs the JWKS server at most one fetch per cooldown; nothing is forwarded', async () => {
    await afterCooldown();
    const fetches = world.jwksServer.requests;
    const before = seen(world);
    const tokens = await Promise.all(Array.from({ length: 25 }, (_, i) => remoteToken(spare, `invented-${i}`)));
    const responses = await Promise.all(tokens.map((token) => post(world.gateway.url, echo(), { token, session })));
    for (const response of responses) expect([401, 503]).toContain(response.status);
    expect(world.jwksServer.requests - fetches).toBeLessThanOrEqual(1);
    expectNothingForwarded(world, before);
  });

  it('[auth:jwks-rotation] a key added to the JWKS is picked up after the cooldown with one fetch', async () => {
    world.jwksServer.behaviour = { kind: 'serve', body: jwks(world.key, spare) };
    await afterCooldown();
    const fetches = world.jwksServer.requests;
    const token = await remoteToken(spare);
    const own = await openSession(world.gateway.url, token);
    expect((await post(world.gateway.url, echo(), { token, session: own })).body?.result).toEqual({ content: [{ type: 'text', text: 'hi' }] });
    expect(world.jwksServer.requests - fetches).toBe(1);
  });

  const BROKEN = {
    garbage: { kind: 'garbage', text: '<html>502 Bad Gateway</html>' },
    slow: { kind: 'hang' },
  } as const;
  it.each([
    ['garbage', 'answers a body that is not a JWKS'],
    ['slow', 'does not answer within jwks_timeout_ms'],
  ] as const)('[auth:keys-unavailable-503] a JWKS server that is %s (%s) answers an unknown kid with 503; nothing is forwarded', async (mode, _why) => {
    await afterCooldown();
    const ok = world.jwksServer.behaviour;
    world.jwksServer.behaviour = BROKEN[mode];
    try {
      const before = seen(world);
      const started = Date.now();
      const response = await post(world.gateway.url, echo(), { token: await remoteToken(await newSigningKey(`new-${mode}`)), session });
      expect(response.status).toBe(503);
      expect(response.body?.error).toEqual({ code: -32003, message: 'Authentication is temporarily unavailable', data: { code: 'AUTH_KEYS_UNAVAILABLE' } });
      expect(Date.now() - started).toBeLessThan(5000); // jwks_timeout_ms is 1 s
      expectNothingForwarded(world, before);
    } finally {
      world.jwksServer.behaviour = ok;
    }
  });
});

describe('HMAC issuers', () => {
  it('[auth:short-secret-refused] a secret_env shorter than 32 bytes refuses the start (exit 3) and never listens', async () => {
    const dir = tempDir();
    try {
      const gateway = writeGatewayDir({ dir, key: spare, mcpServers: {} });
      const config = JSON.parse(readFileSync(gateway.config, 'utf8')) as { auth: { issuers: object[] } };
      config.auth.issuers.push({ issuer: 'https://hmac.security.test', audience: 'x', secret_env: 'SHORT_SECRET', algorithms: ['HS256'] });
      writeFileSync(gateway.config, JSON.stringify(config));
      const { code, stderr } = await runWarden(['serve', '--config', gateway.config, '--http', '--port', '0'], { env: { SHORT_SECRET: 'only-sixteen-byt' } });
      expect(code).toBe(3);
      expect(stderr).toContain('warden: CONFIG_INVALID: issuer https://hmac.security.test: the secret in SHORT_SECRET is 16 bytes; HS256 needs at least 32');
      expect(stderr).not.toContain('"msg":"listening"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
