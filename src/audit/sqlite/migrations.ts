import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openReaderDatabase, readTrail } from './database.ts';
import { type AppliedRow, type Migration, checkApplied, checkCurrent, loadMigrations as loadFrom } from '../migrations.ts';
import { PACKAGE_ROOT } from '../../package-root.ts';

export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations', 'sqlite');


/** The SQLite migrations (migrations/sqlite/), or those of `dir` (tests). */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return loadFrom(dir);
}

/**
 * Brings the schema up to date, or refuses: an applied migration whose file changed since
 * (AUDIT_MIGRATION_CHANGED) or a database from a newer mcp-warden (AUDIT_SCHEMA_TOO_NEW) means
 * the code no longer knows what the rows mean, and writing on would corrupt the trail.
 * Everything runs in one IMMEDIATE transaction so two processes starting together cannot both
 * apply the same migration. Returns the versions applied now.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], now: () => Date = () => new Date()): number[] {
  return db
    .transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      const applied = db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as AppliedRow[];
      checkApplied(db.name, applied, migrations, 'audit.path');
      const done = new Set(applied.map((row) => row.version));
      const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
      const pending = migrations.filter((migration) => !done.has(migration.version));
      for (const migration of pending) {
        db.exec(migration.sql);
        record.run(migration.version, migration.name, migration.checksum, now().toISOString());
      }
      return pending.map((migration) => migration.version);
    })
    .immediate();
}

/** Read-only check for readers (the CLI): the schema must be exactly the one this code knows. */
export function checkSchema(db: Database.Database, migrations: readonly Migration[]): void {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  const applied = table
    ? (db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as AppliedRow[])
    : [];
  checkCurrent(db.name, applied, migrations, 'audit.path');
}

/** A read-only connection to a SQLite trail whose schema this version reads (AUDIT_SCHEMA_TOO_NEW otherwise). */
export function openCheckedReader(path: string): Database.Database {
  const db = openReaderDatabase(path);
  try {
    readTrail(path, () => checkSchema(db, loadMigrations()));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
