import { describe, expect, it } from 'vitest';
import { authConfigSchema } from '../../../src/auth/config.ts';

const base = { issuer: 'https://idp.test.invalid', audience: 'mcp-warden' };

/** The messages of a rejected `auth` section, each prefixed with its path. */
function problems(auth: unknown): string[] {
  const result = authConfigSchema.safeParse(auth);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('auth config', () => {
  it('parses an empty section to jwt mode with no issuers (every token refused) and documented defaults', () => {
    expect(authConfigSchema.parse({})).toMatchObject({
      mode: 'jwt',
      issuers: [],
      principal: { roles_claim: 'roles', scopes_claims: ['scope', 'scp'] },
      required_scopes: [],
      token_cache_max_entries: 10_000,
    });
  });

  it('fills issuer defaults: 30 s tolerance, 5 s timeout, 30 s cooldown, 10 min max age', () => {
    const parsed = authConfigSchema.parse({ issuers: [{ ...base, jwks_file: 'jwks.json', algorithms: ['RS256'] }] });
    expect(parsed.issuers[0]).toMatchObject({ clock_tolerance: 30, jwks_timeout_ms: 5_000, jwks_cooldown_ms: 30_000, jwks_max_age_ms: 600_000 });
  });

  it('refuses an issuer that mixes HS* and asymmetric algorithms', () => {
    expect(problems({ issuers: [{ ...base, secret_env: 'S', algorithms: ['HS256', 'RS256'] }] })).toEqual([
      'issuers.0.algorithms: issuer https://idp.test.invalid: algorithms mix symmetric (HS256) and asymmetric ones; configure two issuers instead',
    ]);
  });

  it('refuses HS* with a public key source, and a secret with asymmetric algorithms', () => {
    expect(problems({ issuers: [{ ...base, jwks_uri: 'https://idp.test.invalid/jwks', algorithms: ['HS256'] }] })).toEqual([
      'issuers.0.algorithms: issuer https://idp.test.invalid: HS* algorithms need secret_env',
    ]);
    expect(problems({ issuers: [{ ...base, secret_env: 'S', algorithms: ['ES256'] }] })).toEqual([
      'issuers.0.algorithms: issuer https://idp.test.invalid: secret_env needs HS* algorithms',
    ]);
  });

  it('requires exactly one key source', () => {
    expect(problems({ issuers: [{ ...base, algorithms: ['RS256'] }] })[0]).toContain('needs exactly one key source');
    expect(problems({ issuers: [{ ...base, jwks_file: 'a', public_key_file: 'b', algorithms: ['RS256'] }] })[0]).toContain(
      'got jwks_file and public_key_file',
    );
  });

  it('never accepts alg none, and requires algorithms', () => {
    expect(problems({ issuers: [{ ...base, jwks_file: 'a', algorithms: ['none'] }] })[0]).toMatch(/^issuers\.0\.algorithms\.0: /);
    expect(problems({ issuers: [{ ...base, jwks_file: 'a' }] })[0]).toMatch(/^issuers\.0\.algorithms: /);
  });

  it('accepts http JWKS only on loopback', () => {
    expect(problems({ issuers: [{ ...base, jwks_uri: 'http://idp.example.com/jwks', algorithms: ['RS256'] }] })).toEqual([
      'issuers.0.jwks_uri: issuer https://idp.test.invalid: jwks_uri must use https (http only on loopback)',
    ]);
    expect(authConfigSchema.safeParse({ issuers: [{ ...base, jwks_uri: 'http://127.0.0.1:8080/jwks', algorithms: ['RS256'] }] }).success).toBe(true);
  });

  it('refuses the same issuer twice and unknown fields', () => {
    const entry = { ...base, jwks_file: 'a', algorithms: ['RS256'] };
    expect(problems({ issuers: [entry, entry] })).toEqual(['issuers: each issuer may appear only once']);
    expect(problems({ issuers: [{ ...entry, jku_allowed: true }] })[0]).toContain('jku_allowed');
  });
});
