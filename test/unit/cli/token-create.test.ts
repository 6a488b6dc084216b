import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt, exportJWK, exportSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/auth/index.ts';
import { DEV_DEFAULTS, createToken, parseOptions } from '../../../src/cli/token.ts';
import { T0, T0_MS, authConfig, ecKeys, testClock } from '../../../testkit/support/tokens.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const DEV_KEY = join(ROOT, 'examples/keys/dev-only-private.pem');
const SECRET = 'a-local-hs256-secret-of-more-than-32-bytes';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-token-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Mints with the CLI's own option parsing, then verifies with a real authenticator at T0. */
async function roundTrip(args: string[], issuer: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const signed = await createToken(parseOptions(args), T0_MS);
  const auth = await createAuthenticator(authConfig({ issuer: DEV_DEFAULTS.iss, audience: DEV_DEFAULTS.aud, ...issuer }), {
    baseDir: ROOT,
    env,
    now: testClock().now,
    logger: silentLogger,
  });
  try {
    return { signed, principal: await auth.authenticate(signed.token) };
  } finally {
    await auth.close();
  }
}

describe('warden token create', () => {
  it('mints an RS256 token with the dev key whose defaults the example JWKS accepts', async () => {
    const { signed, principal } = await roundTrip(
      ['--sub', 'alice', '--roles', 'analyst,oncall', '--scopes', 'db:read,mail:send', '--ttl', '15m', '--key', DEV_KEY],
      { jwks_file: 'examples/keys/dev-only-jwks.json' },
    );
    expect(signed.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: DEV_DEFAULTS.kid });
    expect(principal).toMatchObject({ sub: 'alice', iss: DEV_DEFAULTS.iss, roles: ['analyst', 'oncall'], scopes: ['db:read', 'mail:send'], expiresAt: T0 + 900 });
    expect(principal?.tokenId).toBe(signed.claims.jti);
  });

  it('mints ES256 from a private JWK file', async () => {
    const ec = await ecKeys();
    await writeFile(join(dir, 'ec.jwk.json'), JSON.stringify(await exportJWK(ec.privateKey)));
    await writeFile(join(dir, 'ec.pem'), await exportSPKI(ec.publicKey));
    const { signed, principal } = await roundTrip(['--sub', 'bob', '--roles', 'ops', '--key', join(dir, 'ec.jwk.json')], {
      public_key_file: join(dir, 'ec.pem'),
      algorithms: ['ES256'],
    });
    expect(signed.header.alg).toBe('ES256');
    expect(principal).toMatchObject({ sub: 'bob', roles: ['ops'], scopes: [], expiresAt: T0 + 3600 });
  });

  it('mints HS256 from a secret file (trailing newline ignored) that secret_env accepts', async () => {
    await writeFile(join(dir, 'secret.txt'), `${SECRET}\n`);
    const { signed, principal } = await roundTrip(['--sub', 'carol', '--roles', 'dev', '--key', join(dir, 'secret.txt')], {
      secret_env: 'SECRET',
      algorithms: ['HS256'],
    }, { SECRET });
    expect(signed.header.alg).toBe('HS256');
    expect(principal?.sub).toBe('carol');
  });

  it.each([
    [['--roles', 'a', '--key', 'k'], '--sub is required'],
    [['--sub', 'a', '--key', 'k'], '--roles is required'],
    [['--sub', 'a', '--roles', ',', '--key', 'k'], '--roles needs at least one role'],
    [['--sub', 'a', '--roles', 'r', '--key', 'k', '--ttl', '1x'], '--ttl: expected a duration such as 500ms, 90s, 15m, 1h, 7d or 2w, got "1x"'],
    [['--sub', 'a', '--roles', 'r', '--key', 'k', '--ttl', '90'], '--ttl: expected a duration'],
    [['--sub', 'a', '--roles', 'r', '--key', 'k', '--ttl', '500ms'], '--ttl: expected a duration'],
    [['--sub', 'a', '--roles', 'r', '--key', 'k', '--alg', 'none'], '--alg must be one of'],
    [['--sub', 'a', '--roles', 'r', '--key', 'k', '--admin'], "Unknown option '--admin'"],
  ])('refuses %j with USAGE', (args, message) => {
    expect(() => parseOptions(args)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(message) }));
  });

  it('refuses a short secret, a public key, and an algorithm the key cannot make', async () => {
    await writeFile(join(dir, 'short.txt'), 'too-short');
    await writeFile(join(dir, 'public.pem'), await exportSPKI((await ecKeys()).publicKey));
    const make = (key: string, extra: string[] = []) => createToken(parseOptions(['--sub', 'a', '--roles', 'r', '--key', key, ...extra]), T0_MS);
    await expect(make(join(dir, 'short.txt'))).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('at least 32 bytes (got 9)') });
    await expect(make(join(dir, 'public.pem'))).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('not a private key') });
    await expect(make(DEV_KEY, ['--alg', 'ES256'])).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('cannot sign ES256') });
    await expect(make(join(dir, 'missing.pem'))).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('(ENOENT)') });
  });
});

describe('warden token create - as a process', () => {
  const run = (args: string[]) =>
    promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', "const { run } = await import('./src/cli/token.ts'); process.exitCode = await run(process.argv.slice(1));", ...args],
      { cwd: ROOT },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('prints the token alone on stdout, or a JSON document with --json, and exits 0', async () => {
    const plain = await run(['create', '--sub', 'alice', '--roles', 'analyst', '--key', DEV_KEY]);
    expect(plain.code).toBe(0);
    expect(decodeJwt(plain.stdout.trim())).toMatchObject({ sub: 'alice', iss: DEV_DEFAULTS.iss, aud: DEV_DEFAULTS.aud, roles: ['analyst'] });
    const json = await run(['create', '--sub', 'alice', '--roles', 'analyst', '--key', DEV_KEY, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ header: { alg: 'RS256', kid: DEV_DEFAULTS.kid }, claims: { sub: 'alice' } });
  });

  it('exits 2 with the problem and the usage on stderr for a bad invocation', async () => {
    const result = await run(['create', '--roles', 'analyst', '--key', DEV_KEY]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('warden token: --sub is required');
    expect(result.stderr).toContain('usage: warden token create');
  });
});
