/**
 * What the audit trail costs: raw batched inserts through the real appender (hash chain
 * included), then the store as the pipeline uses it: `await recordDecision` before forwarding
 * (the latency auditing adds to a call), decision + outcome per call, sequential and with 32
 * calls in flight (group commit), under synchronous=normal and =full; and what the decision
 * indexer costs (src/audit/sqlite/decision-indexer.ts: its batches, off the request path). Real SQLite
 * files in a temp directory. Run alone: `node --import tsx bench/audit.bench.ts [--json]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import { type Appender, createAppender } from '../src/audit/sqlite/appender.ts';
import { auditConfigSchema } from '../src/audit/config.ts';
import { openWriterDatabase } from '../src/audit/sqlite/database.ts';
import { DECISION_INDEXER_DEFAULTS, createIndexBatch } from '../src/audit/sqlite/decision-indexer.ts';
import { type EventEncoder, createEventEncoder } from '../src/audit/events.ts';
import { loadMigrations, migrate } from '../src/audit/sqlite/migrations.ts';
import { createRedactor } from '../src/audit/redact.ts';
import type { DecisionEvent } from '../src/audit/sink.ts';
import { openAuditStore } from '../src/audit/sqlite/store.ts';
import { createLogger } from '../src/log.ts';
import { type Measurement, measureInterleaved } from './gateway-measure.ts';

export interface InsertResult {
  name: string;
  batch: number;
  rows: number;
  /** Over `runs` runs on a shared machine: the median, and the best (least disturbed) one. */
  runs: number;
  median_rows_per_s: number;
  best_rows_per_s: number;
}

export interface CallResult extends Measurement {
  name: string;
}

export interface IndexerResult {
  name: string;
  /** Events rows looked at per batch, about half of them decisions here (decision + outcome per call). */
  batch_rows: number;
  batches: number;
  decisions: number;
  median_batch_ms: number;
  p99_batch_ms: number;
  decisions_per_s: number;
}

let n = 0;
/** One principal and tool, or (`varied`) 1000 principals and 50 tools on 5 servers, as in test/unit/audit/synthetic.ts. */
function decisionEvent(varied = false): DecisionEvent {
  n += 1;
  return {
    time: new Date().toISOString(), requestId: `req-${n}`, sessionId: 'bench', principal: { sub: varied ? `user-${(n * 7919) % 1000}` : 'alice', iss: 'https://idp.example.com' },
    tokenId: 'jti-1', method: 'tools/call', publicName: varied ? `srv${n % 5}__tool${n % 50}` : 'db__query', upstream: varied ? `srv${n % 5}` : 'db', upstreamName: 'query', decision: 'allow',
    reasons: [], policyRevision: 'rev-1', decisionId: `dec-${n}`, arguments: { sql: 'select * from orders where id = ?', params: [n], password: 'x' },
    // The policy input the decision was made on, as the gateway records it (its arguments are the field above).
    input: {
      method: 'tools/call',
      principal: { sub: 'alice', iss: 'https://idp.example.com', aud: ['mcp-warden'], scopes: ['db:read'], roles: ['analyst'], claims: { sub: 'alice', roles: ['analyst'], exp: 2_000_000_000 } },
      tool: { name: 'db__query', server: 'db', upstream_name: 'query', annotations: { readOnlyHint: true } },
      arguments: { sql: 'select * from orders where id = ?', params: [n], password: 'x' },
      request: { id: `req-${n}`, session: 'bench', transport: 'http', remote_addr: '127.0.0.1' },
      now: new Date().toISOString(),
    },
  };
}

/** A migrated writer database at `path` with the real appender and encoder, closed after `use`. */
function withDatabase<T>(path: string, use: (db: Database.Database, append: Appender, encoder: EventEncoder) => T): T {
  const config = auditConfigSchema.parse({ path });
  const db = openWriterDatabase(config);
  try {
    migrate(db, loadMigrations());
    return use(db, createAppender(db, () => new Date()), createEventEncoder(createRedactor(config.redact)));
  } finally {
    db.close();
  }
}

function benchInserts(dir: string, batch: number, rows: number, runs = 5): InsertResult {
  return withDatabase(join(dir, `insert-${batch}.db`), (db, append, encoder) => {
    const encoded = Array.from({ length: rows }, () => encoder.decision(decisionEvent()));
    append(encoded.slice(0, Math.min(rows, 1000)));
    const rates: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      for (let i = 0; i < rows; i += batch) append(encoded.slice(i, i + batch));
      rates.push(Math.round(rows / ((performance.now() - started) / 1000)));
      // Checkpoint between runs (as the store's worker would), so runs start alike.
      db.pragma('wal_checkpoint(TRUNCATE)');
    }
    rates.sort((a, b) => a - b);
    return { name: `appender, ${batch} rows/transaction`, batch, rows, runs, median_rows_per_s: rates[Math.floor(runs / 2)]!, best_rows_per_s: rates.at(-1)! };
  });
}

/**
 * The indexer catching up on `calls` calls (decision + outcome rows, varied principals and tools
 * so index inserts land on many pages, as they do in a real log) with the store's batch size:
 * each batch is an event-loop turn the gateway cannot serve requests in.
 */
function benchIndexer(dir: string, calls: number, batchRows = DECISION_INDEXER_DEFAULTS.batchRows): IndexerResult {
  return withDatabase(join(dir, `indexer-${batchRows}.db`), (db, append, encoder) => {
    for (let i = 0; i < calls; i += 500) {
      append(Array.from({ length: 500 }, () => {
        const event = decisionEvent(true);
        return [encoder.decision(event), encoder.outcome({ time: event.time, decisionId: event.decisionId, requestId: event.requestId, sessionId: event.sessionId, outcome: 'ok', durationMs: 1 })];
      }).flat());
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const batch = createIndexBatch(db);
    const times: number[] = [];
    const started = performance.now();
    for (let start = performance.now(); batch(batchRows) > 0; start = performance.now()) times.push(performance.now() - start);
    const seconds = (performance.now() - started) / 1000;
    times.sort((a, b) => a - b);
    const ms = (value: number): number => Math.round(value * 1000) / 1000;
    return {
      name: `indexer, ${batchRows} rows/batch`, batch_rows: batchRows, batches: times.length, decisions: calls,
      median_batch_ms: ms(times[Math.floor(times.length / 2)]!), p99_batch_ms: ms(times[Math.ceil(times.length * 0.99) - 1]!), decisions_per_s: Math.round(calls / seconds),
    };
  });
}

/**
 * Sequential: a no-op baseline (the harness itself), `recordDecision` alone (what a call waits
 * for before it is forwarded) and decision + outcome, interleaved so load from elsewhere hits
 * all three alike. Then 32 calls in flight, each writing its decision and outcome.
 */
async function benchCalls(dir: string, synchronous: 'normal' | 'full', samples: number): Promise<CallResult[]> {
  const store = openAuditStore(auditConfigSchema.parse({ path: join(dir, `calls-${synchronous}.db`), synchronous }), { logger: createLogger('silent') });
  const decisionAndOutcome = async () => {
    const event = decisionEvent();
    await store.recordDecision(event);
    await store.recordOutcome({ time: event.time, decisionId: event.decisionId, requestId: event.requestId, sessionId: event.sessionId, outcome: 'ok', durationMs: 1 });
  };
  const options = { warmup: Math.min(2000, samples / 5), samples, rounds: 10 };
  try {
    const sequential = await measureInterleaved(
      { 'no-op baseline': async () => {}, recordDecision: () => store.recordDecision(decisionEvent()), 'decision+outcome': decisionAndOutcome },
      { ...options, concurrency: 1 },
    );
    const concurrent = await measureInterleaved({ 'decision+outcome': decisionAndOutcome }, { ...options, concurrency: 32 });
    return [
      ...Object.entries(sequential).map(([name, m]) => ({ name: `${name}, sequential (${synchronous})`, ...m })),
      { name: `decision+outcome, 32 in flight (${synchronous})`, ...concurrent['decision+outcome'] },
    ];
  } finally {
    await store.close();
  }
}

export async function benchAudit(): Promise<{ inserts: InsertResult[]; indexer: IndexerResult[]; calls: CallResult[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-bench-'));
  try {
    const inserts = [benchInserts(dir, 1, 10_000), benchInserts(dir, 100, 100_000), benchInserts(dir, 1000, 100_000)];
    const indexer = [benchIndexer(dir, 100_000)];
    const calls = [...(await benchCalls(dir, 'normal', 20_000)), ...(await benchCalls(dir, 'full', 2_000))];
    return { inserts, indexer, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function render({ inserts, indexer, calls }: Awaited<ReturnType<typeof benchAudit>>): string {
  const lines = [`${'batched inserts (x runs)'.padEnd(44)} ${'rows'.padStart(8)} ${'median/s'.padStart(10)} ${'best/s'.padStart(10)}`];
  for (const r of inserts) {
    lines.push(`${`${r.name} (x${r.runs})`.padEnd(44)} ${String(r.rows).padStart(8)} ${String(r.median_rows_per_s).padStart(10)} ${String(r.best_rows_per_s).padStart(10)}`);
  }
  lines.push('', `${'decision indexer (catching up)'.padEnd(44)} ${'batches'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'decisions/s'.padStart(12)}`);
  for (const r of indexer) {
    lines.push(`${r.name.padEnd(44)} ${String(r.batches).padStart(8)} ${String(r.median_batch_ms).padStart(8)} ${String(r.p99_batch_ms).padStart(8)} ${String(r.decisions_per_s).padStart(12)}`);
  }
  lines.push('', `${'audited calls'.padEnd(44)} ${'samples'.padStart(8)} ${'errors'.padStart(7)} ${'p50 us'.padStart(8)} ${'p99 us'.padStart(8)} ${'calls/s'.padStart(9)}`);
  for (const c of calls) {
    lines.push(`${c.name.padEnd(44)} ${String(c.samples).padStart(8)} ${String(c.errors).padStart(7)} ${String(c.p50_us).padStart(8)} ${String(c.p99_us).padStart(8)} ${String(c.calls_per_s).padStart(9)}`);
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await benchAudit();
  process.stdout.write(`${process.argv.includes('--json') ? JSON.stringify(results, null, 2) : render(results)}\n`);
}
