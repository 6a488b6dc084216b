import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exportSPKI, generateKeyPair } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/auth/index.ts';
import { ISSUER, authConfig, claimsAt, ecKeys, publicJwk, rsaKeys, sign, testClock } from '../../../testkit/support/tokens.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-auth-start-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const start = (issuer: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
  createAuthenticator(authConfig(issuer), { baseDir: dir, env, logger: silentLogger, now: testClock().now });

describe('createAuthenticator - refuses to start on bad key material', () => {
  it('refuses an HS secret shorter than 32 bytes, naming the issuer', async () => {
    await expect(start({ secret_env: 'WARDEN_SECRET', algorithms: ['HS256'] }, { WARDEN_SECRET: 'x'.repeat(31) })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `issuer ${ISSUER}: the secret in WARDEN_SECRET is 31 bytes; HS256 needs at least 32`,
    });
  });

  it('refuses an HS512 secret shorter than the hash (RFC 7518 section 3.2)', async () => {
    await expect(start({ secret_env: 'S', algorithms: ['HS512'] }, { S: 'x'.repeat(40) })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('HS512 needs at least 64'),
    });
  });

  it('refuses an unset secret variable', async () => {
    await expect(start({ secret_env: 'NOT_SET', algorithms: ['HS256'] })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `issuer ${ISSUER}: environment variable NOT_SET (secret_env) is not set`,
    });
  });

  it('refuses a missing key file, naming the resolved path', async () => {
    await expect(start({ public_key_file: 'nope.pem' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `issuer ${ISSUER}: cannot read ${join(dir, 'nope.pem')} (ENOENT)`,
    });
  });

  it('refuses a PEM that is not a public key usable with the configured algorithm', async () => {
    const ec = await ecKeys();
    await writeFile(join(dir, 'ec.pem'), await exportSPKI(ec.publicKey));
    await writeFile(join(dir, 'junk.pem'), 'not a key');
    await expect(start({ public_key_file: 'ec.pem', algorithms: ['RS256'] })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `issuer ${ISSUER}: ${join(dir, 'ec.pem')} is not a PEM public key (SPKI) usable with RS256`,
    });
    await expect(start({ public_key_file: 'junk.pem' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses an RSA public key below 2048 bits', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
    await writeFile(join(dir, 'weak.pem'), weak);
    await expect(start({ public_key_file: 'weak.pem' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `issuer ${ISSUER}: ${join(dir, 'weak.pem')} is an RSA key below 2048 bits`,
    });
  });

  it('refuses a jwks_file that is not JSON, or has no usable key', async () => {
    await writeFile(join(dir, 'broken.json'), '{"keys": [');
    await writeFile(join(dir, 'empty.json'), '{"keys": []}');
    await expect(start({ jwks_file: 'broken.json' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(new RegExp(`^issuer ${ISSUER}: .*broken\\.json is not valid JSON`)),
    });
    await expect(start({ jwks_file: 'empty.json' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('no usable signing key (the set is empty)'),
    });
  });
});

describe('createAuthenticator - key sources', () => {
  it('verifies ES256 tokens from a jwks_file, choosing the key by kid', async () => {
    const [a, b] = await Promise.all([ecKeys(), ecKeys()]);
    await writeFile(join(dir, 'ec-jwks.json'), JSON.stringify({ keys: [await publicJwk(a, 'a', 'ES256'), await publicJwk(b, 'b', 'ES256')] }));
    const auth = await start({ jwks_file: 'ec-jwks.json', algorithms: ['ES256'] });
    try {
      await expect(auth.authenticate(await sign(b.privateKey, claimsAt(), { alg: 'ES256', kid: 'b' }))).resolves.toMatchObject({ sub: 'alice' });
      await expect(auth.authenticate(await sign(b.privateKey, claimsAt({ sub: 'x' }), { alg: 'ES256', kid: 'a' }))).rejects.toMatchObject({
        code: 'AUTH_TOKEN_INVALID',
        message: 'the token signature does not verify',
      });
      await expect(auth.authenticate(await sign(b.privateKey, claimsAt({ sub: 'y' }), { alg: 'ES256' }))).rejects.toMatchObject({
        code: 'AUTH_TOKEN_INVALID',
        message: 'the token has no kid and several verification keys could match',
      });
    } finally {
      await auth.close();
    }
  });

  it('verifies EdDSA (Ed25519) tokens from a jwks_file', async () => {
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    await writeFile(join(dir, 'ed-jwks.json'), JSON.stringify({ keys: [await publicJwk(ed, 'ed', 'EdDSA')] }));
    const auth = await start({ jwks_file: 'ed-jwks.json', algorithms: ['EdDSA'] });
    try {
      await expect(auth.authenticate(await sign(ed.privateKey, claimsAt(), { alg: 'EdDSA', kid: 'ed' }))).resolves.toMatchObject({ sub: 'alice' });
    } finally {
      await auth.close();
    }
  });

  it('verifies with a PEM key whatever kid the token names (a single key has no kid)', async () => {
    const rsa = await rsaKeys();
    await writeFile(join(dir, 'rsa.pem'), await exportSPKI(rsa.publicKey));
    const auth = await start({ public_key_file: 'rsa.pem', algorithms: ['RS256', 'PS256'] });
    try {
      await expect(auth.authenticate(await sign(rsa.privateKey, claimsAt(), { kid: 'whatever' }))).resolves.toMatchObject({ sub: 'alice' });
    } finally {
      await auth.close();
    }
  });
});

describe('createAuthenticator - disabled mode', () => {
  it('answers no principal for any input and logs a loud warning at creation', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) });
    const auth = await createAuthenticator(authConfig([], { mode: 'disabled' }), { logger: pino({ level: 'info' }, sink) });
    expect(auth.mode).toBe('disabled');
    await expect(auth.authenticate(undefined)).resolves.toBeUndefined();
    await expect(auth.authenticate('anything')).resolves.toBeUndefined();
    const warning = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).find((entry) => entry.level === 40);
    expect(warning?.msg).toContain('AUTHENTICATION IS DISABLED');
    await auth.close();
  });
});
