import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../../testkit/fixtures/client.ts';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { auditRows, waitFor } from '../../../testkit/support/audit.ts';
import { newSigningKey, signToken } from '../../../testkit/support/tokens.ts';
import { startGateway, tempDir, writeGatewayDir, type GatewayDir, type RunningGateway } from '../../../testkit/support/worlds/security.ts';

/**
 * The input_required relay (issue 11) through `warden serve --http` with JWT, Rego and the SQLite
 * audit on, in front of the new-era fixture whose `confirm` tool asks for an elicitation the new
 * era's way. A stdio recorder shows what reached the upstream. A v2 client fulfils the round
 * itself; raw retries bring a tampered or another principal's state; a v1 client (old era) gets
 * the same question as an elicitation/create request.
 */
const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw-test-client', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
};
// bob may call but not be asked: his elicitation/create is denied (the question never reaches him).
const POLICY = `package mcp.authz

default allow := false

allow if {
	input.principal.sub in {"alice", "bob"}
	not bob_asked
}

bob_asked if {
	input.principal.sub == "bob"
	input.method == "elicitation/create"
}
`;
const RECORDER = fileURLToPath(new URL('../../../testkit/fixtures/stdio-recorder.mjs', import.meta.url));

let dir: GatewayDir;
let gateway: RunningGateway;
let alice: string;
let bob: string;
let wire: string;

beforeAll(async () => {
  const key = await newSigningKey('input-required-key');
  const root = tempDir();
  wire = join(root, 'upstream.jsonl');
  const modern = fixtureCommand('modern-only', 'stdio');
  dir = writeGatewayDir({ dir: root, key, mcpServers: { m: { command: process.execPath, args: [RECORDER, wire, modern.command, ...modern.args], env: {} } } });
  writeFileSync(dir.policy, POLICY);
  gateway = await startGateway(dir);
  [alice, bob] = await Promise.all([signToken(key), signToken(key, { sub: 'bob' })]);
}, 90_000);

afterAll(async () => {
  await gateway?.close();
  if (dir) rmSync(dir.dir, { recursive: true, force: true });
});

/** The tools/call messages that reached the upstream. */
const upstreamCalls = () =>
  existsSync(wire) ? readFileSync(wire, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { method?: string; params?: Record<string, unknown> }).filter((m) => m.method === 'tools/call') : [];

let nextId = 1;
async function call(token: string, params: Record<string, unknown>): Promise<Record<string, any>> {
  const name = typeof params.name === 'string' ? params.name : 'm__confirm';
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'm__confirm', ...params, _meta: ENVELOPE } }),
  });
  return (await response.json()) as Record<string, any>;
}

/** A v1 (2025-11-25) client that answers every elicitation with `confirm`, and the questions it was asked. */
async function oldEraClient(token: string, confirm: boolean): Promise<{ legacy: Awaited<ReturnType<typeof connectClient>>; asked: string[] }> {
  const legacy = await connectClient({ type: 'http', url: gateway.url, headers: { authorization: `Bearer ${token}` } }, { elicitation: {} });
  const asked: string[] = [];
  legacy.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params.message);
    return { action: 'accept', content: { confirm } };
  });
  return { legacy, asked };
}

const confirmRows = () => auditRows(dir.audit).filter((r) => r.kind === 'decision' && r.method === 'tools/call' && r.public_name === 'm__confirm');

describe('input_required relay', () => {
  beforeAll(async () => {
    for (let i = 0; i < 300; i++) {
      const answer = await call(alice, { arguments: { action: 'probe' } });
      if (answer.result?.resultType === 'input_required') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the gateway never offered m__confirm');
  }, 60_000);

  it('lets a v2 client answer the question and retry; the retry is a new decision that names the first', async () => {
    const client = new ClientV2({ name: 'v2-client', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' }, capabilities: { elicitation: { form: {} } } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(String(request.params.message));
      return { action: 'accept', content: { confirm: true } };
    });
    await client.connect(new HttpTransportV2(new URL(gateway.url), { requestInit: { headers: { authorization: `Bearer ${alice}` } } }));
    try {
      expect(client.getProtocolEra()).toBe('modern');
      const result = await client.callTool({ name: 'm__confirm', arguments: { action: 'deploy' } });
      expect(asked).toEqual(['Confirm deploy?']);
      // The upstream got its own state back, never the gateway's.
      expect(result.content).toEqual([{ type: 'text', text: 'confirmed deploy (state modern-only-state:deploy)' }]);
    } finally {
      await client.close();
    }
    const deploys = confirmRows().filter((r) => (JSON.parse(r.data) as { arguments: { action?: string } }).arguments.action === 'deploy');
    expect(deploys.map((r) => r.decision)).toEqual(['allow', 'allow']);
    const [first, retry] = deploys;
    expect(JSON.parse(first!.data).continues_decision).toBeUndefined();
    expect(JSON.parse(retry!.data).continues_decision).toBe(first!.decision_id);
    expect(retry!.decision_id).not.toBe(first!.decision_id);
  });

  it("puts the upstream's question to the policy before the caller sees it, as the same elicitation/create sent the old era's way", async () => {
    // Found with the Python SDK: a new-era upstream's question reached a new-era caller undecided,
    // so a policy refusing elicitation/create held for old-era upstreams and callers only.
    const asked = await call(alice, { arguments: { action: 'audit-me' } });
    expect(asked.result).toMatchObject({ resultType: 'input_required', inputRequests: { confirm: { method: 'elicitation/create' } } });
    const question = auditRows(dir.audit).filter((r) => r.kind === 'decision' && r.method === 'elicitation/create' && r.sub === 'alice').at(-1)!;
    expect(question).toMatchObject({ decision: 'allow', upstream: 'm', public_name: 'm__confirm' });
    expect(JSON.parse(question.data).arguments).toMatchObject({ message: 'Confirm audit-me?' });
    const outcome = await waitFor(() => auditRows(dir.audit).find((r) => r.kind === 'outcome' && r.decision_id === question.decision_id), (row) => row !== undefined);
    expect(outcome?.outcome).toBe('input_asked');

    const before = auditRows(dir.audit).filter((r) => r.method === 'elicitation/create' && r.sub === 'bob').length;
    const denied = await call(bob, { arguments: { action: 'wipe' } });
    expect(denied.result).toBeUndefined();
    expect(denied.error).toMatchObject({ code: -32004, data: { code: 'POLICY_DENIED' } });
    const refused = auditRows(dir.audit).filter((r) => r.method === 'elicitation/create' && r.sub === 'bob');
    expect(refused.slice(before).map((r) => [r.kind, r.decision])).toEqual([['decision', 'deny']]);
  });

  it('hands the caller a sealed state of its own, and refuses it altered or brought by another principal, forwarding nothing', async () => {
    const first = await call(alice, { arguments: { action: 'drop' } });
    expect(first.result).toMatchObject({ resultType: 'input_required', inputRequests: { confirm: { method: 'elicitation/create' } } });
    const state = first.result.requestState as string;
    expect(state).not.toContain('modern-only-state');
    expect(Buffer.from(state, 'base64url').toString('latin1')).not.toContain('modern-only-state');
    const before = upstreamCalls().length;
    const retry = { arguments: { action: 'drop' }, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } };

    const tampered = `${state.slice(0, 30)}${state[30] === 'A' ? 'B' : 'A'}${state.slice(31)}`;
    const refusedTampered = await call(alice, { ...retry, requestState: tampered });
    expect(refusedTampered.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_INVALID' } });
    const refusedForeign = await call(bob, { ...retry, requestState: state });
    expect(refusedForeign.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_FOREIGN' } });
    const refusedElsewhere = await call(alice, { ...retry, arguments: { action: 'other' }, name: 'm__echo', requestState: state });
    expect(refusedElsewhere.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_INVALID' } });
    expect(refusedElsewhere.error.message).toContain('issued for tools/call m__confirm');
    expect(upstreamCalls().length).toBe(before);

    const denied = auditRows(dir.audit).filter((r) => r.kind === 'decision' && r.decision === 'deny').map((r) => `${r.sub} ${r.code}`);
    expect(denied).toContain('alice REQUEST_STATE_INVALID');
    expect(denied).toContain('bob REQUEST_STATE_FOREIGN');

    const accepted = await call(alice, { ...retry, requestState: state });
    expect(accepted.result.content).toEqual([{ type: 'text', text: 'confirmed drop (state modern-only-state:drop)' }]);
    expect(upstreamCalls().length).toBe(before + 1);
  });

  it('asks an old-era client with elicitation/create and answers the new-era upstream with its answer', async () => {
    const { legacy, asked } = await oldEraClient(alice, false);
    try {
      const result = await legacy.callTool({ name: 'm__confirm', arguments: { action: 'restart' } });
      expect(asked).toEqual(['Confirm restart?']);
      expect(result.content).toEqual([{ type: 'text', text: 'declined restart (state modern-only-state:restart)' }]);
    } finally {
      await legacy.close();
    }
    const relayed = auditRows(dir.audit).filter((r) => r.kind === 'decision' && r.method === 'elicitation/create');
    expect(relayed.length).toBeGreaterThanOrEqual(1);
    expect(relayed.at(-1)).toMatchObject({ decision: 'allow', upstream: 'm', sub: 'alice' });
  });

  it("answers an old-era client whose question the policy denies with POLICY_DENIED, which never counts against the upstream's circuit", async () => {
    // Found with the Python SDK's client: the denial surfaced as UPSTREAM_UNAVAILABLE ("Upstream m
    // failed: Denied by policy"), and the circuit breaker counted it, so a caller denied five
    // times (breaker.failures) took the upstream away from everyone for open_ms.
    const bobAsked = () => auditRows(dir.audit).filter((r) => r.kind === 'decision' && r.method === 'elicitation/create' && r.sub === 'bob');
    const before = bobAsked().length;
    const { legacy, asked } = await oldEraClient(bob, true);
    try {
      for (let i = 0; i < 6; i++) {
        const denied = await legacy.callTool({ name: 'm__confirm', arguments: { action: `wipe ${i}` } }).then(
          () => undefined,
          (error: { code?: number; data?: { code?: string } }) => error,
        );
        expect(denied).toMatchObject({ code: -32004, data: { code: 'POLICY_DENIED' } });
      }
    } finally {
      await legacy.close();
    }
    expect(asked).toEqual([]);
    expect(bobAsked().slice(before).map((r) => r.decision)).toEqual(Array(6).fill('deny'));
    // Six denials, more than breaker.failures (5): the upstream still answers, nothing failed fast.
    const first = await call(alice, { arguments: { action: 'after' } });
    expect(first.result).toMatchObject({ resultType: 'input_required' });
    const health = (await (await fetch(new URL('/readyz', gateway.url))).json()) as { upstreams: { circuits: { open: number } } };
    expect(health.upstreams.circuits.open).toBe(0);
  });
});
