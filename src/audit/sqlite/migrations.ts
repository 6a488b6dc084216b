import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { WardenError } from '../../errors.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly sql: string;
  /** SHA-256 of the file's bytes, recorded in schema_migrations when applied. */
  readonly checksum: string;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/sqlite/', import.meta.url));

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads `NNNN_name.sql` files in version order; versions must run 1, 2, 3... with no gap. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => {
      const match = FILE_NAME.exec(file);
      if (!match) throw new WardenError('INTERNAL', `migration file ${join(dir, file)} is not named NNNN_name.sql`);
      const bytes = readFileSync(join(dir, file));
      return {
        version: Number(match[1]),
        name: match[2]!,
        file,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new WardenError('INTERNAL', `migration ${migration.file} in ${dir}: expected version ${index + 1}`);
    }
  });
  return migrations;
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
      checkApplied(db.name, applied, migrations);
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
  checkApplied(db.name, applied, migrations);
  if (applied.length < migrations.length) {
    const missing = migrations.slice(applied.length).map((migration) => migration.file);
    throw new WardenError('AUDIT_UNAVAILABLE', `audit database ${db.name} is not migrated yet (missing ${missing.join(', ')}); start the gateway once to upgrade it`);
  }
}

function checkApplied(path: string, applied: readonly AppliedRow[], migrations: readonly Migration[]): void {
  const latest = migrations.length;
  for (const row of applied) {
    const known = migrations[row.version - 1];
    if (!known) {
      throw new WardenError(
        'AUDIT_SCHEMA_TOO_NEW',
        `audit database ${path} is at schema version ${row.version} (${row.name}), newer than this mcp-warden knows (${latest}); upgrade mcp-warden or point audit.path elsewhere`,
        { details: { version: row.version, latest } },
      );
    }
    if (known.checksum !== row.checksum) {
      throw new WardenError(
        'AUDIT_MIGRATION_CHANGED',
        `migration ${known.file} was changed after it was applied to ${path} (recorded sha256 ${row.checksum.slice(0, 12)}, file now ${known.checksum.slice(0, 12)}); restore the original file`,
        { details: { version: row.version, file: known.file } },
      );
    }
  }
}
