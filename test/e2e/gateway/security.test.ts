import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthnFailureEvent } from '../../../src/audit/sink.ts';
import type { PolicyInput } from '../../../src/policy/contract.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { MemoryAuditSink, TestPolicyEngine } from '../../../testkit/support/engines.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

/**
 * The security promises of the pipeline, through a real HTTP edge and a real stdio upstream:
 * fail closed, hidden equals unknown, decision recorded before forward.
 */
const ALICE = 'token-alice~mcp:use';
const HIDDEN = 'db__crash';
const DENIED = 'db__add_tool';
const UNAUDITABLE = 'db__whoami';
const BROKEN_POLICY = 'db__sample';

function rule(input: PolicyInput): boolean | 'throw' {
  const name = input.tool?.name;
  if (name === HIDDEN) return false;
  if (name === BROKEN_POLICY && input.method === 'tools/call') return 'throw';
  if (name === DENIED && input.method === 'tools/call') return false;
  return true;
}

let gw: TestGateway;
let policy: TestPolicyEngine;
let audit: MemoryAuditSink;
const authFailures: AuthnFailureEvent[] = [];

beforeAll(async () => {
  policy = new TestPolicyEngine(rule, ['writes need the admin role']);
  audit = new MemoryAuditSink(new Set([UNAUDITABLE]));
  gw = await startTestGateway({
    config: { mcpServers: { db: relayServer('db') }, auth: { required_scopes: ['mcp:use'] } },
    policy,
    audit,
    authFailures: { recordAuthnFailure: (event) => void authFailures.push(event) },
  });
});
afterAll(() => gw?.close());

const calls = async (client: Awaited<ReturnType<TestGateway['connect']>>) =>
  JSON.parse((await client.callTool({ name: 'db__stats', arguments: {} }) as { content: Array<{ text: string }> }).content[0]!.text).calls as number;

describe('pipeline security', () => {
  it('visibility:hidden-equals-unknown - a hidden tool is not listed and answers exactly like an unknown one', async () => {
    const client = await gw.connect({ token: ALICE });
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain(HIDDEN);
    const hidden = await client.callTool({ name: HIDDEN, arguments: {} }).catch((e: unknown) => e);
    const unknown = await client.callTool({ name: 'db__crashh', arguments: {} }).catch((e: unknown) => e);
    expect(hidden).toMatchObject({ code: -32602, message: `MCP error -32602: Unknown tool: ${HIDDEN}`, data: { code: 'TOOL_NOT_FOUND', name: HIDDEN } });
    expect(unknown).toMatchObject({ code: -32602, message: 'MCP error -32602: Unknown tool: db__crashh', data: { code: 'TOOL_NOT_FOUND', name: 'db__crashh' } });
    expect(Object.keys((hidden as { data: object }).data)).toEqual(Object.keys((unknown as { data: object }).data));
  });

  it('authorize - a denied call answers POLICY_DENIED with the reasons, is audited as deny, and is not forwarded', async () => {
    const client = await gw.connect({ token: ALICE });
    const before = await calls(client);
    await expect(client.callTool({ name: DENIED, arguments: { message: 'x' } })).rejects.toMatchObject({
      code: -32004, message: `MCP error -32004: ${'Denied by policy: writes need the admin role'}`, data: { code: 'POLICY_DENIED', reasons: ['writes need the admin role'] },
    });
    expect(await calls(client)).toBe(before);
    const denied = audit.events.find((e) => e.type === 'decision' && e.event.publicName === DENIED);
    expect(denied?.event).toMatchObject({ decision: 'deny', code: 'POLICY_DENIED', publicName: DENIED, upstream: 'db', upstreamName: 'add_tool', principal: { sub: 'alice' } });
  });

  it('fail-closed:policy-error - an engine that throws denies with POLICY_ERROR and nothing is forwarded', async () => {
    const client = await gw.connect({ token: ALICE });
    const before = await calls(client);
    await expect(client.callTool({ name: BROKEN_POLICY, arguments: {} })).rejects.toMatchObject({
      code: -32004, message: `MCP error -32004: ${'Denied: policy evaluation failed'}`, data: { code: 'POLICY_ERROR' },
    });
    expect(await calls(client)).toBe(before);
  });

  it('fail-closed:audit-error - when the decision cannot be recorded the call is refused with AUDIT_UNAVAILABLE and not forwarded', async () => {
    const client = await gw.connect({ token: ALICE });
    const before = await calls(client);
    await expect(client.callTool({ name: UNAUDITABLE, arguments: {} })).rejects.toMatchObject({
      code: -32004, message: `MCP error -32004: ${'Denied: the audit record could not be written'}`, data: { code: 'AUDIT_UNAVAILABLE' },
    });
    expect(await calls(client)).toBe(before);
  });

  it('audit:before-forward - the decision row precedes the outcome row, which carries the result kind and durations', async () => {
    const client = await gw.connect({ token: ALICE });
    const start = audit.events.length;
    await client.callTool({ name: 'db__echo', arguments: { message: 'audited' } });
    const events = audit.events.slice(start);
    expect(events.map((e) => e.type)).toEqual(['decision', 'outcome']);
    const [decision, outcome] = events;
    expect(decision!.event).toMatchObject({ decision: 'allow', method: 'tools/call', publicName: 'db__echo', upstreamName: 'echo', arguments: { message: 'audited' }, policyRevision: 'test-rev-1' });
    expect(outcome!.event).toMatchObject({ outcome: 'ok', decisionId: (decision!.event as { decisionId: string }).decisionId });
    expect((outcome!.event as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
  });

  it('authorize - the policy sees the caller, the namespaced and original names, the arguments and the request', async () => {
    const client = await gw.connect({ token: 'token-bob~mcp:use' });
    await client.callTool({ name: 'db__echo', arguments: { message: 'm' } });
    const input = policy.inputs.filter((i) => i.method === 'tools/call').at(-1)!;
    expect(input).toMatchObject({
      method: 'tools/call',
      principal: { sub: 'bob', iss: 'https://test.invalid' },
      tool: { name: 'db__echo', server: 'db', upstream_name: 'echo', annotations: { readOnlyHint: true } },
      arguments: { message: 'm' },
      request: { transport: 'http', remote_addr: '127.0.0.1' },
    });
  });

  it('authenticate - a valid token without a required scope is AUTH_INSUFFICIENT_SCOPE', async () => {
    const client = await gw.connect({ token: 'token-carol~other' });
    await expect(client.listTools()).rejects.toMatchObject({
      code: -32003, message: 'MCP error -32003: the token lacks the required scope(s): mcp:use', data: { code: 'AUTH_INSUFFICIENT_SCOPE' },
    });
  });

  it('authenticate - no token, a bad token, and an authenticator that throws all deny with AUTH_* codes, and refusals are counted', async () => {
    const before = authFailures.length;
    const anonymous = await gw.connect({ token: '' });
    await expect(anonymous.listTools()).rejects.toMatchObject({ code: -32003, data: { code: 'AUTH_TOKEN_MISSING' } });
    const bad = await gw.connect({ token: 'forged' });
    await expect(bad.listTools()).rejects.toMatchObject({ code: -32003, data: { code: 'AUTH_TOKEN_INVALID' } });
    const exploding = await gw.connect({ token: 'explode' });
    await expect(exploding.callTool({ name: 'db__echo', arguments: {} })).rejects.toMatchObject({
      code: -32003, message: `MCP error -32003: ${'Authentication failed'}`, data: { code: 'AUTH_TOKEN_INVALID' },
    });
    expect(authFailures.slice(before).map((e) => [e.source, e.reason])).toEqual([['127.0.0.1', 'AUTH_TOKEN_MISSING'], ['127.0.0.1', 'AUTH_TOKEN_INVALID']]);
  });
});
