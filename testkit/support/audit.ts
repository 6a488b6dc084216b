/**
 * Audit trails in tests: synthetic events to write (decision, outcomeOf, fillSynthetic), and a
 * running gateway's SQLite file read back the way an operator would (read-only, while the
 * gateway keeps writing: rows, polling for rows committed after the answer, chain verification
 * in process or with `warden audit verify`).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { EventRow } from '../../src/audit/chain.ts';
import { type AuditConfig, auditConfigSchema } from '../../src/audit/config.ts';
import { type VerifyOptions, type VerifyReport, verifyChain } from '../../src/audit/sqlite/verify.ts';
import type { DecisionEvent, OutcomeEvent } from '../../src/audit/sink.ts';
import { WARDEN } from './gateway-process.ts';

/** A fresh directory per test file; `cleanup` goes in afterAll. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `warden-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function auditConfig(path: string, overrides: Partial<AuditConfig> = {}): AuditConfig {
  return { ...auditConfigSchema.parse({ path }), ...overrides };
}

let counter = 0;

/** A test clock one millisecond further on each reading; events and stores share it. */
export function tick(): Date {
  counter += 1;
  return new Date(Date.UTC(2026, 10, 23, 12, 0, 0, counter));
}

export function decision(overrides: Partial<DecisionEvent> = {}): DecisionEvent {
  const time = tick();
  return {
    time: time.toISOString(),
    requestId: `req-${counter}`,
    sessionId: 'session-1',
    protocolVersion: '2026-07-28',
    principal: { sub: 'alice', iss: 'https://idp.example.com' },
    tokenId: 'jti-1',
    method: 'tools/call',
    publicName: 'db__query',
    upstream: 'db',
    upstreamName: 'query',
    decision: 'allow',
    reasons: [],
    policyRevision: 'rev-1',
    decisionId: `dec-${counter}`,
    arguments: { sql: 'select 1' },
    ...overrides,
  };
}

export function outcomeOf(event: DecisionEvent, overrides: Partial<OutcomeEvent> = {}): OutcomeEvent {
  return {
    time: event.time,
    decisionId: event.decisionId,
    requestId: event.requestId,
    sessionId: event.sessionId,
    outcome: 'ok',
    durationMs: 3.5,
    upstreamMs: 2.1,
    ...overrides,
  };
}

/** Reads events from a database file through a connection of its own, in chain order. */
export function readEvents(path: string, where = '1 = 1', ...params: unknown[]): EventRow[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT * FROM events WHERE ${where} ORDER BY seq`).all(...params) as EventRow[];
  } finally {
    db.close();
  }
}

/**
 * The decision index (migrations/sqlite/0003) against the log it copies: how far it got, how many keys
 * it holds, and every row where the two disagree (a key missing at or below the mark, a key
 * that differs from its row, a key without a row).
 */
export function decisionKeysState(path: string): { through: number; keys: number; differ: unknown[] } {
  const columns = 'seq, time, sub, method, public_name, upstream, decision';
  const db = new Database(path, { readonly: true });
  try {
    const through = db.prepare('SELECT seq FROM decision_keys_through').pluck().get() as number;
    const differ = db
      .prepare(
        `SELECT * FROM (SELECT ${columns} FROM events WHERE kind = 'decision' AND seq <= ? EXCEPT SELECT ${columns} FROM decision_keys)
         UNION ALL SELECT * FROM (SELECT ${columns} FROM decision_keys EXCEPT SELECT ${columns} FROM events WHERE kind = 'decision')`,
      )
      .all(through);
    return { through, keys: db.prepare('SELECT count(*) FROM decision_keys').pluck().get() as number, differ };
  } finally {
    db.close();
  }
}

export function verifyFile(path: string): VerifyReport {
  const db = new Database(path, { readonly: true });
  try {
    return verifyChain(db);
  } finally {
    db.close();
  }
}

let tamperedCopies = 0;

/** Runs `tamper` on a private copy of the log at `source` and verifies what it left. */
export function verifyTamperedCopy(source: string, tamper: (db: Database.Database) => void, options: VerifyOptions = {}): VerifyReport {
  tamperedCopies += 1;
  const path = `${source}.tampered-${tamperedCopies}`;
  copyFileSync(source, path);
  const db = new Database(path);
  try {
    tamper(db);
    return verifyChain(db, options);
  } finally {
    db.close();
  }
}

/** A row of the events table, as tests read it. */
export type AuditRow = EventRow;

/** Every row of a live gateway's audit file, in chain order. */
export const auditRows = (path: string): AuditRow[] => readEvents(path);

/** The decision row of `decisionId` and any outcome rows tied to it. */
export function rowsOfDecision(path: string, decisionId: string): { decision: AuditRow | undefined; outcomes: AuditRow[] } {
  const rows = auditRows(path).filter((row) => row.decision_id === decisionId);
  return { decision: rows.find((row) => row.kind === 'decision'), outcomes: rows.filter((row) => row.kind === 'outcome') };
}

/**
 * The gateway answers before its group commit lands (see src/pipeline/pipeline.ts); a denial's
 * decision row is written before the answer too, but a reader may need a moment to see it, and an
 * outcome row comes after the answer. Polls until `ready` holds (by default: the decision row is
 * there) or the timeout passes, and returns the rows as they are then.
 */
export async function waitForDecisionRow(
  path: string,
  decisionId: string,
  ready: (rows: ReturnType<typeof rowsOfDecision>) => boolean = (rows) => rows.decision !== undefined,
  timeoutMs = 3000,
): Promise<ReturnType<typeof rowsOfDecision>> {
  return waitFor(() => rowsOfDecision(path, decisionId), ready, timeoutMs);
}

export interface DecisionRow {
  decision: string;
  data: string;
}

/** The decision row of one downstream request id (unique within these tests). */
export function decisionRowOf(audit: string, requestId: string | number): DecisionRow | undefined {
  const db = new Database(audit, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT decision, data FROM events WHERE kind = 'decision' AND request_id = ? ORDER BY seq DESC LIMIT 1").get(String(requestId)) as DecisionRow | undefined;
  } finally {
    db.close();
  }
}

export interface CallRow {
  tool: string;
  /** input.workflow.step of the decision; null for the composite's own row. */
  step: string | null;
  decision: string;
  /** null while the outcome row is not written (or never, for a denial). */
  outcome: string | null;
  code: string | null;
}

/** The composite's own decision and every step's, each with its outcome, for one principal. */
export function workflowCalls(db: string, sub: string, composite: string): CallRow[] {
  const reader = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return reader
      .prepare(
        `SELECT d.public_name AS tool, json_extract(d.data, '$.workflow.step') AS step, d.decision AS decision, o.outcome AS outcome, o.code AS code
           FROM events d LEFT JOIN events o ON o.kind = 'outcome' AND o.decision_id = d.decision_id
          WHERE d.kind = 'decision' AND d.sub = ? AND (d.public_name = ? OR json_extract(d.data, '$.workflow.name') = ?)
          ORDER BY d.seq`,
      )
      .all(sub, composite, composite) as CallRow[];
  } finally {
    reader.close();
  }
}

/** `warden audit verify` as an operator runs it: exit code 0 when the hash chain is intact. */
export function verifyWithCli(db: string): number {
  return spawnSync(process.execPath, [WARDEN, 'audit', 'verify', '--db', db], { encoding: 'utf8' }).status ?? -1;
}

/** Polls `read` (sync or async) until `done` holds (at most `timeoutMs`), returning the last value either way. */
export async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(50);
    value = await read();
  }
  return value;
}

/**
 * Fills `events` with synthetic rows in one SQL statement per kind, for query-speed tests and the
 * bench: `decisions` decision rows spread over 30 days before `end` (1000 principals, 50 tools on
 * 5 servers, 1 in 10 denied), and an outcome for each of the first `outcomes` decisions. The chain
 * fields are placeholders: these rows are for the read side, not for verify.
 */
export function fillSynthetic(db: Database.Database, decisions: number, outcomes: number, end: Date): void {
  const endMs = end.getTime();
  const spanMs = 30 * 24 * 3600 * 1000;
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO events (seq, kind, time, request_id, session_id, sub, iss, method, public_name, upstream, upstream_name,
                           decision, decision_id, outcome, code, data, prev_hash, hash)
       SELECT i, 'decision',
              strftime('%Y-%m-%dT%H:%M:%fZ', (? - ? + i * (? * 1.0 / ?)) / 1000.0, 'unixepoch'),
              'req-' || i, 'session-' || (i % 5000), 'user-' || (i * 7919 % 1000), 'https://idp.example.com', 'tools/call',
              'srv' || (i % 5) || '__tool' || (i % 50), 'srv' || (i % 5), 'tool' || (i % 50),
              CASE WHEN i % 10 = 0 THEN 'deny' ELSE 'allow' END, 'dec-' || i, NULL,
              CASE WHEN i % 10 = 0 THEN 'POLICY_DENIED' END,
              '{"reasons":[]}', '', ''
       FROM n`,
    ).run(decisions, endMs, spanMs, spanMs, decisions);
    db.prepare(
      `INSERT INTO events (seq, kind, time, request_id, session_id, decision_id, outcome, data, prev_hash, hash)
       SELECT ? + seq, 'outcome', time, request_id, session_id, decision_id,
              CASE WHEN seq % 7 = 0 THEN 'tool_error' ELSE 'ok' END, '{"duration_ms":2}', '', ''
       FROM events WHERE kind = 'decision' AND seq <= ? ORDER BY seq`,
    ).run(decisions, outcomes);
  })();

}
