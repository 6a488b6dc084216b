import { join } from 'node:path';
import type pg from 'pg';
import { type AppliedRow, type Migration, checkApplied, checkCurrent, loadMigrations } from '../migrations.ts';
import { inTransaction } from './connection.ts';
import { PACKAGE_ROOT } from '../../package-root.ts';

const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations', 'postgres');

export function loadPostgresMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return loadMigrations(dir);
}

/** Serialises replicas that start together: only one applies a migration, the others see it done. */
const MIGRATION_LOCK = 0x77617264; // "ward"

/**
 * Brings the schema up to date in one transaction under a transaction advisory lock, or refuses
 * exactly as on SQLite (migrations.ts: AUDIT_SCHEMA_TOO_NEW, AUDIT_MIGRATION_CHANGED). Returns the
 * versions applied now.
 */
export async function migratePostgres(client: pg.Client, where: string, migrations: readonly Migration[], now: () => Date = () => new Date()): Promise<number[]> {
  return inTransaction(client, async () => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at text NOT NULL)`);
    const applied = (await client.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')).rows;
    checkApplied(where, applied, migrations, 'audit.url');
    const done = new Set(applied.map((row) => row.version));
    const pending = migrations.filter((migration) => !done.has(migration.version));
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
        migration.version, migration.name, migration.checksum, now().toISOString(),
      ]);
    }
    return pending.map((migration) => migration.version);
  });
}

/** Read-only check for the CLI: the schema must be exactly the one this code knows. */
export async function checkPostgresSchema(client: pg.Client, where: string, migrations: readonly Migration[]): Promise<void> {
  const exists = (await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")).rows[0] as { present: boolean };
  const applied = exists.present ? (await client.query<AppliedRow>('SELECT version, name, checksum FROM schema_migrations ORDER BY version')).rows : [];
  checkCurrent(where, applied, migrations, 'audit.url');
}
