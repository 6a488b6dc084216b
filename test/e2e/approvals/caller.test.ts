import { join } from 'node:path';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioTransportV2 } from '@modelcontextprotocol/client/stdio';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningProcess } from '../../../src/cli/launch-process.ts';
import { connectClient } from '../../../testkit/fixtures/client.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { readEvents, tempDir } from '../../../testkit/support/audit.ts';
import { gatewayStdioEntry, startGatewayHttp, waitForTool, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { refusal } from '../../../testkit/support/rpc.ts';

/**
 * Issue 15, approvals in mode `caller`: `warden serve` (real Rego policy, real SQLite audit)
 * asks the calling client's user through elicitation/create before it forwards a call the
 * policy allows only with an approval. A real SDK client answers (accept, decline, cancel, not
 * at all) or cannot be asked (no elicitation capability), over stdio and Streamable HTTP. A real
 * SDK v2 client that negotiates 2026-07-28 over stdio is asked through input_required instead
 * (every other new-era case runs in process: new-era.test.ts).
 */
const POLICY = `package mcp.authz

allow := true

approval := {"required": true, "reason": "echo leaves the building"} if {
  input.method == "tools/call"
  input.tool.upstream_name == "echo"
}
`;

const { dir, cleanup } = tempDir('approvals-caller');
const config = writeGatewayConfig(dir, { db: { ...relayServer('db'), env: {} } }, { policy: POLICY, approvals: { caller_timeout_ms: 1500 } });
const audit = join(dir, 'audit.db');
let http: ListeningProcess;
beforeAll(async () => {
  http = await startGatewayHttp(config);
}, 90_000);
afterAll(async () => {
  await http?.close();
  cleanup();
});

type Answer = (request: ElicitRequest) => Promise<ElicitResult>;

async function connect(transport: 'stdio' | 'http', elicits: boolean): Promise<{ client: Client; asked: ElicitRequest[]; answer: { next: Answer } }> {
  const entry = transport === 'http' ? { type: 'http' as const, url: http.url, headers: {} } : gatewayStdioEntry(config);
  const client = await connectClient(entry, elicits ? { elicitation: { form: {} } } : {}, { stderr: 'ignore' });
  const asked: ElicitRequest[] = [];
  const answer = { next: (async () => ({ action: 'accept' })) as Answer };
  if (elicits) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request);
      return answer.next(request);
    });
  }
  await waitForTool(client, 'db__echo');
  return { client, asked, answer };
}

const calls = async (client: Client): Promise<number> => JSON.parse(((await client.callTool({ name: 'db__stats', arguments: {} })) as { content: Array<{ text: string }> }).content[0]!.text).calls;


function decisionRow(decisionId: string): { decision: string; code: string | null; data: Record<string, unknown> } {
  const [row] = readEvents(audit, "kind = 'decision' AND decision_id = ?", decisionId);
  return { decision: row!.decision!, code: row!.code, data: JSON.parse(row!.data) as Record<string, unknown> };
}

describe.each(['stdio', 'http'] as const)('approval by the caller over %s', (transport) => {
  let asker: Awaited<ReturnType<typeof connect>>;
  let mute: Awaited<ReturnType<typeof connect>>;
  beforeAll(async () => {
    [asker, mute] = await Promise.all([connect(transport, true), connect(transport, false)]);
  }, 90_000);
  afterAll(async () => {
    await asker?.client.close();
    await mute?.client.close();
  });

  it('shows tool, upstream, redacted arguments and reason; an explicit accept forwards, bound in the decision row', async () => {
    asker.answer.next = async () => ({ action: 'accept' });
    const result = await asker.client.callTool({ name: 'db__echo', arguments: { message: 'hi', api_key: 'sk-live_abcdefghijklmnopqrstuvwx' } });
    expect(result).toMatchObject({ content: [{ text: 'hi' }] });
    const question = asker.asked.at(-1)!.params as { message: string; requestedSchema: unknown; _meta: Record<string, { tool: string; upstream: string; arguments: Record<string, unknown>; reason: string }> };
    expect(question.message).toContain('Tool: db__echo (upstream db, its tool echo)');
    expect(question.message).toContain('Why approval is needed: echo leaves the building');
    expect(question.message).toContain('"api_key": "[REDACTED]"');
    expect(question.message).not.toContain('sk-live_');
    expect(question._meta['io.mcp-warden/approval']).toEqual({ tool: 'db__echo', upstream: 'db', arguments: { message: 'hi', api_key: '[REDACTED]' }, reason: 'echo leaves the building' });

    const row = readEvents(audit, "kind = 'decision' AND public_name = 'db__echo' AND decision = 'allow'").at(-1);
    const data = JSON.parse(row!.data) as { arguments_sha256: string; policy_revision: string; approval: Record<string, unknown> };
    expect(data.approval).toEqual({
      required: true, reason: 'echo leaves the building', mode: 'caller', result: 'approved', by: 'caller',
      binding: { arguments_sha256: data.arguments_sha256, tool_digest: expect.stringMatching(/^[0-9a-f]{64}$/), policy_revision: data.policy_revision },
    });
  });

  it.each([
    ['decline', 'declined', /the approval was declined/],
    ['cancel', 'cancelled', /the approval was cancelled/],
  ] as const)('a %s is APPROVAL_DECLINED, nothing forwarded, a deny row with the binding', async (action, result, message) => {
    asker.answer.next = async () => ({ action });
    const before = await calls(asker.client);
    const error = await refusal(asker.client.callTool({ name: 'db__echo', arguments: { message: 'no' } }));
    expect(error).toMatchObject({ code: -32004, message: expect.stringMatching(message), data: { code: 'APPROVAL_DECLINED', reason: 'echo leaves the building' } });
    expect(await calls(asker.client)).toBe(before);
    const row = decisionRow(error.data.decisionId!);
    expect(row).toMatchObject({ decision: 'deny', code: 'APPROVAL_DECLINED', data: { approval: { mode: 'caller', result, by: 'caller', binding: { arguments_sha256: row.data.arguments_sha256 } } } });
  });

  it('no answer within approvals.caller_timeout_ms is APPROVAL_DECLINED', async () => {
    asker.answer.next = () => new Promise(() => undefined);
    const before = await calls(asker.client);
    const error = await refusal(asker.client.callTool({ name: 'db__echo', arguments: { message: 'late' } }));
    expect(error.data.code).toBe('APPROVAL_DECLINED');
    expect(error.message).toMatch(/nobody approved the call in time/);
    expect(decisionRow(error.data.decisionId!).data).toMatchObject({ approval: { result: 'timeout' } });
    expect(await calls(asker.client)).toBe(before);
  });

  it('a client without the elicitation capability is APPROVAL_UNAVAILABLE; calls needing no approval pass', async () => {
    const error = await refusal(mute.client.callTool({ name: 'db__echo', arguments: { message: 'hi' } }));
    expect(error).toMatchObject({ code: -32004, data: { code: 'APPROVAL_UNAVAILABLE' } });
    expect(error.message).toMatch(/the client does not answer elicitation/);
    expect(decisionRow(error.data.decisionId!)).toMatchObject({ decision: 'deny', code: 'APPROVAL_UNAVAILABLE', data: { approval: { result: 'unavailable' } } });
    expect(await mute.client.callTool({ name: 'db__whoami', arguments: {} })).toMatchObject({ content: [{ text: 'db' }] });
  });
});

describe('approval by a new-era (2026-07-28) caller over stdio', () => {
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
  });

  const modernCalls = async (): Promise<number> => (JSON.parse(((await client.callTool({ name: 'db__stats', arguments: {} })).content[0] as { text: string }).text) as { calls: number }).calls;
  const echoRows = () => readEvents(audit, "kind = 'decision' AND public_name = 'db__echo'").map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, any> }));

  it('asks through input_required; an accept forwards once, the retry names the question and keeps its binding', async () => {
    expect(client.getProtocolEra()).toBe('modern');
    answer.next = 'accept';
    const before = await modernCalls();
    expect(await client.callTool({ name: 'db__echo', arguments: { message: 'new era' } })).toMatchObject({ content: [{ text: 'new era' }] });
    expect(await modernCalls()).toBe(before + 1);
    expect(asked.at(-1)).toContain('Why approval is needed: echo leaves the building');
    const [first, retry] = echoRows().slice(-2);
    expect(first).toMatchObject({ decision: 'allow', data: { protocol_version: '2026-07-28', approval: { result: 'asked', binding: { arguments_sha256: first!.data.arguments_sha256 } } } });
    expect(retry).toMatchObject({ decision: 'allow', data: { continues_decision: first!.decision_id, approval: { result: 'approved', by: 'caller', binding: first!.data.approval.binding } } });
  });

  it('an old-era upstream\'s own elicitation/create reaches the stdio caller as input_required, and the answer goes back to the waiting call (issue 11)', async () => {
    answer.next = 'accept';
    const before = asked.length;
    expect(await client.callTool({ name: 'db__ask', arguments: { message: 'Which name?' } })).toMatchObject({ content: [{ text: 'accept: {}' }] });
    expect(asked.slice(before)).toEqual(['Which name?']);
    const [first, retry] = readEvents(audit, "kind = 'decision' AND method = 'tools/call' AND public_name = 'db__ask'").map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, any> })).slice(-2);
    expect(first).toMatchObject({ decision: 'allow', data: { protocol_version: '2026-07-28' } });
    expect(retry).toMatchObject({ decision: 'allow', data: { continues_decision: first!.decision_id } });
    expect(readEvents(audit, "kind = 'decision' AND method = 'elicitation/create'").at(-1)).toMatchObject({ decision: 'allow', upstream: 'db' });
  });

  it('a decline is APPROVAL_DECLINED and nothing is forwarded', async () => {
    answer.next = 'decline';
    const before = await modernCalls();
    const error = await refusal(client.callTool({ name: 'db__echo', arguments: { message: 'no' } }));
    expect(error).toMatchObject({ code: -32004, data: { code: 'APPROVAL_DECLINED', reason: 'echo leaves the building' } });
    expect(await modernCalls()).toBe(before);
    expect(echoRows().at(-1)).toMatchObject({ decision: 'deny', code: 'APPROVAL_DECLINED', decision_id: error.data.decisionId, data: { approval: { result: 'declined' } } });
  });
});
