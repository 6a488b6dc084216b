import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { WardenError } from '../errors.ts';
import type { ChainKey, EventFields } from './chain.ts';
import { auditConfigSchema } from './config.ts';
import { type EventEncoder, createEventEncoder } from './events.ts';
import { connectMigrated } from './reader.ts';
import { createRedactor } from './redact.ts';
import { openWriterDatabase } from './sqlite/database.ts';
import { checkSchema, loadMigrations } from './sqlite/migrations.ts';
import type { AuditTarget } from './target.ts';
import { assertKeyFits } from './keying.ts';
import { inTransaction } from './postgres/connection.ts';
import { appendRows, readHead, readKeying } from './postgres/appender.ts';
import { replicaLockKey, tryLockReplica } from './postgres/replica-lock.ts';
import { createAppender } from './sqlite/appender.ts';
import { keyingReader } from './sqlite/keying.ts';

/**
 * `warden audit keys rotate` (issue 15): the chain key changes without a new file. One
 * transaction appends a `key_rotation` row under the current key, naming the current and the new
 * key id, and records that rows from the next seq on are under the new key (keying.ts). Only a
 * holder of the current key can do it; verify checks each rotation against its row, so a
 * rotation recorded without it (to a key an attacker holds) fails. The writer must be stopped:
 * the gateway's key no longer fits after the rotation, and it refuses to write (fail closed) until
 * it is started with the new key.
 */
export interface RotationResult {
  fromKeyId: string;
  toKeyId: string;
  /** The key_rotation row; the new key starts at the row after it. */
  seq: number;
  replica?: string;
}

function rotationRow(encoder: EventEncoder, now: Date, from: ChainKey, to: ChainKey, by: string): EventFields {
  if (from.id === to.id) throw new WardenError('USAGE', 'the new chain key is the current one: nothing to rotate');
  return encoder.other('key_rotation', now, { from_key_id: from.id, to_key_id: to.id, by });
}

function rotateSqlite(db: Database.Database, encoder: EventEncoder, now: () => Date, from: ChainKey, to: ChainKey, by: string): RotationResult {
  const keying = keyingReader(db)();
  if (keying === undefined) throw new WardenError('AUDIT_CHAIN_KEY', 'the audit log is not keyed: set audit.chain_key and start the gateway once, which keys it; rotation replaces that key');
  const append = createAppender(db, now, from);
  const insert = db.prepare('INSERT INTO chain_key_rotations (from_seq, key_id) VALUES (?, ?)');
  return db.transaction((): RotationResult => {
    const seq = append([rotationRow(encoder, now(), from, to, by)]);
    insert.run(seq + 1, to.id);
    return { fromKeyId: from.id, toKeyId: to.id, seq };
  }).immediate();
}

/** The replica must be stopped: its lock is taken for the rotation (as close-incomplete does). */
async function rotatePostgres(client: pg.Client, replica: string, encoder: EventEncoder, now: () => Date, from: ChainKey, to: ChainKey, by: string): Promise<RotationResult> {
  if (!(await tryLockReplica(client, replica))) {
    throw new WardenError('AUDIT_REPLICA_IN_USE', `replica "${replica}" is running (it holds its lock): stop it, rotate, and start it with the new key; nothing was changed`);
  }
  try {
    return await inTransaction(client, async () => {
      const head = await readHead(client, replica);
      const keying = await readKeying(client, replica);
      if (head === undefined || keying === undefined) throw new WardenError('AUDIT_CHAIN_KEY', `the chain of replica "${replica}" is not keyed (or does not exist): nothing to rotate`);
      assertKeyFits(keying, from);
      const moved = await appendRows(client, { replica, head, keying, key: from }, [rotationRow(encoder, now(), from, to, by)], now().toISOString());
      await client.query('INSERT INTO chain_key_rotations (replica_id, from_seq, key_id) VALUES ($1, $2, $3)', [replica, moved.seq + 1, to.id]);
      return { fromKeyId: from.id, toKeyId: to.id, seq: moved.seq, replica };
    });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [replicaLockKey(replica)]);
  }
}

/** `warden audit keys rotate` on either backend, through the writer's own open path (as prune). */
export async function rotateChainKey(target: AuditTarget, options: { replica?: string | undefined; now: () => Date; from: ChainKey; to: ChainKey; by: string }): Promise<RotationResult> {
  const encoder = createEventEncoder(createRedactor({ keys: [], patterns: [] }));
  if (target.backend === 'postgres') {
    if (options.replica === undefined) throw new WardenError('USAGE', '--replica: is required on PostgreSQL: the replica whose chain key changes (it must be stopped)');
    const client = await connectMigrated(target.settings, 'mcp-warden audit cli');
    try {
      return await rotatePostgres(client, options.replica, encoder, options.now, options.from, options.to, options.by);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (options.replica !== undefined) throw new WardenError('USAGE', '--replica: only used on PostgreSQL');
  if (!existsSync(target.path)) throw new WardenError('AUDIT_UNAVAILABLE', `no audit database at ${target.path}`);
  const db = openWriterDatabase(auditConfigSchema.parse({ path: target.path }));
  try {
    checkSchema(db, loadMigrations());
    return rotateSqlite(db, encoder, options.now, options.from, options.to, options.by);
  } finally {
    db.close();
  }
}
