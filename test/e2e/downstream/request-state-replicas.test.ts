import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListeningProcess } from '../../../src/cli/launch-process.ts';
import { sealerFor } from '../../../src/seal.ts';
import type { Continuation } from '../../../src/pipeline/continuation.ts';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { startGatewayHttp, writeGatewayConfig } from '../../../testkit/support/gateway-process.ts';
import { type TestPostgres, startPostgres } from '../../../testkit/support/postgres.ts';

/**
 * The input_required `requestState` across replicas (issue 14): two `warden serve` processes
 * sharing `server.session_key` and one PostgreSQL audit database, each in front of its own
 * new-era upstream (modern-only, whose `confirm` asks for input), as a balancer would spread
 * them. The first round goes through replica A, the retry with A's sealed state through B: B
 * opens it, forwards the upstream's own state, and audits the retry as a decision naming A's.
 * A state sealed under another key is refused by B and reaches no upstream.
 */
const MODERN = '2026-07-28';
const SESSION_KEY = 'request-state-replicas-key-0123456789abcdef';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw-test-client', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
};
const RECORDER = fileURLToPath(new URL('../../../testkit/fixtures/stdio-recorder.mjs', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'warden-request-state-'));
let postgres: TestPostgres;
let sql: pg.Client;
const replicas = new Map<string, ListeningProcess>();

/** What reached replica `name`'s upstream: its tools/call messages. */
const upstreamCalls = (name: string) => {
  const wire = join(dir, `${name}.jsonl`);
  return existsSync(wire) ? readFileSync(wire, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { method?: string }).filter((m) => m.method === 'tools/call') : [];
};

/** One replica: its own config dir (upstream recorder, replica id), the shared key and database. */
async function startReplica(name: string): Promise<void> {
  const home = join(dir, name);
  const modern = fixtureCommand('modern-only', 'stdio');
  mkdirSync(home);
  const path = writeGatewayConfig(home, { m: { command: process.execPath, args: [RECORDER, join(dir, `${name}.jsonl`), modern.command, ...modern.args], env: {} } });
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify({ ...config, server: { session_key: SESSION_KEY }, audit: { backend: 'postgres', url: postgres.url, replica_id: name } }));
  replicas.set(name, await startGatewayHttp(path));
}

let nextId = 1;
async function call(replica: string, params: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await fetch(replicas.get(replica)!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'm__confirm' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: 'm__confirm', ...params, _meta: ENVELOPE } }),
  });
  return (await response.json()) as Record<string, any>;
}

/** Waits until `replica` offers m__confirm (its upstream discovered). */
async function offered(replica: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const answer = await call(replica, { arguments: { action: 'probe' } });
    if (answer.result?.resultType === 'input_required') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`replica ${replica} never offered m__confirm`);
}

beforeAll(async () => {
  postgres = await startPostgres();
  sql = new pg.Client({ connectionString: postgres.url });
  await sql.connect();
  // One after the other: two processes starting at once on a loaded machine each take twice as long.
  await startReplica('a');
  await startReplica('b');
  await Promise.all(['a', 'b'].map(offered));
}, 120_000);

afterAll(async () => {
  await Promise.all([...replicas.values()].map((replica) => replica.close()));
  await sql?.end().catch(() => undefined);
  await postgres?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface DecisionRow { replica_id: string; decision: string; decision_id: string; code: string | null; data: string }
const confirmDecisions = async (action: string): Promise<DecisionRow[]> =>
  (await sql.query<DecisionRow>(
    "SELECT replica_id, decision, decision_id, code, data FROM events WHERE kind = 'decision' AND public_name = 'm__confirm' AND (data::json -> 'arguments' ->> 'action') = $1 ORDER BY time, replica_id, seq",
    [action],
  )).rows;

const retryOf = (action: string, requestState: string) => ({ arguments: { action }, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } }, requestState });

describe('input_required state across replicas', () => {
  it('a state handed out by replica A is taken by replica B: the retry succeeds there and is audited as a decision naming the first', async () => {
    const first = await call('a', { arguments: { action: 'deploy' } });
    expect(first.result).toMatchObject({ resultType: 'input_required', inputRequests: { confirm: { method: 'elicitation/create' } } });
    const beforeB = upstreamCalls('b').length;

    const retried = await call('b', retryOf('deploy', first.result.requestState as string));
    expect(retried.result?.content).toEqual([{ type: 'text', text: 'confirmed deploy (state modern-only-state:deploy)' }]);
    // B's upstream got the retry, with the upstream's own state that A sealed.
    expect(upstreamCalls('b').length).toBe(beforeB + 1);

    const rows = await confirmDecisions('deploy');
    expect(rows.map((row) => [row.replica_id, row.decision])).toEqual([['a', 'allow'], ['b', 'allow']]);
    const [onA, onB] = rows as [DecisionRow, DecisionRow];
    expect(JSON.parse(onA.data).continues_decision).toBeUndefined();
    expect(JSON.parse(onB.data).continues_decision).toBe(onA.decision_id);
  });

  it('a state sealed under another key is refused by B, audited as a denial, and reaches no upstream', async () => {
    const first = await call('a', { arguments: { action: 'drop' } });
    expect(first.result?.resultType).toBe('input_required');
    const decisionId = (await confirmDecisions('drop'))[0]!.decision_id;
    // The same continuation A would seal, under a key the replicas do not share.
    const forged: Continuation = { v: 1, upstream: 'm', method: 'tools/call', name: 'm__confirm', state: 'modern-only-state:drop', iss: null, sub: null, decisionId, exp: Date.now() + 60_000 };
    const foreign = sealerFor('request-state', 'another key of at least thirty-two characters').seal(forged);
    const before = upstreamCalls('a').length + upstreamCalls('b').length;

    const refused = await call('b', retryOf('drop', foreign));
    expect(refused.error).toMatchObject({ code: -32602, data: { code: 'REQUEST_STATE_INVALID' } });
    expect(upstreamCalls('a').length + upstreamCalls('b').length).toBe(before);
    const denials = await sql.query<{ replica_id: string; method: string; sub: string | null }>(
      "SELECT replica_id, method, sub FROM events WHERE kind = 'decision' AND decision = 'deny' AND code = 'REQUEST_STATE_INVALID'",
    );
    expect(denials.rows).toEqual([{ replica_id: 'b', method: 'tools/call', sub: null }]);

    // The genuine state still works on B afterwards.
    const accepted = await call('b', retryOf('drop', first.result.requestState as string));
    expect(accepted.result?.content).toEqual([{ type: 'text', text: 'confirmed drop (state modern-only-state:drop)' }]);
  });
});
