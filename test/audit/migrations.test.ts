import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, loadMigrations, migrate } from '../../src/audit/migrations.ts';
import { openAuditStore } from '../../src/audit/store.ts';
import { auditConfig, silentLogger, tempDir } from './helpers.ts';

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

  it('upgrades a database written by an older release and keeps its rows', async () => {
    const path = join(dir, 'upgrade.db');
    const old = olderRelease('v1', 1);
    const first = openAuditStore(auditConfig(path), { logger: silentLogger, migrationsDir: old });
    await first.close('upgrade');
    expect(recorded(path).map((r) => r.version)).toEqual([1]);

    const db = new Database(path);
    try {
      expect(migrate(db, shipped)).toEqual(shipped.slice(1).map((m) => m.version));
      expect(migrate(db, shipped)).toEqual([]);
      const kinds = db.prepare('SELECT kind FROM events ORDER BY seq').all();
      expect(kinds).toEqual([{ kind: 'startup' }, { kind: 'shutdown' }]);
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'events_%'").all();
      expect(indexes.length).toBeGreaterThanOrEqual(5);
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
