import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppender } from '../../../src/audit/sqlite/appender.ts';
import type { EventFields } from '../../../src/audit/chain.ts';
import { createEventEncoder } from '../../../src/audit/events.ts';
import { MIGRATIONS_DIR, loadMigrations, migrate } from '../../../src/audit/sqlite/migrations.ts';
import { queryDecisions } from '../../../src/audit/sqlite/query.ts';
import { createRedactor } from '../../../src/audit/redact.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import { auditConfig, decision, decisionKeysState, outcomeOf, tempDir, tick } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

const { dir, cleanup } = tempDir('migrations');
afterAll(cleanup);

const shipped = loadMigrations();

/** A migrations directory holding only the first `count` shipped files (an older release). */
function olderRelease(name: string, count: number): string {
  const target = join(dir, name);
  mkdirSync(target);
  for (const migration of shipped.slice(0, count)) copyFileSync(join(MIGRATIONS_DIR, migration.file), join(target, migration.file));
  return target;
}

const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));

/** A database as an older release left it: its first `count` migrations applied, `rows` appended. */
function olderDatabase(path: string, count: number, rows: readonly EventFields[]): void {
  const db = new Database(path);
  try {
    migrate(db, shipped.slice(0, count));
    // Today's appender reads the keying of 0004; older releases wrote unkeyed rows, which is what
    // an empty keying table means, so one lives only while these rows are appended.
    db.exec('CREATE TABLE chain_key (id INTEGER PRIMARY KEY, key_id TEXT, from_seq INTEGER)');
    createAppender(db, tick)(rows);
    db.exec('DROP TABLE chain_key');
  } finally {
    db.close();
  }
}

function recorded(path: string): { version: number; name: string; checksum: string }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as never;
  } finally {
    db.close();
  }
}

describe('audit migrations', () => {
  it('ships contiguous numbered migrations', () => {
    expect(shipped.map((m) => m.version)).toEqual(shipped.map((_, i) => i + 1));
    expect(shipped.length).toBeGreaterThanOrEqual(2);
  });

  it('creates a fresh database and records every migration with its checksum', async () => {
    const path = join(dir, 'fresh.db');
    await openAuditStore(auditConfig(path), { logger: silentLogger }).close();
    expect(recorded(path)).toEqual(shipped.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
  });

  it('upgrades a database written by an older release and keeps its rows', () => {
    const path = join(dir, 'upgrade.db');
    olderDatabase(path, 1, [encoder.other('startup', tick(), {}), encoder.other('shutdown', tick(), { reason: 'upgrade' })]);
    expect(recorded(path).map((r) => r.version)).toEqual([1]);

    const db = new Database(path);
    try {
      expect(migrate(db, shipped)).toEqual(shipped.slice(1).map((m) => m.version));
      expect(migrate(db, shipped)).toEqual([]);
      const kinds = db.prepare('SELECT kind FROM events ORDER BY seq').all();
      expect(kinds).toEqual([{ kind: 'startup' }, { kind: 'shutdown' }]);
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").pluck().all();
      expect(indexes).toEqual([
        'approvals_pending', 'decision_keys_denied', 'decision_keys_sub', 'decision_keys_time', 'decision_keys_tool', 'decision_keys_upstream', 'decision_keys_workflow',
        'events_lifecycle', 'events_outcome_decision', 'events_shown', 'events_startup',
      ]);
    } finally {
      db.close();
    }
  });

  it('0003 copies the decisions of a 0002 database into decision_keys, and queries find them', () => {
    const path = join(dir, 'backfill.db');
    const calls = [decision(), decision({ principal: { sub: 'bob', iss: 'idp' }, decision: 'deny', code: 'POLICY_DENIED' }), decision({ publicName: 'fs__read', upstream: 'fs' })];
    olderDatabase(path, 2, [encoder.other('startup', tick(), {}), ...calls.flatMap((call) => [encoder.decision(call), encoder.outcome(outcomeOf(call))])]);

    const db = new Database(path);
    try {
      expect(migrate(db, shipped)).toEqual(shipped.slice(2).map((m) => m.version));
      expect(decisionKeysState(path)).toEqual({ through: 7, keys: 3, differ: [] });
      expect(queryDecisions(db, {}, 10).map((r) => [r.decisionId, r.outcome])).toEqual(calls.reverse().map((call) => [call.decisionId, 'ok']));
      expect(queryDecisions(db, { decision: 'deny' }, 10).map((r) => r.sub)).toEqual(['bob']);
    } finally {
      db.close();
    }
  });

  it('refuses to start when an applied migration file was changed', async () => {
    const path = join(dir, 'changed.db');
    const edited = olderRelease('edited', shipped.length);
    await openAuditStore(auditConfig(path), { logger: silentLogger, migrationsDir: edited }).close();
    appendFileSync(join(edited, shipped[0]!.file), '\n-- sneaky edit\n');

    expect(() => openAuditStore(auditConfig(path), { logger: silentLogger, migrationsDir: edited })).toThrow(
      expect.objectContaining({ code: 'AUDIT_MIGRATION_CHANGED', message: expect.stringContaining(`migration ${shipped[0]!.file} was changed after it was applied`) }),
    );
  });

  it('refuses a database written by a newer release', async () => {
    const path = join(dir, 'newer.db');
    const newer = olderRelease('newer', shipped.length);
    const next = String(shipped.length + 1).padStart(4, '0');
    writeFileSync(join(newer, `${next}_future.sql`), 'CREATE TABLE future (x);\n');
    await openAuditStore(auditConfig(path), { logger: silentLogger, migrationsDir: newer }).close();

    expect(() => openAuditStore(auditConfig(path), { logger: silentLogger })).toThrow(
      expect.objectContaining({
        code: 'AUDIT_SCHEMA_TOO_NEW',
        message: expect.stringMatching(new RegExp(`schema version ${shipped.length + 1} \\(future\\), newer than this mcp-warden knows \\(${shipped.length}\\)`)),
      }),
    );
  });

  it('rolls back a migration that fails half-way, leaving the database as it was', () => {
    const path = join(dir, 'broken.db');
    const broken = olderRelease('broken', shipped.length);
    const next = String(shipped.length + 1).padStart(4, '0');
    writeFileSync(join(broken, `${next}_broken.sql`), 'CREATE TABLE half (x);\nTHIS IS NOT SQL;\n');
    expect(() => openAuditStore(auditConfig(path), { logger: silentLogger, migrationsDir: broken })).toThrow(
      expect.objectContaining({ code: 'AUDIT_UNAVAILABLE' }),
    );
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('half', 'events', 'schema_migrations')").all()).toEqual([]);
    } finally {
      db.close();
    }
  });
});
