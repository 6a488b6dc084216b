import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditStore } from '../../../src/audit/sink.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { type FixtureHandle, startFixture } from '../../../testkit/fixtures/spawn.ts';
import { auditConfig, readEvents, tempDir, waitFor } from '../../../testkit/support/audit.ts';
import { allowAll, silentLogger } from '../../../testkit/support/engines.ts';
import { startTestGateway, type TestGateway } from '../../../testkit/support/gateway.ts';
import { postModern } from '../../../testkit/support/rpc.ts';
import { type RecordingProxy, startRecordingProxy } from '../../../testkit/support/servers.ts';

/**
 * Issue 11: an old-era (2025-11-25) upstream's own server->client request, sent in the middle of a
 * 2026-07-28 caller's tools/call, reaches that caller as an `input_required` round. The upstream
 * call waits, parked in the gateway process, until the caller's retry (authorized and recorded as
 * a decision of its own) brings the answer. The gateway core in process (Streamable HTTP edge, a
 * real SQLite store) in front of the kitchen-sink fixture over Streamable HTTP, behind a recording
 * proxy that shows what reached the upstream. A second gateway with the same session key (a
 * replica) parks calls for 400 ms only; an upstream entry with a 1.5 s timeout loses its call (long enough
 * for its first round on a loaded machine).
 */
const KEY = 'mcp-warden-relay-1';
const SAMPLES = { sampling: {} };
const SESSION_KEY = 'input-required-old-era-session-key-0123456789';

const { dir, cleanup } = tempDir('input-required-old-era');
const path = join(dir, 'audit.db');
let store: AuditStore;
let sink: FixtureHandle;
let proxy: RecordingProxy;
let gw: TestGateway;
let replica: TestGateway;

beforeAll(async () => {
  store = openAuditStore(auditConfig(path), { logger: silentLogger });
  sink = await startFixture('kitchen-sink', 'http');
  proxy = await startRecordingProxy(sink.url!);
  // One engine for both gateways: its decision ids are unique across them, as replicas' are.
  const policy = allowAll();
  const upstreams = { ks: { type: 'http', url: proxy.url }, kt: { type: 'http', url: proxy.url, timeout_ms: 1500 } };
  [gw, replica] = await Promise.all([
    startTestGateway({ config: { mcpServers: upstreams, server: { session_key: SESSION_KEY } }, audit: store, policy }),
    startTestGateway({ config: { mcpServers: { ks: upstreams.ks }, server: { session_key: SESSION_KEY, pending_input_ttl_ms: 400 } }, audit: store, policy }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([gw?.close(), replica?.close()]);
  await proxy?.close();
  await sink?.close();
  await store?.close();
  cleanup();
});

interface Message { id?: number | string; method?: string; params?: Record<string, any>; result?: Record<string, any>; error?: Record<string, any> }
/** Every JSON-RPC message the upstream received, in order. */
const upstreamGot = (): Message[] =>
  proxy.received.flatMap((r) => {
    if (!r.body) return [];
    const parsed = JSON.parse(r.body) as Message | Message[];
    return Array.isArray(parsed) ? parsed : [parsed];
  });
const upstreamCalls = (tool: string) => upstreamGot().filter((m) => m.method === 'tools/call' && m.params?.name === tool);

interface Row { decision: string; code: string | null; decision_id: string; method: string; upstream: string; sub: string; data: Record<string, any> }
const decisions = (method: string): Row[] =>
  readEvents(path, "kind = 'decision' AND method = ?", method).map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, any> }) as unknown as Row);
/** The decision row of the upstream's own request that carried `text` (its params). */
const asking = (method: string, text: string): Row => decisions(method).find((r) => JSON.stringify(r.data).includes(JSON.stringify(text)))!;
const outcomeOf = (decisionId: string) => waitFor(() => readEvents(path, "kind = 'outcome' AND decision_id = ?", decisionId)[0], (row) => row !== undefined);

const call = (url: string, name: string, args: Record<string, unknown>, extra: Record<string, unknown> = {}, capabilities: Record<string, unknown> = SAMPLES) =>
  postModern(url, 'tools/call', { name, arguments: args, ...extra }, { token: 'token-alice', capabilities });

/** The first round by hand: ks__sample asks for a completion; the caller gets it as input_required. */
async function firstRound(url: string, prompt: string, name = 'ks__sample'): Promise<{ state: string; request: Record<string, any> }> {
  const first = await call(url, name, { prompt });
  expect(first.body?.result).toMatchObject({ resultType: 'input_required', inputRequests: { [KEY]: { method: 'sampling/createMessage' } } });
  return { state: first.body!.result.requestState as string, request: first.body!.result.inputRequests[KEY] };
}
const completion = (text: string) => ({ [KEY]: { role: 'assistant', model: 'test-model', content: { type: 'text', text } } });

async function v2Client(capabilities: Record<string, unknown>) {
  const client = new ClientV2({ name: 'v2-caller', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' }, capabilities });
  await client.connect(new HttpTransportV2(new URL(gw.edge.url), { requestInit: { headers: { authorization: 'Bearer token-alice' } } }));
  expect(client.getProtocolEra()).toBe('modern');
  return client;
}

describe('an old-era upstream asks a new-era caller (input_required)', () => {
  it('a v2 client answers the upstream\'s sampling/createMessage; the answer reaches the waiting upstream call, and the retry is a decision that names the first', async () => {
    const client = await v2Client(SAMPLES);
    const asked: unknown[] = [];
    client.setRequestHandler('sampling/createMessage', async (request) => {
      asked.push(request.params.messages);
      return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'reply to ping' } };
    });
    try {
      const result = await client.callTool({ name: 'ks__sample', arguments: { prompt: 'ping' } });
      expect(result.content).toEqual([{ type: 'text', text: 'sampled (test-model): reply to ping' }]);
    } finally {
      await client.close();
    }
    expect(asked).toEqual([[{ role: 'user', content: { type: 'text', text: 'ping' } }]]);
    // One call reached the upstream, and the caller's completion came back to its sampling request as it was given.
    expect(upstreamCalls('sample').filter((m) => m.params?.arguments?.prompt === 'ping')).toHaveLength(1);
    expect(upstreamGot().filter((m) => m.result?.content?.text === 'reply to ping')).toEqual([
      expect.objectContaining({ result: { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'reply to ping' } } }),
    ]);
    const [first, retry] = decisions('tools/call').filter((r) => r.data.arguments?.prompt === 'ping');
    expect(first).toMatchObject({ decision: 'allow', upstream: 'ks', sub: 'alice' });
    expect(first!.data.continues_decision).toBeUndefined();
    expect(retry).toMatchObject({ decision: 'allow', data: { continues_decision: first!.decision_id } });
    expect((await outcomeOf(first!.decision_id))!.outcome).toBe('ok');
    expect((await outcomeOf(retry!.decision_id))!.outcome).toBe('ok');
    // The upstream's own request was decided and recorded in the name of the first call, and answered.
    const sampling = asking('sampling/createMessage', 'ping');
    expect(sampling).toMatchObject({ decision: 'allow', upstream: 'ks', sub: 'alice' });
    expect((await outcomeOf(sampling.decision_id))!.outcome).toBe('ok');
  });

  it('a decline goes back to the upstream\'s elicitation/create as the caller gave it; the upstream\'s answer is the retry\'s', async () => {
    const client = await v2Client({ elicitation: { form: {} } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
    try {
      const result = await client.callTool({ name: 'ks__elicit', arguments: { message: 'deploy?' } });
      expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual({ action: 'decline' });
    } finally {
      await client.close();
    }
    expect(upstreamCalls('elicit').filter((m) => m.params?.arguments?.message === 'deploy?')).toHaveLength(1);
    expect(upstreamGot().filter((m) => m.result?.action === 'decline')).toHaveLength(1);
    expect(asking('elicitation/create', 'deploy?')).toMatchObject({ decision: 'allow', upstream: 'ks' });
  });

  it('refuses a tampered state, other arguments and a missing answer, forwarding nothing; the call stays parked for the right retry', async () => {
    const { state, request } = await firstRound(gw.edge.url, 'tamper');
    expect(request.params.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'tamper' } }]);
    const before = upstreamGot().length;
    const tampered = `${state.slice(0, 30)}${state[30] === 'A' ? 'B' : 'A'}${state.slice(31)}`;
    const refusedTampered = await call(gw.edge.url, 'ks__sample', { prompt: 'tamper' }, { requestState: tampered, inputResponses: completion('forged') });
    expect(refusedTampered.body?.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_INVALID' } });
    const refusedOther = await call(gw.edge.url, 'ks__sample', { prompt: 'other' }, { requestState: state, inputResponses: completion('other') });
    expect(refusedOther.body?.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_INVALID' } });
    expect(refusedOther.body?.error?.message).toContain('other arguments');
    const unanswered = await call(gw.edge.url, 'ks__sample', { prompt: 'tamper' }, { requestState: state, inputResponses: { [KEY]: { action: 'accept' } } });
    expect(unanswered.body?.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_INVALID', field: `params.inputResponses.${KEY}` } });
    expect(upstreamGot().length).toBe(before);
    expect(decisions('tools/call').filter((r) => r.decision === 'deny').map((r) => r.code)).toEqual(expect.arrayContaining(['REQUEST_STATE_INVALID', 'REQUEST_INVALID']));

    const answered = await call(gw.edge.url, 'ks__sample', { prompt: 'tamper' }, { requestState: state, inputResponses: completion('honest') });
    expect(answered.body?.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'sampled (test-model): honest' }] });
    // A state already continued is spent.
    const again = await call(gw.edge.url, 'ks__sample', { prompt: 'tamper' }, { requestState: state, inputResponses: completion('twice') });
    expect(again.body?.error).toMatchObject({ data: { code: 'REQUEST_STATE_GONE' } });
    expect(upstreamCalls('sample').filter((m) => m.params?.arguments?.prompt === 'tamper')).toHaveLength(1);
  });

  it('cancels a parked call its caller never continued, tells the upstream, and refuses the late retry', async () => {
    const { state } = await firstRound(replica.edge.url, 'late');
    const [call0] = upstreamCalls('sample').filter((m) => m.params?.arguments?.prompt === 'late');
    // The expiry cancels the upstream call and answers its sampling request with an error.
    await waitFor(upstreamGot, (got) => got.some((m) => m.method === 'notifications/cancelled' && m.params?.requestId === call0!.id));
    const late = await call(replica.edge.url, 'ks__sample', { prompt: 'late' }, { requestState: state, inputResponses: completion('too late') });
    expect(late.body?.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_EXPIRED' } });
    expect(upstreamGot().filter((m) => m.result?.content?.text === 'too late')).toEqual([]);
    const sampling = asking('sampling/createMessage', 'late');
    expect((await outcomeOf(sampling.decision_id))!.code).toBe('REQUEST_STATE_EXPIRED');
    expect(decisions('tools/call').at(-1)).toMatchObject({ decision: 'deny', code: 'REQUEST_STATE_EXPIRED' });
    expect(replica.gateway.pendingInputs.size).toBe(0);
  });

  it('refuses a retry at another replica (REQUEST_STATE_ELSEWHERE) and one whose upstream call timed out (REQUEST_STATE_GONE)', async () => {
    const { state } = await firstRound(gw.edge.url, 'where');
    const elsewhere = await call(replica.edge.url, 'ks__sample', { prompt: 'where' }, { requestState: state, inputResponses: completion('there') });
    expect(elsewhere.body?.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_ELSEWHERE', field: 'params.requestState' } });
    const here = await call(gw.edge.url, 'ks__sample', { prompt: 'where' }, { requestState: state, inputResponses: completion('here') });
    expect(here.body?.result.content).toEqual([{ type: 'text', text: 'sampled (test-model): here' }]);

    const timed = await firstRound(gw.edge.url, 'timeout', 'kt__sample');
    await waitFor(() => gw.gateway.pendingInputs.size, (size) => size === 0);
    const gone = await call(gw.edge.url, 'kt__sample', { prompt: 'timeout' }, { requestState: timed.state, inputResponses: completion('gone') });
    expect(gone.body?.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_GONE' } });
    expect(decisions('tools/call').filter((r) => r.decision === 'deny').map((r) => r.code)).toEqual(expect.arrayContaining(['REQUEST_STATE_ELSEWHERE', 'REQUEST_STATE_GONE']));
    expect(upstreamGot().filter((m) => ['there', 'gone'].includes(m.result?.content?.text))).toEqual([]);
  });

  it('a caller that declared no sampling is not asked: the upstream gets INPUT_UNAVAILABLE, recorded, and decides what the call answers', async () => {
    const answer = await call(gw.edge.url, 'ks__sample', { prompt: 'nocap' }, {}, { elicitation: { form: {} } });
    // The kitchen-sink's tool lets the refusal of its request fail the call: the caller gets the upstream's error.
    expect(answer.body?.error?.message).toContain('mcp-warden cannot ask the caller sampling/createMessage: its request did not declare the sampling capability in _meta');
    const refusedToUpstream = upstreamGot().filter((m) => m.error?.data?.code === 'INPUT_UNAVAILABLE');
    expect(refusedToUpstream.length).toBeGreaterThanOrEqual(1);
    const sampling = asking('sampling/createMessage', 'nocap');
    expect((await outcomeOf(sampling.decision_id))!.code).toBe('INPUT_UNAVAILABLE');
  });
});
