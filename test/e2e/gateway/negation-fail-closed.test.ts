import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicyEngine, type ReloadablePolicyEngine } from '../../../src/policy/index.ts';
import { policyConfigSchema } from '../../../src/policy/config.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

/**
 * Issue 12, item 1, end to end: the real Rego engine over a policy that allows a call "unless the
 * team is blocked" (`not blocked(input.arguments.team)`), in front of a real stdio upstream. In
 * OPA the team's ref moves out of the negation, so a call without a team is undefined, i.e.
 * denied; the engine used to answer true here and forward the call (fail open).
 */
const POLICY = `package mcp.authz

default allow := false

allow if input.method != "tools/call"

allow if {
	input.method == "tools/call"
	input.tool.upstream_name != "echo"
}

allow if {
	input.method == "tools/call"
	input.tool.upstream_name == "echo"
	not blocked(input.arguments.team)
}

blocked(team) if team == "blocked"
`;

let gw: TestGateway;
let engine: ReloadablePolicyEngine;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-negation-'));
  writeFileSync(join(dir, 'authz.rego'), POLICY);
  engine = await createPolicyEngine(policyConfigSchema.parse({ paths: [join(dir, 'authz.rego')], watch: false }));
  gw = await startTestGateway({ config: { mcpServers: { db: relayServer('db') }, auth: { required_scopes: ['mcp:use'] } }, policy: engine });
});
afterAll(async () => {
  await gw?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

const calls = async (client: Awaited<ReturnType<TestGateway['connect']>>) =>
  JSON.parse(((await client.callTool({ name: 'db__stats', arguments: {} })) as { content: Array<{ text: string }> }).content[0]!.text).calls as number;

describe('authorize - negation over an undefined argument (regression: failed open)', () => {
  it('a call with an allowed team is forwarded (the denial below could fail)', async () => {
    const client = await gw.connect({ token: 'token-alice~mcp:use' });
    const before = await calls(client);
    const result = await client.callTool({ name: 'db__echo', arguments: { message: 'hi', team: 'red' } });
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'hi' }] });
    expect(await calls(client)).toBe(before + 1);
  });

  it('a call with a blocked team is denied', async () => {
    const client = await gw.connect({ token: 'token-alice~mcp:use' });
    const before = await calls(client);
    await expect(client.callTool({ name: 'db__echo', arguments: { message: 'hi', team: 'blocked' } })).rejects.toMatchObject({ code: -32004, data: { code: 'POLICY_DENIED' } });
    expect(await calls(client)).toBe(before);
  });

  it('a call without a team is denied and never reaches the upstream', async () => {
    const client = await gw.connect({ token: 'token-alice~mcp:use' });
    const before = await calls(client);
    await expect(client.callTool({ name: 'db__echo', arguments: { message: 'hi' } })).rejects.toMatchObject({ code: -32004, data: { code: 'POLICY_DENIED' } });
    expect(await calls(client)).toBe(before);
  });
});
