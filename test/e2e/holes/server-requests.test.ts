/**
 * Issue 13, hole 4: sampling, elicitation and roots requests from an upstream reached the client
 * with no policy decision and no audit row. Now each is decided in the name of the call that
 * caused it (input.method, input.upstream, input.call), recorded like a call (decision row
 * committed before the client sees it, outcome after), and a denial answers the upstream.
 */
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../../testkit/fixtures/client.ts';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startRecordingWorld, type RecordingWorld } from '../../../testkit/support/worlds/recording.ts';

const POLICY = `package mcp.authz

default allow := false

allow if input.method in {"tools/list", "tools/call"}

# Sampling only for the tool that is about sampling, and only from upstream "up".
allow if {
	input.method == "sampling/createMessage"
	input.upstream.name == "up"
	input.call.method == "tools/call"
	input.call.tool.upstream_name == "sample"
	input.params.maxTokens <= 50
}

allow if input.method == "roots/list"

reasons contains "no elicitation through this gateway" if input.method == "elicitation/create"

reasons contains "sampling asks for too many tokens" if {
	input.method == "sampling/createMessage"
	input.params.maxTokens > 50
}
`;

interface Row { kind: string; method: string | null; public_name: string | null; upstream: string | null; decision: string | null; decision_id: string | null; outcome: string | null; code: string | null; data: string }
function rows(audit: string): Row[] {
  const db = new Database(audit, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT kind, method, public_name, upstream, decision, decision_id, outcome, code, data FROM events ORDER BY seq').all() as Row[];
  } finally {
    db.close();
  }
}
async function until<T>(probe: () => T | undefined): Promise<T> {
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let world: RecordingWorld;
let client: Client;
const seenByClient: string[] = [];
/** What the audit trail held for the request when the client received it. */
const rowsWhenClientSaw: Row[][] = [];

beforeAll(async () => {
  world = await startRecordingWorld(POLICY);
  client = await connectClient({ type: 'http', url: world.gateway.url, headers: {} }, { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } });
  const saw = (method: string) => {
    seenByClient.push(method);
    rowsWhenClientSaw.push(rows(world.audit).filter((r) => r.method === method));
  };
  client.setRequestHandler(CreateMessageRequestSchema, async () => (saw('sampling/createMessage'), { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'sampled text' } }));
  client.setRequestHandler(ElicitRequestSchema, async () => (saw('elicitation/create'), { action: 'accept', content: { answer: 'yes' } }));
  client.setRequestHandler(ListRootsRequestSchema, async () => (saw('roots/list'), { roots: [{ uri: 'file:///srv', name: 'srv' }] }));
}, 60_000);
afterAll(async () => {
  await client?.close();
  await world?.close();
});

describe('hole 4: server-to-client requests are decided and audited', () => {
  it('relays an allowed sampling request after its decision row is committed, and records the outcome', async () => {
    const result = await client.callTool({ name: 'up__sample', arguments: { prompt: 'hi', maxTokens: 20 } });
    expect(result.content).toEqual([{ type: 'text', text: 'sampled (test-model): sampled text' }]);
    expect(seenByClient).toContain('sampling/createMessage');
    const before = rowsWhenClientSaw[seenByClient.indexOf('sampling/createMessage')]!;
    expect(before.map((r) => [r.kind, r.decision, r.upstream, r.public_name])).toEqual([['decision', 'allow', 'up', 'up__sample']]);
    expect(JSON.parse(before[0]!.data).arguments).toEqual({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 20 });
    const outcome = await until(() => rows(world.audit).find((r) => r.kind === 'outcome' && r.decision_id === before[0]!.decision_id));
    expect(outcome.outcome).toBe('ok');
  });

  it('refuses a denied request to the upstream with the reasons; the client never sees it, the denial is recorded', async () => {
    const seen = seenByClient.length;
    const result = await client.callTool({ name: 'up__elicit', arguments: { message: 'may I?' } }).catch((error: Error) => ({ thrown: error.message }));
    expect(JSON.stringify(result)).toContain('no elicitation through this gateway');
    const tooMany = await client.callTool({ name: 'up__sample', arguments: { prompt: 'hi', maxTokens: 90 } }).catch((error: Error) => ({ thrown: error.message }));
    expect(JSON.stringify(tooMany)).toContain('sampling asks for too many tokens');
    expect(seenByClient.slice(seen)).toEqual([]);
    const denials = await until(() => {
      const found = rows(world.audit).filter((r) => r.kind === 'decision' && r.decision === 'deny' && r.upstream === 'up');
      return found.length >= 2 ? found : undefined;
    });
    expect(denials.map((r) => [r.method, r.code, r.public_name])).toEqual([
      ['elicitation/create', 'POLICY_DENIED', 'up__elicit'],
      ['sampling/createMessage', 'POLICY_DENIED', 'up__sample'],
    ]);
  });

  it('decides roots/list too', async () => {
    const result = await client.callTool({ name: 'up__roots', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify([{ uri: 'file:///srv', name: 'srv' }]) }]);
    const decided = rows(world.audit).filter((r) => r.kind === 'decision' && r.method === 'roots/list');
    expect(decided.map((r) => [r.decision, r.public_name])).toEqual([['allow', 'up__roots']]);
  });
});
