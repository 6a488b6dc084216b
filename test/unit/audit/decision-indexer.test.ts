import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createAppender } from '../../../src/audit/sqlite/appender.ts';
import { openReaderDatabase } from '../../../src/audit/sqlite/database.ts';
import { DECISION_INDEXER_DEFAULTS, createDecisionIndexer, createIndexBatch, nextBatchRows } from '../../../src/audit/sqlite/decision-indexer.ts';
import { createEventEncoder } from '../../../src/audit/events.ts';
import { loadMigrations, migrate } from '../../../src/audit/sqlite/migrations.ts';
import { type DecisionFilter, type StatsKey, decisionStats, queryDecisions } from '../../../src/audit/sqlite/query.ts';
import { createRedactor } from '../../../src/audit/redact.ts';
import type { DecisionEvent } from '../../../src/audit/sink.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { auditConfig, decision, decisionKeysState, outcomeOf, tempDir, tick } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

const { dir, cleanup } = tempDir('decision-indexer');
afterAll(cleanup);

const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Timers on a shared machine: waits for what must happen, up to 2 s. */
const eventually = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 2000, interval: 10 });

/** A migrated database with `calls` appended (decision, and an outcome for allowed ones), never indexed. */
function logWith(name: string, calls: readonly DecisionEvent[]): { path: string; db: Database.Database } {
  const path = join(dir, name);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db, loadMigrations());
  const append = createAppender(db, tick);
  append([encoder.other('startup', tick(), {})]);
  for (const call of calls) append(call.decision === 'allow' ? [encoder.decision(call), encoder.outcome(outcomeOf(call, { outcome: call.upstream === 'fs' ? 'tool_error' : 'ok' }))] : [encoder.decision(call)]);
  return { path, db };
}

const calls = [
  decision(),
  decision({ principal: { sub: 'bob', iss: 'idp' }, publicName: 'db__drop', decision: 'deny', code: 'POLICY_DENIED', reasons: ['not an admin'] }),
  decision({ principal: { sub: 'carol', iss: 'idp' }, publicName: 'db__query' }),
  decision({ publicName: 'fs__read', upstream: 'fs' }),
  decision({ principal: { sub: 'bob', iss: 'idp' }, publicName: 'fs__write', upstream: 'fs', decision: 'deny', code: 'POLICY_DENIED' }),
  decision({ method: 'resources/read', publicName: 'fs__file', upstream: 'fs' }),
];
const filters: DecisionFilter[] = [
  {}, { sub: 'bob' }, { tool: 'db__query' }, { tool: 'db__*' }, { tool: 'fs__*' }, { tool: '*__read' }, { decision: 'deny' }, { decision: 'allow' },
  { server: 'fs' }, { method: 'resources/read' }, { since: new Date(calls[2]!.time) }, { until: new Date(calls[3]!.time), sub: 'alice' },
];
const statsKeys: StatsKey[] = ['sub', 'tool', 'decision', 'server'];

/** Everything the CLI can ask, read through a read-only connection like `warden audit`. */
function answers(path: string): unknown {
  const reader = openReaderDatabase(path);
  try {
    return { query: filters.map((filter) => queryDecisions(reader, filter, 4)), stats: statsKeys.map((by) => decisionStats(reader, {}, by)) };
  } finally {
    reader.close();
  }
}

describe('audit query - decisions the indexer has not reached yet', () => {
  it('are found in the tail, and every query and stats answer stays the same at every step of indexing', () => {
    const { path, db } = logWith('tail.db', calls);
    try {
      expect(decisionKeysState(path)).toMatchObject({ through: 0, keys: 0 });
      const reader = openReaderDatabase(path);
      expect(queryDecisions(reader, {}, 10).map((r) => [r.decisionId, r.outcome])).toEqual(
        [...calls].reverse().map((call) => [call.decisionId, call.decision === 'deny' ? null : call.upstream === 'fs' ? 'tool_error' : 'ok']),
      );
      expect(queryDecisions(reader, { tool: 'fs__*', decision: 'deny' }, 10).map((r) => [r.tool, r.reasons])).toEqual([['fs__write', []]]);
      expect(decisionStats(reader, {}, 'sub')).toEqual([
        { key: 'alice', total: 3, allowed: 3, denied: 0, failed: 2 },
        { key: 'bob', total: 2, allowed: 0, denied: 2, failed: 0 },
        { key: 'carol', total: 1, allowed: 1, denied: 0, failed: 0 },
      ]);
      reader.close();

      const before = answers(path);
      const batch = createIndexBatch(db);
      const steps: number[] = [];
      for (let rows = batch(3); rows > 0; rows = batch(3)) {
        steps.push(decisionKeysState(path).through);
        expect(answers(path)).toEqual(before);
      }
      expect(steps).toEqual([3, 6, 9, 11]);
      expect(decisionKeysState(path)).toEqual({ through: 11, keys: calls.length, differ: [] });
    } finally {
      db.close();
    }
  });
});

describe('decision rows SQLite cannot read as JSON', () => {
  it('neither stop the indexer nor a query whose tail scan reaches them', () => {
    // Nested 1,000 deep: SQLite's JSON functions call such text malformed. The gateway refuses
    // requests nested deeper than server.max_json_depth, but a row may come from elsewhere (a
    // token's claims are in the policy input) and must not stop indexing for good.
    const deep = JSON.parse(`${'['.repeat(1000)}${']'.repeat(1000)}`) as unknown;
    const rows = [
      decision({ arguments: { deep } }),
      decision({ workflow: { name: 'weekly', step: 'fetch' }, arguments: { deep } }),
      decision({ workflow: { name: 'weekly', step: 'mail' } }),
      decision({ publicName: 'db__count' }),
    ];
    const { path, db } = logWith('deep.db', rows);
    try {
      const reader = openReaderDatabase(path);
      expect(queryDecisions(reader, { workflow: 'weekly' }, 10).map((r) => r.decisionId)).toEqual([rows[2]!.decisionId]);
      reader.close();
      const batch = createIndexBatch(db);
      while (batch(64) > 0);
      expect(decisionKeysState(path)).toMatchObject({ keys: rows.length, differ: [] });
      const indexed = openReaderDatabase(path);
      expect(queryDecisions(indexed, { workflow: 'weekly' }, 10).map((r) => r.decisionId)).toEqual([rows[2]!.decisionId]);
      expect(queryDecisions(indexed, { tool: 'db__count' }, 10).map((r) => r.decisionId)).toEqual([rows[3]!.decisionId]);
      indexed.close();
    } finally {
      db.close();
    }
  });
});

describe('decision indexer', () => {
  it('catches up at store open after a stop that left rows unindexed', async () => {
    const { path, db } = logWith('crash.db', calls);
    db.close();
    const store = openAuditStore(auditConfig(path), { logger: silentLogger, now: tick, indexer: { delayMs: 3_600_000 } });
    try {
      expect(decisionKeysState(path)).toEqual({ through: 11, keys: calls.length, differ: [] });
    } finally {
      await store.close();
    }
  });

  it('indexes after delayMs once the writer is idle, and everything at close', async () => {
    const path = join(dir, 'idle.db');
    const store = openAuditStore(auditConfig(path), { logger: silentLogger, now: tick, indexer: { delayMs: 5 } });
    try {
      for (const call of calls.slice(0, 3)) await store.recordDecision(call);
      await eventually(() => expect(decisionKeysState(path)).toEqual({ through: 4, keys: 3, differ: [] }));
      await store.recordDecision(calls[3]!);
    } finally {
      await store.close();
    }
    expect(decisionKeysState(path)).toEqual({ through: 6, keys: 4, differ: [] });
  });

  it('sizes a batch to the time budget from the last full one, between batchRows and maxBatchRows', () => {
    const options = { ...DECISION_INDEXER_DEFAULTS, batchRows: 64, maxBatchRows: 512, batchBudgetMs: 1 };
    expect(nextBatchRows(64, 0.25, options)).toBe(256);
    expect(nextBatchRows(256, 2, options)).toBe(128);
    expect(nextBatchRows(64, 4, options)).toBe(64);
    expect(nextBatchRows(512, 0.01, options)).toBe(512);
    expect(nextBatchRows(64, 0, options)).toBe(512);
    expect(nextBatchRows(0, 0, options)).toBe(64);
  });

  it('indexes a backlog of many batches completely while the batch size adapts', async () => {
    const backlog = Array.from({ length: 300 }, () => decision());
    const { path, db } = logWith('backlog.db', backlog);
    const indexer = createDecisionIndexer(db, () => false, silentLogger, { ...DECISION_INDEXER_DEFAULTS, batchRows: 8, maxBatchRows: 64, batchBudgetMs: 1_000, delayMs: 0 });
    try {
      indexer.schedule();
      await eventually(() => expect(decisionKeysState(path)).toEqual({ through: 1 + 2 * backlog.length, keys: backlog.length, differ: [] }));
    } finally {
      indexer.stop();
      db.close();
    }
  });

  it('waits while writes are queued, and runs anyway once held off for maxDeferMs', async () => {
    const { path, db } = logWith('busy.db', calls);
    let busy = true;
    const held = createDecisionIndexer(db, () => busy, silentLogger, { ...DECISION_INDEXER_DEFAULTS, delayMs: 0, maxDeferMs: 60_000 });
    const starved = createDecisionIndexer(db, () => true, silentLogger, { ...DECISION_INDEXER_DEFAULTS, delayMs: 0, maxDeferMs: 30 });
    try {
      // As the store does: schedule() after every commit; busy() says a commit is queued.
      held.schedule();
      await sleep(50);
      held.schedule();
      await sleep(20);
      expect(decisionKeysState(path).through).toBe(0);
      busy = false;
      held.schedule();
      await eventually(() => expect(decisionKeysState(path)).toEqual({ through: 11, keys: calls.length, differ: [] }));

      createAppender(db, tick)([encoder.decision(decision())]);
      starved.schedule();
      await eventually(() => {
        starved.schedule();
        expect(decisionKeysState(path)).toEqual({ through: 12, keys: calls.length + 1, differ: [] });
      });
    } finally {
      held.stop();
      starved.stop();
      db.close();
    }
  });

  it('never fails or holds a decision: a failed batch is logged and retried, the rows stay visible meanwhile', async () => {
    const path = join(dir, 'failing.db');
    const logs: { level: number; msg: string; err?: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const store = openAuditStore(auditConfig(path), { logger, now: tick, indexer: { delayMs: 5, retryMs: 20 } });
    const saboteur = new Database(path);
    try {
      saboteur.exec("CREATE TRIGGER refuse BEFORE INSERT ON decision_keys BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
      for (const call of calls) await store.recordDecision(call);
      expect(store.health()).toEqual({ ok: true });
      await eventually(() =>
        expect(logs).toContainEqual(expect.objectContaining({ level: 40, msg: 'decision indexing failed; queries scan the unindexed rows until a retry succeeds', err: 'disk says no' })),
      );
      expect(decisionKeysState(path)).toMatchObject({ through: 0, keys: 0 });
      expect((answers(path) as { query: unknown[][] }).query[0]).toHaveLength(4);

      saboteur.exec('DROP TRIGGER refuse');
      await eventually(() => expect(decisionKeysState(path)).toEqual({ through: 7, keys: calls.length, differ: [] }));
    } finally {
      saboteur.close();
      await store.close();
    }
  });
});
