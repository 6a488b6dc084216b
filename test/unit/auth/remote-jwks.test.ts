import { exportJWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/auth/index.ts';
import type { Authenticator } from '../../../src/auth/principal.ts';
import { JwksServer } from '../../../testkit/support/servers.ts';
import { type KeyPair, T0_MS, authConfig, claimsAt, publicJwk, rsaKeys, sign, testClock } from '../../../testkit/support/tokens.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

const COOLDOWN_MS = 1_000;
const UNAVAILABLE = { code: 'AUTH_KEYS_UNAVAILABLE', message: 'the verification keys of the token issuer are unavailable; try again later' };

let server: JwksServer;
let key1: KeyPair;
let key2: KeyPair;
let jwks1: unknown;
let jwks2: unknown;
const open: Authenticator[] = [];

beforeAll(async () => {
  server = await JwksServer.start();
  [key1, key2] = await Promise.all([rsaKeys(), rsaKeys()]);
  jwks1 = { keys: [await publicJwk(key1, 'k1', 'RS256')] };
  jwks2 = { keys: [await publicJwk(key2, 'k2', 'RS256')] };
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((auth) => auth.close()));
  server.requests = 0;
});

afterAll(() => server.close());

/** An authenticator on the test server's JWKS, its own clock starting at T0. */
async function remote(overrides: Record<string, unknown> = {}) {
  const clock = testClock();
  const config = authConfig({ jwks_uri: server.url, jwks_cooldown_ms: COOLDOWN_MS, jwks_timeout_ms: 500, ...overrides });
  const auth = await createAuthenticator(config, { now: clock.now, logger: silentLogger });
  open.push(auth);
  return { auth, clock };
}

const token = (pair: KeyPair, kid: string, sub = 'alice') => sign(pair.privateKey, claimsAt({ sub }), { kid });

describe('remote JWKS - fetching and caching', () => {
  it('fetches the key set on first use, not at start, and serves later tokens from memory', async () => {
    server.behaviour = { kind: 'serve', body: jwks1 };
    const { auth } = await remote();
    expect(server.requests).toBe(0);
    await expect(auth.authenticate(await token(key1, 'k1', 'alice'))).resolves.toMatchObject({ sub: 'alice' });
    await expect(auth.authenticate(await token(key1, 'k1', 'bob'))).resolves.toMatchObject({ sub: 'bob' });
    expect(server.requests).toBe(1);
  });

  it('refetches a key set older than jwks_max_age_ms before using it', async () => {
    server.behaviour = { kind: 'serve', body: jwks1 };
    const { auth, clock } = await remote({ jwks_max_age_ms: 5_000 });
    await auth.authenticate(await token(key1, 'k1', 'alice'));
    clock.ms = T0_MS + 5_001;
    await auth.authenticate(await token(key1, 'k1', 'bob'));
    expect(server.requests).toBe(2);
  });

  it('never uses a stale key set when the refetch fails', async () => {
    server.behaviour = { kind: 'serve', body: jwks1 };
    const { auth, clock } = await remote({ jwks_max_age_ms: 5_000 });
    await auth.authenticate(await token(key1, 'k1', 'alice'));
    server.behaviour = { kind: 'status', status: 503 };
    clock.ms = T0_MS + 5_001;
    await expect(auth.authenticate(await token(key1, 'k1', 'bob'))).rejects.toMatchObject(UNAVAILABLE);
  });
});

describe('remote JWKS - rotation', () => {
  it('picks up a rotated key only after the cooldown, and drops the retired one', async () => {
    server.behaviour = { kind: 'serve', body: jwks1 };
    const { auth, clock } = await remote();
    await auth.authenticate(await token(key1, 'k1'));
    server.behaviour = { kind: 'serve', body: jwks2 };

    clock.ms = T0_MS + COOLDOWN_MS / 2;
    await expect(auth.authenticate(await token(key2, 'k2'))).rejects.toMatchObject({
      code: 'AUTH_TOKEN_INVALID',
      message: 'no verification key matches kid "k2"',
    });
    expect(server.requests).toBe(1);

    clock.ms = T0_MS + COOLDOWN_MS;
    await expect(auth.authenticate(await token(key2, 'k2'))).resolves.toMatchObject({ sub: 'alice' });
    expect(server.requests).toBe(2);
    await expect(auth.authenticate(await token(key1, 'k1', 'bob'))).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
    expect(server.requests).toBe(2);
  });

  it('fetches once per cooldown under a storm of unknown kids', async () => {
    server.behaviour = { kind: 'serve', body: jwks1 };
    const { auth, clock } = await remote();
    await auth.authenticate(await token(key1, 'k1'));
    clock.ms = T0_MS + COOLDOWN_MS;
    const storm = await Promise.all(Array.from({ length: 50 }, (_, i) => token(key1, `invented-${i}`)));
    const first = await Promise.allSettled(storm.map((t) => auth.authenticate(t)));
    expect(first.every((r) => r.status === 'rejected' && r.reason.code === 'AUTH_TOKEN_INVALID')).toBe(true);
    expect(server.requests).toBe(2);
    await Promise.allSettled(storm.map((t) => auth.authenticate(t)));
    expect(server.requests).toBe(2);
  });
});

describe('remote JWKS - failures answer AUTH_KEYS_UNAVAILABLE', () => {
  it('refuses while the endpoint is down, tries again only after the cooldown, and recovers', async () => {
    server.behaviour = { kind: 'status', status: 503 };
    const { auth, clock } = await remote();
    const tokens = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((sub) => token(key1, 'k1', sub)));
    const results = await Promise.allSettled(tokens.map((t) => auth.authenticate(t)));
    expect(results.map((r) => r.status === 'rejected' && r.reason.code)).toEqual(Array(5).fill('AUTH_KEYS_UNAVAILABLE'));
    await expect(auth.authenticate(tokens[0])).rejects.toMatchObject(UNAVAILABLE);
    expect(server.requests).toBe(1);

    server.behaviour = { kind: 'serve', body: jwks1 };
    clock.ms = T0_MS + COOLDOWN_MS;
    await expect(auth.authenticate(tokens[0])).resolves.toMatchObject({ sub: 'a' });
    expect(server.requests).toBe(2);
  });

  it('refuses when nothing listens at the JWKS address', async () => {
    const gone = await JwksServer.start();
    const url = gone.url;
    await gone.close();
    const { auth } = await remote({ jwks_uri: url });
    await expect(auth.authenticate(await token(key1, 'k1'))).rejects.toMatchObject(UNAVAILABLE);
  });

  it('refuses after jwks_timeout_ms when the endpoint never answers', async () => {
    server.behaviour = { kind: 'hang' };
    const { auth } = await remote({ jwks_timeout_ms: 150 });
    const started = performance.now();
    await expect(auth.authenticate(await token(key1, 'k1'))).rejects.toMatchObject(UNAVAILABLE);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('close() abandons a fetch in flight instead of waiting for its timeout', async () => {
    server.behaviour = { kind: 'hang' };
    const { auth } = await remote({ jwks_timeout_ms: 30_000 });
    const pending = auth.authenticate(await token(key1, 'k1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await auth.close();
    await expect(pending).rejects.toMatchObject(UNAVAILABLE);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ['not JSON', { kind: 'garbage', text: '<html>oops</html>' }],
    ['JSON without keys', { kind: 'serve', body: { hello: 'world' } }],
    ['an empty key set', { kind: 'serve', body: { keys: [] } }],
    ['an RSA key below 2048 bits', { kind: 'serve', body: { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] } }],
    ['a key with undecodable material', { kind: 'serve', body: { keys: [{ kty: 'RSA', kid: 'k1', n: '*', e: '*' }] } }],
    ['only keys for another algorithm', { kind: 'serve', body: { keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'AA', y: 'AA' }] } }],
  ] as const)('refuses when the endpoint answers %s', async (_, behaviour) => {
    server.behaviour = behaviour;
    const { auth } = await remote();
    await expect(auth.authenticate(await token(key1, 'k1'))).rejects.toMatchObject(UNAVAILABLE);
  });

  it('refuses a key set that publishes a private key instead of a public one', async () => {
    server.behaviour = { kind: 'serve', body: { keys: [{ ...(await exportJWK(key1.privateKey)), kid: 'k1', alg: 'RS256' }] } };
    const { auth } = await remote();
    await expect(auth.authenticate(await token(key1, 'k1'))).rejects.toMatchObject(UNAVAILABLE);
  });

  it('refuses an answer larger than a key set can be', async () => {
    server.behaviour = { kind: 'garbage', text: `{"keys":[],"pad":"${'x'.repeat(300 * 1024)}"}` };
    const { auth } = await remote();
    await expect(auth.authenticate(await token(key1, 'k1'))).rejects.toMatchObject(UNAVAILABLE);
  });
});
