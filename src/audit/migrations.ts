import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WardenError } from '../errors.ts';

/**
 * Numbered `.sql` migrations, shared by the backends (each has its own folder under
 * migrations/): loading, and the check that what a database has applied is exactly what this
 * code knows. How they are applied is the backend's business (sqlite/migrations.ts,
 * postgres/migrations.ts).
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly sql: string;
  /** SHA-256 of the file's bytes, recorded in schema_migrations when applied. */
  readonly checksum: string;
}

export interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** Reads `NNNN_name.sql` files in version order; versions must run 1, 2, 3... with no gap. */
export function loadMigrations(dir: string): Migration[] {
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
 * Refuses a database whose applied migrations this code does not know (newer mcp-warden) or whose
 * files changed since. `where` names the database, `elsewhere` the setting that points to another.
 */
export function checkApplied(where: string, applied: readonly AppliedRow[], migrations: readonly Migration[], elsewhere: string): void {
  const latest = migrations.length;
  for (const row of applied) {
    const known = migrations[row.version - 1];
    if (!known) {
      throw new WardenError(
        'AUDIT_SCHEMA_TOO_NEW',
        `audit database ${where} is at schema version ${row.version} (${row.name}), newer than this mcp-warden knows (${latest}); upgrade mcp-warden or point ${elsewhere} elsewhere`,
        { details: { version: row.version, latest } },
      );
    }
    if (known.checksum !== row.checksum) {
      throw new WardenError(
        'AUDIT_MIGRATION_CHANGED',
        `migration ${known.file} was changed after it was applied to ${where} (recorded sha256 ${row.checksum.slice(0, 12)}, file now ${known.checksum.slice(0, 12)}); restore the original file`,
        { details: { version: row.version, file: known.file } },
      );
    }
  }
}

/** For readers (the CLI): the schema must be exactly the one this code knows, all of it applied. */
export function checkCurrent(where: string, applied: readonly AppliedRow[], migrations: readonly Migration[], elsewhere: string): void {
  checkApplied(where, applied, migrations, elsewhere);
  if (applied.length < migrations.length) {
    const missing = migrations.slice(applied.length).map((migration) => migration.file);
    throw new WardenError('AUDIT_UNAVAILABLE', `audit database ${where} is not migrated yet (missing ${missing.join(', ')}); start the gateway once to upgrade it`);
  }
}
