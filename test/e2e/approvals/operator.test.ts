import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningProcess } from '../../../src/cli/launch-process.ts';
import { connectClient } from '../../../testkit/fixtures/client.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';
import { readEvents, tempDir, waitFor } from '../../../testkit/support/audit.ts';
import { runWarden, startGatewayHttp, waitForTool, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { refusal } from '../../../testkit/support/rpc.ts';

/**
 * Issue 15, approvals in mode `operator`: `warden serve` holds a call the policy allows only
 * with an approval, telling the caller it waits (progress notifications), until
 * `warden approvals approve|deny`, run as another process on the same audit database, decides
 * it. The deciding principal must be allowed by the policy (`approvals/decide`).
 */
const POLICY = `package mcp.authz

default allow := false

allow if input.method != "approvals/decide"

# Operators (OS users here) may decide calls of echo, not of whoami.
allow if {
  input.method == "approvals/decide"
  startswith(input.principal.sub, "os:")
  input.call.tool.upstream_name == "echo"
}

approval := {"required": true, "reason": sprintf("%s needs an operator", [input.tool.upstream_name])} if {
  input.method == "tools/call"
  input.tool.upstream_name in {"echo", "whoami"}
}
`;

const { dir, cleanup } = tempDir('approvals-operator');
const config = writeGatewayConfig(dir, { db: { ...relayServer('db'), env: {} } }, { policy: POLICY, approvals: { mode: 'operator', poll_interval_ms: 100, operator_timeout_ms: 120_000 } });
const warden = (args: string[]) => runWarden(['approvals', ...args, '--config', config], { env: { WARDEN_TOKEN: '' } });
const operator = `os:${userInfo().username}`;
let gateway: ListeningProcess;
let client: Client;
beforeAll(async () => {
  gateway = await startGatewayHttp(config);
  client = await connectClient({ type: 'http', url: gateway.url, headers: {} });
  await waitForTool(client, 'db__echo');
}, 90_000);
afterAll(async () => {
  await client?.close().catch(() => undefined);
  await gateway?.close();
  cleanup();
});

interface Listed {
  id: string;
  publicName: string;
  arguments: Record<string, unknown>;
  reason: string;
}

/**
 * The ids of the calls waiting, read from the table itself, once `count` of them wait: a
 * `warden` process per poll would cost seconds each under load (the first test runs `list`).
 */
function pendingIds(): string[] {
  const db = new Database(join(dir, 'audit.db'), { readonly: true });
  try {
    return db.prepare("SELECT id FROM approvals WHERE status = 'pending' ORDER BY created_at").pluck().all() as string[];
  } finally {
    db.close();
  }
}
const waiting = (count: number): Promise<string[]> => waitFor(pendingIds, (ids) => ids.length >= count, 60_000);


const approvalOf = (decisionId: string) => (JSON.parse(readEvents(join(dir, 'audit.db'), "kind = 'decision' AND decision_id = ?", decisionId)[0]!.data) as { approval: Record<string, unknown> }).approval;

describe('approval by an operator (warden approvals, another process)', () => {
  it('the call waits with progress until `warden approvals approve` decides it; the approver and binding are in its decision row', async () => {
    const progress: string[] = [];
    const call = client.callTool({ name: 'db__echo', arguments: { message: 'ship it', password: 'hunter2' } }, undefined, {
      onprogress: (p) => void progress.push(p.message ?? ''), timeout: 120_000, resetTimeoutOnProgress: true,
    });
    await waiting(1);
    const [row] = JSON.parse((await warden(['list', '--json'])).stdout) as Listed[];
    expect(row).toMatchObject({ publicName: 'db__echo', arguments: { message: 'ship it', password: '[REDACTED]' }, reason: 'echo needs an operator' });
    const list = await warden(['list']);
    expect(list.stdout).toContain(row!.id);
    expect(list.stdout).toContain('echo needs an operator');

    const approve = await warden(['approve', row!.id, '--note', 'checked']);
    expect(approve).toMatchObject({ code: 0, stderr: '' });
    expect(approve.stdout).toMatch(new RegExp(`^approved call ${row!.id} \\(db__echo on db\\) by ${operator}; bound to arguments [0-9a-f]{12}, tool [0-9a-f]{12}, policy sha256:`));
    expect(await call).toMatchObject({ content: [{ text: 'ship it' }] });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toBe(`waiting for an operator: warden approvals approve ${row!.id}`);
    expect(approvalOf(row!.id)).toMatchObject({ mode: 'operator', result: 'approved', by: operator, reason: 'echo needs an operator' });
    expect((await warden(['approve', row!.id])).stderr).toMatch(/is no longer waiting \(approved\)/);
  }, 120_000);

  it('`warden approvals deny` refuses the call with APPROVAL_DECLINED', async () => {
    const call = refusal(client.callTool({ name: 'db__echo', arguments: { message: 'no' } }, undefined, { timeout: 120_000 }));
    const [id] = await waiting(1);
    const row = { id: id! };
    expect((await warden(['deny', row.id])).code).toBe(0);
    const error = await call;
    expect(error).toMatchObject({ code: -32004, data: { code: 'APPROVAL_DECLINED', decisionId: row!.id } });
    expect(approvalOf(row!.id)).toMatchObject({ result: 'declined', by: operator });
  }, 120_000);

  it('a principal the policy does not allow to decide that call is refused, and the call keeps waiting; a changed policy cannot approve it', async () => {
    const call = refusal(client.callTool({ name: 'db__whoami', arguments: {} }, undefined, { timeout: 120_000 }));
    const [id] = await waiting(1);
    const row = { id: id! };
    const refused = await warden(['approve', row.id]);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`POLICY_DENIED: ${operator} may not decide call ${row!.id}`)) });
    expect(pendingIds()).toEqual([row.id]);

    // A revised policy that would let the operator decide it: its approval would not be for this call.
    writeFileSync(join(dir, 'allow-all.rego'), POLICY.replace('input.call.tool.upstream_name == "echo"', 'input.call.tool.upstream_name in {"echo", "whoami"}'));
    const stale = await warden(['approve', row!.id]);
    expect(stale).toMatchObject({ code: 1, stderr: expect.stringMatching(/APPROVAL_STALE: the policy changed since call .* was decided/) });
    // Denying needs no binding: the revised policy lets the operator refuse it.
    expect((await warden(['deny', row!.id])).code).toBe(0);
    writeFileSync(join(dir, 'allow-all.rego'), POLICY);
    expect((await call).data.code).toBe('APPROVAL_DECLINED');
  }, 120_000);

  it('approve and deny name their usage errors', async () => {
    const [noId, unknown, noConfig] = await Promise.all([
      warden(['approve']),
      warden(['approve', 'no-such-id']),
      runWarden(['approvals', 'approve', 'x', '--db', join(dir, 'audit.db')], { env: { WARDEN_TOKEN: '' } }),
    ]);
    expect(noId).toMatchObject({ code: 2, stderr: expect.stringContaining('approve takes exactly one ID') });
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('no call no-such-id waits for an approval') });
    expect(noConfig).toMatchObject({ code: 2, stderr: expect.stringContaining('--config is required') });
  }, 120_000);
});
