import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditStore } from '../../../src/audit/sink.ts';
import { openCheckedReader } from '../../../src/audit/sqlite/migrations.ts';
import { decisionStats } from '../../../src/audit/sqlite/query.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { type FixtureHandle, startFixture } from '../../../testkit/fixtures/spawn.ts';
import { auditConfig, readEvents, tempDir, waitFor } from '../../../testkit/support/audit.ts';
import { ApprovalPolicy, silentLogger } from '../../../testkit/support/engines.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { postModern, refusal } from '../../../testkit/support/rpc.ts';

/**
 * Issue 15, approvals of new-era (2026-07-28) callers in mode `caller`: the gateway cannot send
 * them elicitation/create, so it answers the call with an `input_required` result carrying the
 * question and a sealed requestState; the caller retries with the answer. The gateway core in
 * process (Streamable HTTP edge, real SQLite store, pinning in `warn` so a redefined tool stays
 * callable, a kitchen-sink upstream that counts its calls and redefines its tools) with a policy
 * that asks for an approval of `echo` (and of a new-era upstream's `confirm`, which asks a question
 * of its own). A real SDK v2 client answers the question itself; raw
 * requests bring the state back altered, late, by another principal or for other arguments.
 */
const ELICITS = { elicitation: { form: {} } };
const KEY = 'mcp-warden-approval';

const { dir, cleanup } = tempDir('approvals-new-era');
const path = join(dir, 'audit.db');
let store: AuditStore;
let sink: FixtureHandle;
let modern: FixtureHandle;
let gw: TestGateway;
let policy: ApprovalPolicy;
/** The gateway's clock runs this far ahead of the real one: a test moves it to expire a state without waiting. */
let skewMs = 0;

beforeAll(async () => {
  store = openAuditStore(auditConfig(path), { logger: silentLogger });
  [sink, modern] = await Promise.all([startFixture('kitchen-sink', 'http'), startFixture('modern-only', 'http')]);
  policy = new ApprovalPolicy(['echo', 'confirm']);
  gw = await startTestGateway({
    config: { mcpServers: { ks: sink.entry, m: modern.entry }, integrity: { mode: 'warn', poll_interval_ms: 50 }, approvals: { caller_timeout_ms: 60_000 } },
    audit: store, integrity: store, approvals: store.approvals, policy, clock: { now: () => Date.now() + skewMs },
  });
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await sink?.close();
  await modern?.close();
  await store?.close();
  cleanup();
});

type Answer = { action: 'accept' | 'decline' | 'cancel'; content?: Record<string, boolean> };

/** A v2 client in the new era whose user answers every question with `answer.next`. */
async function v2Client(token = 'token-alice', capabilities: Record<string, unknown> = ELICITS) {
  const client = new ClientV2({ name: 'v2-approver', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' }, capabilities });
  const asked: Array<{ message: string; _meta?: Record<string, unknown> }> = [];
  const answer = { next: { action: 'accept' } as Answer };
  if ('elicitation' in capabilities) {
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request.params as { message: string });
      return answer.next;
    });
  }
  await client.connect(new HttpTransportV2(new URL(gw.edge.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  expect(client.getProtocolEra()).toBe('modern');
  return { client, asked, answer };
}

const echoes = async (): Promise<number> => {
  const answer = await postModern(gw.edge.url, 'tools/call', { name: 'ks__calls', arguments: {} }, { token: 'token-alice' });
  return (JSON.parse(answer.body!.result.content[0].text) as { byTool: Record<string, number> }).byTool.echo ?? 0;
};

interface Row { decision: string; code: string | null; decision_id: string; data: Record<string, any> }
const rowOf = (decisionId: string): Row => {
  const [row] = readEvents(path, "kind = 'decision' AND decision_id = ?", decisionId);
  return { ...row!, data: JSON.parse(row!.data) as Record<string, any> } as Row;
};
const outcomeOf = (decisionId: string) => readEvents(path, "kind = 'outcome' AND decision_id = ?", decisionId)[0]?.outcome;
/** The decision rows of echo calls with these arguments, oldest first. */
const echoRows = (message: string): Row[] =>
  readEvents(path, "kind = 'decision' AND public_name = 'ks__echo'").map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, any> }) as Row).filter((r) => r.data.arguments?.message === message);

/** The first round by hand: the input_required result the gateway answers an echo call with. */
async function ask(message: string, token = 'token-alice'): Promise<{ state: string; result: Record<string, any> }> {
  const first = await postModern(gw.edge.url, 'tools/call', { name: 'ks__echo', arguments: { message } }, { token, capabilities: ELICITS });
  expect(first.body?.result).toMatchObject({ resultType: 'input_required', inputRequests: { [KEY]: { method: 'elicitation/create' } } });
  return { state: first.body!.result.requestState as string, result: first.body!.result };
}
const retry = (message: string, state: string, action: string | undefined, token = 'token-alice') =>
  postModern(gw.edge.url, 'tools/call', { name: 'ks__echo', arguments: { message }, requestState: state, ...(action === undefined ? {} : { inputResponses: { [KEY]: { action } } }) }, { token, capabilities: ELICITS });

describe('approval by a new-era caller (input_required)', () => {
  it('a v2 client is asked through input_required; an explicit accept forwards once, and both decisions keep the binding', async () => {
    const { client, asked } = await v2Client();
    try {
      const before = await echoes();
      const result = await client.callTool({ name: 'ks__echo', arguments: { message: 'hi', api_key: 'sk-live_abcdefghijklmnopqrstuvwx' } });
      expect(result.content).toEqual([{ type: 'text', text: 'hi' }]);
      expect(await echoes()).toBe(before + 1);
      expect(asked).toHaveLength(1);
      expect(asked[0]!.message).toContain('Tool: ks__echo (upstream ks, its tool echo)');
      expect(asked[0]!.message).toContain('Why approval is needed: echo needs a yes');
      expect(asked[0]!.message).not.toContain('sk-live_');
      expect(asked[0]!._meta?.['io.mcp-warden/approval']).toEqual({ tool: 'ks__echo', upstream: 'ks', arguments: { message: 'hi', api_key: '[REDACTED]' }, reason: 'echo needs a yes' });
    } finally {
      await client.close();
    }
    const [first, second] = echoRows('hi');
    const binding = { arguments_sha256: first!.data.arguments_sha256, tool_digest: expect.stringMatching(/^[0-9a-f]{64}$/), policy_revision: 'rev-1' };
    expect(first).toMatchObject({ decision: 'allow', data: { approval: { mode: 'caller', result: 'asked', by: null, binding } } });
    expect(first!.data.continues_decision).toBeUndefined();
    await waitFor(() => outcomeOf(first!.decision_id), (o) => o !== undefined);
    expect(outcomeOf(first!.decision_id)).toBe('approval_asked');
    expect(second).toMatchObject({ decision: 'allow', data: { continues_decision: first!.decision_id, approval: { result: 'approved', by: 'caller:alice', binding } } });
    expect(second!.data.arguments_sha256).toBe(first!.data.arguments_sha256);
    // A question asked is not a failed call in `warden audit stats`.
    const reader = openCheckedReader(path);
    try {
      expect(decisionStats(reader, { tool: 'ks__echo' }, 'tool')).toEqual([{ key: 'ks__echo', total: 2, allowed: 2, denied: 0, failed: 0 }]);
    } finally {
      reader.close();
    }
  });

  it.each([
    ['decline', 'declined', /the approval was declined/],
    ['cancel', 'cancelled', /the approval was cancelled/],
  ] as const)('a %s is APPROVAL_DECLINED: nothing forwarded, a deny row naming the question', async (action, result, message) => {
    const { client, answer } = await v2Client();
    answer.next = { action };
    try {
      const before = await echoes();
      const error = await refusal(client.callTool({ name: 'ks__echo', arguments: { message: action } }));
      expect(error).toMatchObject({ code: -32004, message: expect.stringMatching(message), data: { code: 'APPROVAL_DECLINED', reason: 'echo needs a yes' } });
      expect(await echoes()).toBe(before);
      const [first, second] = echoRows(action);
      expect(second).toMatchObject({ decision: 'deny', code: 'APPROVAL_DECLINED', decision_id: error.data.decisionId, data: { continues_decision: first!.decision_id, approval: { result, by: 'caller:alice' } } });
    } finally {
      await client.close();
    }
  });

  it('a new-era client that declared no elicitation is APPROVAL_UNAVAILABLE; calls needing no approval pass', async () => {
    const { client } = await v2Client('token-alice', {});
    try {
      const error = await refusal(client.callTool({ name: 'ks__echo', arguments: { message: 'mute' } }));
      expect(error).toMatchObject({ code: -32004, data: { code: 'APPROVAL_UNAVAILABLE' } });
      expect(error.message).toMatch(/the client does not answer elicitation/);
      expect(rowOf(error.data.decisionId)).toMatchObject({ decision: 'deny', code: 'APPROVAL_UNAVAILABLE', data: { approval: { result: 'unavailable' } } });
      expect(await client.callTool({ name: 'ks__calls', arguments: {} })).toMatchObject({ content: [{ type: 'text' }] });
    } finally {
      await client.close();
    }
  });

  it('the state is good for one retry by its principal with the same arguments: altered, foreign, late, replayed or for other arguments it forwards nothing and leaves a deny row', async () => {
    const before = await echoes();
    const { state } = await ask('one');
    // Refused before the answer is read: none of these uses up the question.
    const foreign = await retry('one', state, 'accept', 'token-bob');
    expect(foreign.body?.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_FOREIGN' } });
    const tampered = await retry('one', `${state.slice(0, 30)}${state[30] === 'A' ? 'B' : 'A'}${state.slice(31)}`, 'accept');
    expect(tampered.body?.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_INVALID' } });
    expect(await echoes()).toBe(before);

    const accepted = await retry('one', state, 'accept');
    expect(accepted.body?.result).toMatchObject({ content: [{ type: 'text', text: 'one' }] });
    const replayed = await retry('one', state, 'accept');
    expect(replayed.body?.error).toMatchObject({ code: -32004, data: { code: 'APPROVAL_STALE' } });
    expect(replayed.body!.error!.message).toMatch(/the approval was answered already/);

    const { state: two } = await ask('two');
    const other = await retry('three', two, 'accept');
    expect(other.body?.error).toMatchObject({ code: -32004, data: { code: 'APPROVAL_STALE' } });
    expect(other.body!.error!.message).toMatch(/the approval no longer holds: the arguments changed since it was given/);
    expect(rowOf(other.body!.error!.data.decisionId)).toMatchObject({ decision: 'deny', code: 'APPROVAL_STALE', data: { approval: { result: 'stale' } } });

    const { state: silent } = await ask('silent');
    const unanswered = await retry('silent', silent, undefined);
    expect(unanswered.body?.error).toMatchObject({ code: -32004, data: { code: 'APPROVAL_DECLINED' } });
    expect(unanswered.body!.error!.message).toMatch(/the approval was not answered/);

    // approvals.caller_timeout_ms (60 s) bounds the state's life.
    const { state: late } = await ask('late');
    skewMs += 60_001;
    const expired = await retry('late', late, 'accept');
    expect(expired.body?.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_EXPIRED' } });

    expect(await echoes()).toBe(before + 1);
    const denied = readEvents(path, "kind = 'decision' AND decision = 'deny'").map((r) => `${r.sub} ${r.code}`);
    expect(denied).toEqual(expect.arrayContaining(['bob REQUEST_STATE_FOREIGN', 'alice REQUEST_STATE_INVALID', 'alice REQUEST_STATE_EXPIRED', 'alice APPROVAL_STALE', 'alice APPROVAL_DECLINED']));
  });

  it('a policy change or a redefined tool between question and answer is APPROVAL_STALE', async () => {
    const { state } = await ask('policy');
    policy.revision = 'rev-2';
    try {
      const stale = await retry('policy', state, 'accept');
      expect(stale.body?.error).toMatchObject({ data: { code: 'APPROVAL_STALE' } });
      expect(stale.body!.error!.message).toMatch(/the policy changed since it was given/);
    } finally {
      policy.revision = 'rev-1';
    }

    const digest = () => gw.gateway.integrity!.status('tool', 'ks', 'echo')!.digest;
    const { state: toolState } = await ask('tool');
    const was = digest();
    await postModern(gw.edge.url, 'tools/call', { name: 'ks__redefine', arguments: { name: 'echo', description: 'Echoes, and now something else' } }, { token: 'token-alice' });
    await waitFor(digest, (now) => now !== was);
    const before = await echoes();
    const stale = await retry('tool', toolState, 'accept');
    expect(stale.body?.error).toMatchObject({ data: { code: 'APPROVAL_STALE' } });
    expect(stale.body!.error!.message).toMatch(/the tool definition changed since it was given/);
    expect(rowOf(stale.body!.error!.data.decisionId).data.approval).toMatchObject({ result: 'stale', binding: { tool_digest: was } });
    expect(await echoes()).toBe(before);
  });

  it('an approval given rides in the state of the upstream\'s own input_required: the person is asked once, the upstream gets its answer and its state', async () => {
    const { client, asked, answer } = await v2Client();
    answer.next = { action: 'accept', content: { confirm: true } };
    try {
      const result = await client.callTool({ name: 'm__confirm', arguments: { action: 'deploy' } });
      expect(result.content).toEqual([{ type: 'text', text: 'confirmed deploy (state modern-only-state:deploy)' }]);
      expect(asked.map((question) => question.message.split('\n')[0])).toEqual(['mcp-warden asks you to approve one call before it is sent.', 'Confirm deploy?']);
    } finally {
      await client.close();
    }
    const rows = readEvents(path, "kind = 'decision' AND method = 'tools/call' AND public_name = 'm__confirm'").map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, any> }));
    expect(rows.map((r) => [r.decision, r.data.approval?.result, r.data.approval?.by])).toEqual([['allow', 'asked', null], ['allow', 'approved', 'caller:alice'], ['allow', 'approved', 'caller:alice']]);
    // The upstream's own question was put to the policy before the caller saw it, in the name of the call.
    const question = readEvents(path, "kind = 'decision' AND method = 'elicitation/create' AND public_name = 'm__confirm'");
    expect(question.map((r) => [r.decision, r.upstream, r.sub])).toEqual([['allow', 'm', 'alice']]);
    expect(rows[1]!.data.continues_decision).toBe(rows[0]!.decision_id);
    expect(rows[2]!.data.continues_decision).toBe(rows[1]!.decision_id);
    expect(new Set(rows.map((r) => JSON.stringify(r.data.approval.binding))).size).toBe(1);
  });
});
