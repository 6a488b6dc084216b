import { describe, expect, it } from 'vitest';
import { authConfigSchema } from '../../../src/auth/config.ts';
import {
  checkRequiredScopes,
  insufficientScopeChallenge,
  protectedResourceMetadata,
  protectedResourceMetadataPath,
  unauthorizedChallenge,
} from '../../../src/auth/http-challenge.ts';
import { toPrincipal } from '../../../src/auth/principal-claims.ts';
import { claimsAt } from '../../../testkit/support/tokens.ts';

const METADATA_URL = 'https://gw.example/.well-known/oauth-protected-resource/mcp';

describe('http challenges', () => {
  it('401 without a token: resource_metadata only (RFC 6750 section 3.1)', () => {
    expect(unauthorizedChallenge(METADATA_URL, false)).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
  });

  it('401 with a refused token: adds error="invalid_token"', () => {
    expect(unauthorizedChallenge(METADATA_URL, true)).toBe(`Bearer resource_metadata="${METADATA_URL}", error="invalid_token"`);
    expect(unauthorizedChallenge(METADATA_URL, true, 'token expired "now"\\\r\nX: y')).toBe(`Bearer resource_metadata="${METADATA_URL}", error="invalid_token", error_description="token expired 'now''''X: y"`);
  });

  it('403: insufficient_scope with the required scopes', () => {
    expect(insufficientScopeChallenge(['db:read', 'mail:send'])).toBe('Bearer error="insufficient_scope", scope="db:read mail:send"');
    expect(insufficientScopeChallenge(['a'], METADATA_URL)).toBe(`Bearer error="insufficient_scope", scope="a", resource_metadata="${METADATA_URL}"`);
  });

  it('escapes quotes and drops control characters, so a header can never be split', () => {
    expect(unauthorizedChallenge('https://x/"a\\b\r\nSet-Cookie: y', false)).toBe('Bearer resource_metadata="https://x/\\"a\\\\bSet-Cookie: y"');
  });

  it('places the metadata under the well-known prefix followed by the resource path (RFC 9728 section 3.1)', () => {
    expect(protectedResourceMetadataPath()).toBe('/.well-known/oauth-protected-resource');
    expect(protectedResourceMetadataPath('/mcp')).toBe('/.well-known/oauth-protected-resource/mcp');
    expect(protectedResourceMetadataPath('mcp/')).toBe('/.well-known/oauth-protected-resource/mcp');
  });
});

describe('protected resource metadata', () => {
  it('builds the RFC 9728 document from config', () => {
    const config = authConfigSchema.parse({
      resource: 'https://gw.example/mcp',
      authorization_servers: ['https://idp.example'],
      scopes_supported: ['db:read'],
    });
    expect(protectedResourceMetadata(config, 'http://127.0.0.1:3000/mcp')).toEqual({
      resource: 'https://gw.example/mcp',
      authorization_servers: ['https://idp.example'],
      scopes_supported: ['db:read'],
      bearer_methods_supported: ['header'],
    });
  });

  it('defaults resource to the served URL and leaves out empty scopes_supported', () => {
    expect(protectedResourceMetadata(authConfigSchema.parse({}), 'http://127.0.0.1:3000/mcp')).toEqual({
      resource: 'http://127.0.0.1:3000/mcp',
      authorization_servers: [],
      bearer_methods_supported: ['header'],
    });
  });
});

describe('checkRequiredScopes', () => {
  const principal = toPrincipal('t', claimsAt({ scope: 'db:read mail:send' }), authConfigSchema.parse({}).principal);

  it('passes when every required scope is held', () => {
    expect(() => checkRequiredScopes(principal, ['db:read'])).not.toThrow();
    expect(() => checkRequiredScopes(principal, [])).not.toThrow();
  });

  it('throws AUTH_INSUFFICIENT_SCOPE listing what is missing', () => {
    expect(() => checkRequiredScopes(principal, ['db:read', 'db:write', 'admin'])).toThrow(
      expect.objectContaining({
        code: 'AUTH_INSUFFICIENT_SCOPE',
        message: 'the token lacks the required scope(s): db:write, admin',
        details: { required: ['db:read', 'db:write', 'admin'], missing: ['db:write', 'admin'] },
      }),
    );
  });
});
