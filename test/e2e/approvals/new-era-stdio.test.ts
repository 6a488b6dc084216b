import { join } from 'node:path';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioTransportV2 } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { readEvents, tempDir } from '../../../testkit/support/audit.ts';
import { gatewayStdioEntry, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { refusal } from '../../../testkit/support/rpc.ts';

/**
 * Issue 15, approvals of a new-era caller as users run it: one `warden serve --stdio` (real Rego
 * policy, real SQLite audit) started by a real SDK v2 client that negotiates 2026-07-28 and
 * answers the gateway's input_required question itself. (Every other case runs in process over
 * HTTP: new-era.test.ts.)
 */
const POLICY = `package mcp.authz

allow := true

approval := {"required": true, "reason": "echo leaves the building"} if {
  input.method == "tools/call"
  input.tool.upstream_name == "echo"
}
`;

const { dir, cleanup } = tempDir('approvals-new-era-stdio');
const config = writeGatewayConfig(dir, { db: { ...relayServer('db'), env: {} } }, { policy: POLICY });
const audit = join(dir, 'audit.db');
const answer = { next: 'accept' as 'accept' | 'decline' };
const asked: string[] = [];
let client: ClientV2;

beforeAll(async () => {
  const entry = gatewayStdioEntry(config) as { command: string; args: string[]; env: Record<string, string> };
  client = new ClientV2({ name: 'v2-stdio-approver', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' }, capabilities: { elicitation: { form: {} } } });
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push(String(request.params.message));
    return { action: answer.next };
  });
  await client.connect(new StdioTransportV2({ command: entry.command, args: entry.args, env: entry.env, stderr: 'ignore' }));
  for (let i = 0; i < 300; i++) {
    if ((await client.listTools()).tools.some((tool) => tool.name === 'db__echo')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway never listed db__echo');
}, 90_000);
afterAll(async () => {
  await client?.close();
  cleanup();
});

const calls = async (): Promise<number> => (JSON.parse(((await client.callTool({ name: 'db__stats', arguments: {} })).content[0] as { text: string }).text) as { calls: number }).calls;
const echoRows = () => readEvents(audit, "kind = 'decision' AND public_name = 'db__echo'").map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, any> }));

describe('warden serve --stdio: approval by a new-era caller', () => {
  it('asks through input_required; an accept forwards once, the retry names the question and keeps its binding', async () => {
    expect(client.getProtocolEra()).toBe('modern');
    answer.next = 'accept';
    const before = await calls();
    expect(await client.callTool({ name: 'db__echo', arguments: { message: 'hi' } })).toMatchObject({ content: [{ text: 'hi' }] });
    expect(await calls()).toBe(before + 1);
    expect(asked.at(-1)).toContain('Why approval is needed: echo leaves the building');
    const [first, retry] = echoRows().slice(-2);
    expect(first).toMatchObject({ decision: 'allow', data: { approval: { result: 'asked', binding: { arguments_sha256: first!.data.arguments_sha256 } } } });
    expect(retry).toMatchObject({ decision: 'allow', data: { continues_decision: first!.decision_id, approval: { result: 'approved', by: 'caller', binding: first!.data.approval.binding } } });
  });

  it('a decline is APPROVAL_DECLINED and nothing is forwarded', async () => {
    answer.next = 'decline';
    const before = await calls();
    const error = await refusal(client.callTool({ name: 'db__echo', arguments: { message: 'no' } }));
    expect(error).toMatchObject({ code: -32004, data: { code: 'APPROVAL_DECLINED', reason: 'echo leaves the building' } });
    expect(await calls()).toBe(before);
    expect(echoRows().at(-1)).toMatchObject({ decision: 'deny', code: 'APPROVAL_DECLINED', decision_id: error.data.decisionId, data: { approval: { result: 'declined' } } });
  });
});
