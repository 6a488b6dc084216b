import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../src/auth/principal.ts';
import { buildPolicyInput, type PolicyRequest } from '../../../src/policy/input.ts';

const alice: Principal = {
  sub: 'alice',
  iss: 'https://idp.example.com',
  aud: ['mcp-warden'],
  scopes: ['db:read'],
  roles: ['analyst'],
  claims: { sub: 'alice', roles: ['analyst'], email: 'alice@example.com' },
  expiresAt: 2_000_000_000,
  tokenId: 'jti-1',
};

const call: PolicyRequest = {
  method: 'tools/call',
  tool: { name: 'db__query', server: 'db', upstream_name: 'query', annotations: { readOnlyHint: true } },
  arguments: { sql: 'select 1' },
  request: { id: '7', session: 's-1', transport: 'http', protocol_version: '2026-07-28', remote_addr: '127.0.0.1' },
};
const now = new Date('2026-11-23T19:00:00Z');

describe('policy input builder', () => {
  it('builds the documented input document for a tool call', () => {
    expect(buildPolicyInput(alice, call, now)).toEqual({
      method: 'tools/call',
      principal: { sub: 'alice', iss: 'https://idp.example.com', aud: ['mcp-warden'], scopes: ['db:read'], roles: ['analyst'], claims: alice.claims },
      tool: call.tool,
      arguments: { sql: 'select 1' },
      request: call.request,
      now: '2026-11-23T19:00:00.000Z',
    });
  });

  it('hands the policy the very arguments object that will be forwarded', () => {
    const input = buildPolicyInput(alice, call, now);
    expect(input.arguments).toBe(call.arguments);
    expect(JSON.stringify(input.arguments)).toBe(JSON.stringify(call.arguments));
  });

  it('takes the principal only from the verified Principal, without token internals', () => {
    const input = buildPolicyInput(alice, call, now);
    expect(Object.keys(input.principal!)).toEqual(['sub', 'iss', 'aud', 'scopes', 'roles', 'claims']);
    expect(JSON.stringify(input)).not.toContain('jti-1');
    // A copy: a policy backend that mutated its input could not change the session's principal.
    (input.principal!.roles as string[]).push('admin');
    expect(alice.roles).toEqual(['analyst']);
  });

  it('leaves out the principal when authentication is disabled, and every absent part', () => {
    const input = buildPolicyInput(undefined, { method: 'resources/list', resource: { uri: 'file:///a', server: 'fs' }, request: call.request }, now);
    expect(Object.keys(input)).toEqual(['method', 'resource', 'request', 'now']);
  });

  it('writes method first and principal second, whatever order the request came in', () => {
    const input = buildPolicyInput(alice, { request: call.request, workflow: { name: 'weekly_sales_report', step: 'mail' }, method: 'tools/call', tool: call.tool }, now);
    expect(Object.keys(input)).toEqual(['method', 'principal', 'tool', 'workflow', 'request', 'now']);
    expect(JSON.stringify(input).startsWith('{"method":"tools/call","principal":{')).toBe(true);
  });

  it('is pure: the same request and time give equal inputs and the request is left untouched', () => {
    const before = structuredClone(call);
    expect(buildPolicyInput(alice, call, now)).toEqual(buildPolicyInput(alice, call, now));
    expect(call).toEqual(before);
  });
});
