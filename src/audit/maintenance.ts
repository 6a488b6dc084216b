/**
 * The writing commands of `warden audit`, on an existing trail: prune, close a dead replica's
 * open calls, copy a SQLite trail into PostgreSQL. Each goes through the writer's own open path,
 * so its settings and checks apply.
 */
import { existsSync } from 'node:fs';
import { WardenError } from '../errors.ts';
import type { ChainKey } from './chain.ts';
import { auditConfigSchema } from './config.ts';
import { createEventEncoder } from './events.ts';
import type { AuditTarget } from './target.ts';
import { connect, describeUrl, type PostgresSettings } from './postgres/connection.ts';
import { copyFromSqlite, type CopyResult } from './postgres/copy-from-sqlite.ts';
import { closeIncomplete, type CloseIncompleteResult } from './postgres/incomplete.ts';
import { loadPostgresMigrations, migratePostgres } from './postgres/migrations.ts';
import { prunePostgres, type ReplicaPruneResult } from './postgres/prune.ts';
import { connectMigrated } from './reader.ts';
import { createRedactor } from './redact.ts';
import { openWriterDatabase } from './sqlite/database.ts';
import { checkSchema, loadMigrations, openCheckedReader } from './sqlite/migrations.ts';
import { pruneBefore, type PruneResult } from './sqlite/prune.ts';

/** Drops events older than `cutoff`; SQLite keeps one chain (anchored), PostgreSQL one per replica. */
export async function pruneAudit(
  target: AuditTarget,
  cutoff: Date,
  options: { now: () => Date; key: ChainKey | undefined },
): Promise<{ backend: 'sqlite'; result: PruneResult } | { backend: 'postgres'; results: ReplicaPruneResult[] }> {
  if (target.backend === 'postgres') {
    const client = await connectMigrated(target.settings, 'mcp-warden audit cli');
    try {
      return { backend: 'postgres', results: await prunePostgres(client, cutoff, { now: options.now }) };
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (!existsSync(target.path)) throw new WardenError('AUDIT_UNAVAILABLE', `no audit database at ${target.path}`);
  const db = openWriterDatabase(auditConfigSchema.parse({ path: target.path }));
  try {
    checkSchema(db, loadMigrations());
    return { backend: 'sqlite', result: pruneBefore(db, cutoff, { now: options.now, key: options.key }) };
  } finally {
    db.close();
  }
}

/** PostgreSQL: closes the calls a dead replica left open as incomplete (in that replica's chain). */
export async function closeIncompleteCalls(settings: PostgresSettings, replica: string, now: () => Date, key: ChainKey | undefined): Promise<CloseIncompleteResult> {
  const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));
  const client = await connectMigrated(settings, 'mcp-warden audit cli');
  try {
    return await closeIncomplete(client, replica, encoder, now, key);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Copies a SQLite trail into PostgreSQL as the chain of `replica`, migrating the target first (it may be fresh). */
export async function migrateToPostgres(sqlitePath: string, url: string, replica: string, now: () => Date): Promise<CopyResult> {
  const source = openCheckedReader(sqlitePath);
  try {
    const client = await connect({ ...auditConfigSchema.parse({}), url }, 'mcp-warden audit migrate');
    try {
      await migratePostgres(client, describeUrl(url), loadPostgresMigrations(), now);
      return await copyFromSqlite(source, client, replica);
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    source.close();
  }
}
