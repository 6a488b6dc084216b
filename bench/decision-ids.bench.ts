/**
 * What a decision id's shape costs the audit trail once it is large: outcome rows are indexed by
 * their decision's id (`events_outcome_decision`), so with random ids (UUIDv4) each outcome lands
 * on a random leaf of that index, and with time-ordered ones (UUIDv7, policy/decision-id.ts) on
 * the rightmost. The real SQLite store (WAL, hash chain) is filled with PREFILL outcome rows of
 * one kind of id, then COMMITS group commits of 32 outcomes each are timed: CPU per commit and
 * WAL bytes written per commit (the store's checkpoints held off, so the WAL keeps them all).
 * Run alone: `node --import tsx bench/decision-ids.bench.ts [--json]`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditConfigSchema } from '../src/audit/config.ts';
import { openAuditStore } from '../src/audit/sqlite/store.ts';
import { createLogger } from '../src/log.ts';
import { decisionId } from '../src/policy/index.ts';

const PREFILL = 300_000;
const BATCH = 32;
const COMMITS = 300;

interface Row {
  ids: string;
  cpu_us_per_commit: number;
  wal_bytes_per_commit: number;
}

const outcome = (id: string) => ({ time: new Date().toISOString(), decisionId: id, requestId: '1', sessionId: 's', outcome: 'ok' as const, durationMs: 1 });

async function measure(ids: string, next: () => string, dir: string): Promise<Row> {
  const path = join(dir, `${ids}.db`);
  // The checkpointer's timer never fires here: the WAL keeps every page the timed commits wrote.
  const store = openAuditStore(auditConfigSchema.parse({ path, checkpoint_interval_ms: 2_147_483_647 }), { logger: createLogger('silent') });
  try {
    for (let done = 0; done < PREFILL; done += 5_000) await Promise.all(Array.from({ length: 5_000 }, () => store.recordOutcome(outcome(next()))));
    // The WAL is emptied and left to grow: what it gains is what the timed commits wrote.
    const side = new Database(path);
    side.pragma('wal_checkpoint(TRUNCATE)');
    side.close();
    const before = statSync(`${path}-wal`).size;
    const cpu = process.cpuUsage();
    for (let i = 0; i < COMMITS; i++) await Promise.all(Array.from({ length: BATCH }, () => store.recordOutcome(outcome(next()))));
    const used = process.cpuUsage(cpu);
    return { ids, cpu_us_per_commit: Math.round((used.user + used.system) / COMMITS), wal_bytes_per_commit: Math.round((statSync(`${path}-wal`).size - before) / COMMITS) };
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'warden-decision-ids-'));
try {
  const rows = [await measure('random (UUIDv4)', randomUUID, dir), await measure('time-ordered (UUIDv7)', decisionId, dir)];
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else {
    process.stdout.write(`outcome rows appended to a trail of ${PREFILL.toLocaleString('en')} outcomes, ${COMMITS} group commits of ${BATCH}\n`);
    process.stdout.write(`${'decision ids'.padEnd(24)}${'CPU per commit'.padStart(16)}${'WAL bytes per commit'.padStart(22)}\n`);
    for (const row of rows) process.stdout.write(`${row.ids.padEnd(24)}${`${row.cpu_us_per_commit} µs`.padStart(16)}${String(row.wal_bytes_per_commit).padStart(22)}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
