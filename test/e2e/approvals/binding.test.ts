import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AuditStore } from '../../../src/audit/sink.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { startFixture } from '../../../testkit/fixtures/spawn.ts';
import { auditConfig, readEvents, tempDir, waitFor } from '../../../testkit/support/audit.ts';
import { ApprovalPolicy, silentLogger } from '../../../testkit/support/engines.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { refusal } from '../../../testkit/support/rpc.ts';

/**
 * Issue 15: an approval is bound to the digest of the arguments as forwarded, the tool's
 * pinned digest and the policy revision. The gateway core (Streamable HTTP edge, real SQLite
 * store, a kitchen-sink upstream that redefines its tools at run time) with a policy whose
 * revision a test can move: an approval given while the tool or the policy changed is
 * APPROVAL_STALE, and an operator's approval of one call never serves another.
 */
const { dir, cleanup } = tempDir('approval-binding');
afterAll(cleanup);
let opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.reverse()) await close().catch(() => undefined);
  opened = [];
});

let n = 0;
async function world(approvals: Record<string, unknown> = {}) {
  const path = join(dir, `audit-${++n}.db`);
  const store: AuditStore = openAuditStore(auditConfig(path), { logger: silentLogger });
  opened.push(() => store.close());
  const sink = await startFixture('kitchen-sink', 'http');
  opened.push(() => sink.close());
  const policy = new ApprovalPolicy();
  const gw: TestGateway = await startTestGateway({
    config: { mcpServers: { ks: sink.entry }, integrity: { mode: 'warn', poll_interval_ms: 50 }, approvals: { poll_interval_ms: 50, ...approvals } },
    audit: store, integrity: store, approvals: store.approvals, policy,
  });
  opened.unshift(() => gw.close());
  const client = await gw.connect({ capabilities: { elicitation: { form: {} } } });
  return { path, store, gw, client, policy };
}

const echoes = async (client: Client): Promise<number> =>
  (JSON.parse(((await client.callTool({ name: 'ks__calls', arguments: {} })) as { content: Array<{ text: string }> }).content[0]!.text) as { byTool: Record<string, number> }).byTool.echo ?? 0;


const approvalOf = (path: string, decisionId: string) => (JSON.parse(readEvents(path, "kind = 'decision' AND decision_id = ?", decisionId)[0]!.data) as { approval: Record<string, unknown> }).approval;

describe('an approval is bound to the exact call', () => {
  it('is APPROVAL_STALE when the tool definition changed while the caller was asked; nothing forwarded', async () => {
    const { path, gw, client } = await world();
    const digest = () => gw.gateway.integrity!.status('tool', 'ks', 'echo')!.digest;
    const before = digest();
    client.setRequestHandler(ElicitRequestSchema, async (): Promise<ElicitResult> => {
      await client.callTool({ name: 'ks__redefine', arguments: { name: 'echo', description: 'Echoes, and now something else' } });
      await waitFor(digest, (now) => now !== before);
      return { action: 'accept' };
    });
    const error = await refusal(client.callTool({ name: 'ks__echo', arguments: { message: 'hi' } }));
    expect(error).toMatchObject({ code: -32004, data: { code: 'APPROVAL_STALE' } });
    expect(error.message).toMatch(/Denied: the approval no longer holds: the tool definition changed since it was given$/);
    expect(approvalOf(path, error.data.decisionId)).toMatchObject({ result: 'stale', by: 'caller:alice', binding: { tool_digest: before } });
    expect(await echoes(client)).toBe(0);
  });

  it('is APPROVAL_STALE when the policy changed while the caller was asked', async () => {
    const { path, client, policy } = await world();
    client.setRequestHandler(ElicitRequestSchema, async (): Promise<ElicitResult> => {
      policy.revision = 'rev-2';
      return { action: 'accept' };
    });
    const error = await refusal(client.callTool({ name: 'ks__echo', arguments: { message: 'hi' } }));
    expect(error.data.code).toBe('APPROVAL_STALE');
    expect(error.message).toMatch(/the policy changed since it was given/);
    expect(approvalOf(path, error.data.decisionId)).toMatchObject({ result: 'stale', binding: { policy_revision: 'rev-1' } });
    expect(await echoes(client)).toBe(0);
  });

  it('operator mode: an approval is for one call and its binding; another call, other arguments or another binding are not approved by it', async () => {
    const { path, store, client } = await world({ mode: 'operator', operator_timeout_ms: 60_000 });
    const progress: number[] = [];
    const first = client.callTool({ name: 'ks__echo', arguments: { message: 'one' } }, undefined, { onprogress: (p) => void progress.push(p.progress), timeout: 60_000 });
    const [pending] = await waitFor(() => store.approvals.pending(new Date().toISOString()), (rows) => rows.length === 1, 30_000);
    expect(pending).toMatchObject({ sub: 'alice', publicName: 'ks__echo', upstream: 'ks', arguments: { message: 'one' }, reason: 'echo needs a yes', status: 'pending' });

    // A second call with other arguments waits under its own id and binding.
    const second = client.callTool({ name: 'ks__echo', arguments: { message: 'two' } }, undefined, { timeout: 60_000 });
    const rows = await waitFor(() => store.approvals.pending(new Date().toISOString()), (all) => all.length === 2, 30_000);
    const other = rows.find((row) => row.id !== pending!.id)!;
    expect(other.binding.argumentsSha256).not.toBe(pending!.binding.argumentsSha256);
    expect(other.binding.toolDigest).toBe(pending!.binding.toolDigest);

    // The first call's approval cannot be given with the second call's binding, nor under another tool digest or policy revision.
    const at = new Date().toISOString();
    for (const binding of [other.binding, { ...pending!.binding, toolDigest: 'f'.repeat(64) }, { ...pending!.binding, policyRevision: 'rev-2' }]) {
      expect(await store.approvals.decide(pending!.id, binding, 'approved', 'os:operator', at)).toBe(false);
    }
    expect(await store.approvals.decide(pending!.id, pending!.binding, 'approved', 'os:operator', at)).toBe(true);
    expect(await store.approvals.decide(pending!.id, pending!.binding, 'approved', 'os:operator', at)).toBe(false);
    expect(await first).toMatchObject({ content: [{ text: 'one' }] });
    expect(progress.length).toBeGreaterThan(0);

    // The second call is still waiting: deny it.
    expect(await store.approvals.decide(other.id, other.binding, 'denied', 'os:operator', new Date().toISOString())).toBe(true);
    const denied = await refusal(second);
    expect(denied.data).toMatchObject({ code: 'APPROVAL_DECLINED', decisionId: other.id });
    expect(await echoes(client)).toBe(1);
    expect(approvalOf(path, pending!.id)).toMatchObject({ mode: 'operator', result: 'approved', by: 'os:operator', binding: { arguments_sha256: pending!.binding.argumentsSha256 } });
    expect(approvalOf(path, other.id)).toMatchObject({ mode: 'operator', result: 'declined', by: 'os:operator' });
  });

  it('operator mode: no decision within operator_timeout_ms is APPROVAL_DECLINED and the row expires', async () => {
    const { store, client } = await world({ mode: 'operator', operator_timeout_ms: 300 });
    const error = await refusal(client.callTool({ name: 'ks__echo', arguments: { message: 'late' } }));
    expect(error.data.code).toBe('APPROVAL_DECLINED');
    expect(await store.approvals.read(error.data.decisionId)).toMatchObject({ status: 'expired' });
    expect(await echoes(client)).toBe(0);
  });
});
