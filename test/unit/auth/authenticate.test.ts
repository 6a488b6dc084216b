import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JWK, base64url, exportJWK, exportSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/auth/index.ts';
import type { Authenticator } from '../../../src/auth/principal.ts';
import { JwksServer } from '../../../testkit/support/servers.ts';
import { AUDIENCE, ISSUER, T0, type KeyPair, authConfig, claimsAt, rsaKeys, sign, corrupt, testClock } from '../../../testkit/support/tokens.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

const HS_ISSUER = 'https://hs.test.invalid';
const HS_SECRET = 'a-test-secret-that-is-definitely-longer-than-32-bytes';

let dir: string;
let rsa: KeyPair;
let pem: string;
let auth: Authenticator;
const clock = testClock();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-auth-'));
  rsa = await rsaKeys();
  pem = await exportSPKI(rsa.publicKey);
  await writeFile(join(dir, 'idp.pem'), pem);
  const config = authConfig([
    { public_key_file: 'idp.pem' },
    { issuer: HS_ISSUER, secret_env: 'HS_SECRET', algorithms: ['HS256'] },
  ]);
  auth = await createAuthenticator(config, { now: clock.now, baseDir: dir, env: { HS_SECRET }, logger: silentLogger });
});

afterAll(async () => {
  await auth.close();
  await rm(dir, { recursive: true, force: true });
});

const refused = (token: string | undefined) => auth.authenticate(token);

describe('authenticate - accepts', () => {
  it('accepts a valid RS256 token and maps it to a principal', async () => {
    const principal = await auth.authenticate(await sign(rsa.privateKey, claimsAt({ jti: 'j-1' })));
    expect(principal).toMatchObject({ sub: 'alice', iss: ISSUER, aud: [AUDIENCE], roles: ['analyst'], scopes: ['db:read'], expiresAt: T0 + 3600, tokenId: 'j-1' });
  });

  it('accepts an HS256 token of the issuer whose key is a secret', async () => {
    const token = await sign(new TextEncoder().encode(HS_SECRET), claimsAt({ iss: HS_ISSUER }), { alg: 'HS256' });
    expect((await auth.authenticate(token))?.iss).toBe(HS_ISSUER);
  });

  it('accepts an array audience that names this gateway among others', async () => {
    const principal = await auth.authenticate(await sign(rsa.privateKey, claimsAt({ aud: ['other-api', AUDIENCE] })));
    expect(principal?.aud).toEqual(['other-api', AUDIENCE]);
  });

  it.each([
    ['exp 29 s ago', { exp: T0 - 29 }],
    ['nbf 29 s ahead', { nbf: T0 + 29 }],
    ['iat 29 s ahead', { iat: T0 + 29 }],
  ])('accepts %s (within the 30 s clock tolerance)', async (_, claims) => {
    await expect(auth.authenticate(await sign(rsa.privateKey, claimsAt(claims)))).resolves.toMatchObject({ sub: 'alice' });
  });
});

describe('authenticate - refuses', () => {
  it('refuses a missing token with AUTH_TOKEN_MISSING', async () => {
    await expect(refused(undefined)).rejects.toMatchObject({ code: 'AUTH_TOKEN_MISSING', message: 'no bearer token was presented' });
    await expect(refused('')).rejects.toMatchObject({ code: 'AUTH_TOKEN_MISSING' });
  });

  it.each(['garbage', 'a.b.c', 'x'.repeat(40), 'eyJhbGciOiJSUzI1NiJ9..'])('refuses the garbled token %s as malformed', async (token) => {
    await expect(refused(token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID', message: 'the token is malformed' });
  });

  it('refuses an oversized token before decoding it', async () => {
    await expect(refused(`${'a'.repeat(20_000)}.b.c`)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID', message: 'the token is too large' });
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const [header, , signature] = (await sign(rsa.privateKey, claimsAt())).split('.');
    const forged = `${header}.${base64url.encode(JSON.stringify(claimsAt({ sub: 'mallory', roles: ['admin'] })))}.${signature}`;
    await expect(refused(forged)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID', message: 'the token signature does not verify' });
  });

  it('refuses a token whose signature was altered', async () => {
    await expect(refused(corrupt(await sign(rsa.privateKey, claimsAt()), 2))).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
  });

  it('refuses a token signed by another key that claims a trusted issuer', async () => {
    const other = await rsaKeys();
    await expect(refused(await sign(other.privateKey, claimsAt()))).rejects.toMatchObject({
      code: 'AUTH_TOKEN_INVALID',
      message: 'the token signature does not verify',
    });
  });

  it('refuses alg none with AUTH_ALGORITHM', async () => {
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(claimsAt()))}.`;
    await expect(refused(unsigned)).rejects.toMatchObject({ code: 'AUTH_ALGORITHM', message: 'the token algorithm is not allowed for its issuer' });
  });

  it('refuses an HS256 forgery that uses the RSA public key as the HMAC secret', async () => {
    const forged = await sign(new TextEncoder().encode(pem), claimsAt(), { alg: 'HS256' });
    await expect(refused(forged)).rejects.toMatchObject({ code: 'AUTH_ALGORITHM' });
  });

  it('refuses an RS256 token claiming the HS issuer (the iss picks keys and rules, never trust)', async () => {
    await expect(refused(await sign(rsa.privateKey, claimsAt({ iss: HS_ISSUER })))).rejects.toMatchObject({ code: 'AUTH_ALGORITHM' });
  });

  it('refuses a token from an unknown issuer, or without iss, with AUTH_ISSUER', async () => {
    for (const iss of ['https://evil.invalid', undefined]) {
      await expect(refused(await sign(rsa.privateKey, claimsAt({ iss })))).rejects.toMatchObject({
        code: 'AUTH_ISSUER',
        message: 'the token issuer is not trusted',
      });
    }
  });

  it.each([
    ['another audience', 'other-api'],
    ['an array of other audiences', ['other-api', 'mcp-wardens']],
  ])('refuses %s with AUTH_AUDIENCE', async (_, aud) => {
    await expect(refused(await sign(rsa.privateKey, claimsAt({ aud })))).rejects.toMatchObject({
      code: 'AUTH_AUDIENCE',
      message: 'the token audience does not name this gateway',
    });
  });

  it.each([
    ['exp 31 s ago', { exp: T0 - 31 }, 'AUTH_TOKEN_EXPIRED', 'the token has expired'],
    ['nbf 31 s ahead', { nbf: T0 + 31 }, 'AUTH_TOKEN_NOT_YET_VALID', 'the token is not valid yet (nbf)'],
    ['iat 31 s ahead', { iat: T0 + 31 }, 'AUTH_TOKEN_NOT_YET_VALID', 'the token is issued in the future (iat)'],
    ['no exp', { exp: undefined }, 'AUTH_TOKEN_INVALID', 'the token lacks the required "exp" claim'],
    ['no sub', { sub: undefined }, 'AUTH_TOKEN_INVALID', 'the token lacks the required "sub" claim'],
    ['no aud', { aud: undefined }, 'AUTH_TOKEN_INVALID', 'the token lacks the required "aud" claim'],
    ['a string exp', { exp: String(T0 + 60) }, 'AUTH_TOKEN_INVALID', 'the token "exp" claim is not a number'],
  ])('refuses a token with %s', async (_, claims, code, message) => {
    await expect(refused(await sign(rsa.privateKey, claimsAt(claims)))).rejects.toMatchObject({ code, message });
  });

  it('refuses an unknown crit header parameter', async () => {
    const token = await sign(rsa.privateKey, claimsAt(), {
      header: { crit: ['urn:x-must-understand'], 'urn:x-must-understand': true },
      crit: { 'urn:x-must-understand': true },
    });
    await expect(refused(token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID', message: expect.stringContaining('crit') });
  });

  it('never uses a key embedded in the token (jwk header)', async () => {
    const attacker = await rsaKeys();
    const jwk: JWK = await exportJWK(attacker.publicKey);
    await expect(refused(await sign(attacker.privateKey, claimsAt(), { header: { jwk } }))).rejects.toMatchObject({
      code: 'AUTH_TOKEN_INVALID',
      message: 'the token signature does not verify',
    });
  });

  it('never follows jku or x5u: the named server receives no request', async () => {
    const attackerServer = await JwksServer.start();
    try {
      const attacker = await rsaKeys();
      attackerServer.behaviour = { kind: 'serve', body: { keys: [await exportJWK(attacker.publicKey)] } };
      const token = await sign(attacker.privateKey, claimsAt(), { header: { jku: attackerServer.url, x5u: attackerServer.url } });
      await expect(refused(token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
      expect(attackerServer.requests).toBe(0);
    } finally {
      await attackerServer.close();
    }
  });

  it('refuses an HS256 token signed with a different secret', async () => {
    const token = await sign(new TextEncoder().encode(`${HS_SECRET}-but-another`), claimsAt({ iss: HS_ISSUER }), { alg: 'HS256' });
    await expect(refused(token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_INVALID', message: 'the token signature does not verify' });
  });
});
