import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventRow } from '../../src/audit/chain.ts';
import { type AuditConfig, auditConfigSchema } from '../../src/audit/config.ts';
import { type VerifyReport, verifyChain } from '../../src/audit/verify.ts';
import type { DecisionEvent, OutcomeEvent } from '../../src/audit/sink.ts';
import { createLogger } from '../../src/log.ts';

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

export function verifyFile(path: string): VerifyReport {
  const db = new Database(path, { readonly: true });
  try {
    return verifyChain(db);
  } finally {
    db.close();
  }
}
