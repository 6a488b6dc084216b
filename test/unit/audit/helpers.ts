import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventRow } from '../../../src/audit/chain.ts';
import { type AuditConfig, auditConfigSchema } from '../../../src/audit/config.ts';
import { type VerifyOptions, type VerifyReport, verifyChain } from '../../../src/audit/sqlite/verify.ts';
import type { DecisionEvent, OutcomeEvent } from '../../../src/audit/sink.ts';
import { createLogger } from '../../../src/log.ts';

/** A fresh directory per test file; `cleanup` goes in afterAll. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `warden-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function auditConfig(path: string, overrides: Partial<AuditConfig> = {}): AuditConfig {
  return { ...auditConfigSchema.parse({ path }), ...overrides };
}

/** Tests keep the store's logs out of the test output unless they capture them on purpose. */
export const silentLogger = createLogger('silent');

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
  const db = new Database(path, { readonly: true });
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

