import Database from 'better-sqlite3';
import { WardenError } from '../errors.ts';
import { type ApprovalStore, approvalStore } from './approvals.ts';
import { pinStore } from './pins.ts';
import { connect, describeUrl } from './postgres/connection.ts';
import { checkPostgresSchema, loadPostgresMigrations } from './postgres/migrations.ts';
import { queryPinSql } from './postgres/pins.ts';
import type { PinStore } from './sink.ts';
import type { AuditTarget } from './target.ts';
import { checkSchema, loadMigrations } from './sqlite/migrations.ts';
import { sqlitePinSql } from './sqlite/pins.ts';

/**
 * The pins and approvals tables of an existing audit database, for `warden tools approve|revoke|diff`
 * and `warden approvals` (another
 * process than the gateway, which may be running: SQLite waits up to `busyTimeoutMs` for its
 * writer). The schema must be exactly the one this code knows; nothing is created or migrated.
 */
export async function openPins(target: AuditTarget, busyTimeoutMs = 5000): Promise<{ pins: PinStore; approvals: ApprovalStore; close(): Promise<void> }> {
  if (target.backend === 'postgres') {
    const client = await connect(target.settings, 'mcp-warden tools');
    try {
      await checkPostgresSchema(client, describeUrl(target.settings.url), loadPostgresMigrations());
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    const sql = queryPinSql(client);
    return { pins: pinStore(sql), approvals: approvalStore(sql), close: () => client.end() };
  }
  let db: Database.Database;
  try {
    db = new Database(target.path, { fileMustExist: true, timeout: busyTimeoutMs });
  } catch (error) {
    throw new WardenError('AUDIT_UNAVAILABLE', `cannot open audit database ${target.path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    checkSchema(db, loadMigrations());
  } catch (error) {
    db.close();
    throw error;
  }
  const sql = sqlitePinSql(db);
  return { pins: pinStore(sql), approvals: approvalStore(sql), close: async () => void db.close() };
}
