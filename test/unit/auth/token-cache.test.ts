import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/auth/index.ts';
import type { Authenticator } from '../../../src/auth/principal.ts';
import { TokenCache } from '../../../src/auth/token-cache.ts';
import { T0, T0_MS, type KeyPair, authConfig, claimsAt, rsaKeys, sign, testClock } from '../../../testkit/support/tokens.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

let dir: string;
let rsa: KeyPair;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-auth-cache-'));
  rsa = await rsaKeys();
  await writeFile(join(dir, 'idp.pem'), await exportSPKI(rsa.publicKey));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function withAuthenticator(maxEntries: number, body: (auth: Authenticator, clock: ReturnType<typeof testClock>) => Promise<void>) {
  const clock = testClock();
  const auth = await createAuthenticator(authConfig({ public_key_file: 'idp.pem' }, { token_cache_max_entries: maxEntries }), {
    baseDir: dir,
    now: clock.now,
    logger: silentLogger,
  });
  try {
    await body(auth, clock);
  } finally {
    await auth.close();
  }
}

describe('token cache', () => {
  it('answers a repeated token with the very principal it verified first (no re-verification)', async () => {
    await withAuthenticator(10, async (auth) => {
      const token = await sign(rsa.privateKey, claimsAt());
      const first = await auth.authenticate(token);
      expect(await auth.authenticate(token)).toBe(first);
    });
  });

  it('re-checks expiry on every hit: a cached token is refused once exp plus tolerance has passed', async () => {
    await withAuthenticator(10, async (auth, clock) => {
      const token = await sign(rsa.privateKey, claimsAt({ exp: T0 + 60 }));
      await auth.authenticate(token);
      clock.ms = T0_MS + 89_999;
      await expect(auth.authenticate(token)).resolves.toMatchObject({ sub: 'alice' });
      clock.ms = T0_MS + 90_000;
      await expect(auth.authenticate(token)).rejects.toMatchObject({ code: 'AUTH_TOKEN_EXPIRED', message: 'the token has expired' });
    });
  });

  it('never caches a refused token', async () => {
    await withAuthenticator(10, async (auth) => {
      const token = await sign(rsa.privateKey, claimsAt({ aud: 'elsewhere' }));
      await expect(auth.authenticate(token)).rejects.toMatchObject({ code: 'AUTH_AUDIENCE' });
      await expect(auth.authenticate(token)).rejects.toMatchObject({ code: 'AUTH_AUDIENCE' });
    });
  });

  it('stays within its bound, evicting a token not used since the last eviction pass (second chance)', async () => {
    await withAuthenticator(2, async (auth) => {
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((sub) => sign(rsa.privateKey, claimsAt({ sub }))));
      const pa = await auth.authenticate(a);
      const pb = await auth.authenticate(b);
      await auth.authenticate(a); // a is now the most recent; b goes first
      await auth.authenticate(c);
      expect(await auth.authenticate(a)).toBe(pa);
      expect(await auth.authenticate(b)).not.toBe(pb);
    });
  });

  it('gives a token hit since the last pass one more round before evicting it', () => {
    const cache = new TokenCache(3);
    const principal = (sub: string) => ({ sub, expiresAt: T0 + 60 }) as never;
    for (const t of ['a', 'b', 'c']) cache.set(t, principal(t), 0);
    expect(cache.get('b', T0_MS)).toMatchObject({ sub: 'b' });
    cache.set('d', principal('d'), 0); // a: never hit, evicted
    cache.set('e', principal('e'), 0); // b: hit, moved back; c evicted
    expect(['a', 'b', 'c', 'd', 'e'].map((t) => cache.get(t, T0_MS) !== undefined)).toEqual([false, true, false, true, true]);
    expect(cache.size).toBe(3);
  });

  it('with 0 entries caches nothing', () => {
    const cache = new TokenCache(0);
    cache.set('t', { expiresAt: T0 + 60 } as never, 0);
    expect(cache.size).toBe(0);
    expect(cache.get('t', T0_MS)).toBeUndefined();
  });
});
