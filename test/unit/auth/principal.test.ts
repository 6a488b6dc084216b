import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authConfigSchema } from '../../../src/auth/config.ts';
import { toPrincipal } from '../../../src/auth/principal-claims.ts';
import { claimsAt } from '../../../testkit/support/tokens.ts';

const defaults = authConfigSchema.parse({}).principal;
const TOKEN = 'header.payload.signature';

describe('principal mapping', () => {
  it('splits a space-separated scope string and takes roles from the roles claim', () => {
    const principal = toPrincipal(TOKEN, claimsAt({ scope: 'db:read  mail:send', roles: ['analyst', 'oncall'] }), defaults);
    expect(principal).toMatchObject({ scopes: ['db:read', 'mail:send'], roles: ['analyst', 'oncall'] });
  });

  it('falls back to scp (a list) when scope is absent, and prefers scope when both exist', () => {
    expect(toPrincipal(TOKEN, claimsAt({ scope: undefined, scp: ['a', 'b'] }), defaults).scopes).toEqual(['a', 'b']);
    expect(toPrincipal(TOKEN, claimsAt({ scope: 'x', scp: ['a'] }), defaults).scopes).toEqual(['x']);
  });

  it('gives empty lists when the claims are absent, and a one-role list for a string', () => {
    expect(toPrincipal(TOKEN, claimsAt({ scope: undefined, roles: undefined }), defaults)).toMatchObject({ scopes: [], roles: [] });
    expect(toPrincipal(TOKEN, claimsAt({ roles: 'admin' }), defaults).roles).toEqual(['admin']);
  });

  it('reads the configured claims instead of the defaults', () => {
    const mapping = { roles_claim: 'groups', scopes_claims: ['permissions'] };
    const principal = toPrincipal(TOKEN, claimsAt({ groups: ['finance'], permissions: 'p:1 p:2', roles: ['ignored'] }), mapping);
    expect(principal).toMatchObject({ roles: ['finance'], scopes: ['p:1', 'p:2'] });
  });

  it('refuses roles or scopes of the wrong type with AUTH_TOKEN_INVALID naming the claim', () => {
    expect(() => toPrincipal(TOKEN, claimsAt({ roles: [1, 2] }), defaults)).toThrow(
      expect.objectContaining({ code: 'AUTH_TOKEN_INVALID', message: 'the token "roles" claim must be a string or a list of strings' }),
    );
    expect(() => toPrincipal(TOKEN, claimsAt({ scope: { all: true } }), defaults)).toThrow(expect.objectContaining({ message: expect.stringContaining('"scope"') }));
  });

  it('uses jti as the token id, else the SHA-256 of the token (never the token itself)', () => {
    expect(toPrincipal(TOKEN, claimsAt({ jti: 'abc' }), defaults).tokenId).toBe('abc');
    expect(toPrincipal(TOKEN, claimsAt(), defaults).tokenId).toBe(createHash('sha256').update(TOKEN).digest('base64url'));
  });

  it('normalises aud to a list and keeps every claim, deeply frozen', () => {
    const principal = toPrincipal(TOKEN, claimsAt({ tenant: { id: 't1' } }), defaults);
    expect(principal.aud).toEqual(['mcp-warden']);
    expect(principal.claims).toMatchObject({ tenant: { id: 't1' }, sub: 'alice' });
    expect(Object.isFrozen(principal) && Object.isFrozen(principal.roles) && Object.isFrozen(principal.claims.tenant)).toBe(true);
  });
});
