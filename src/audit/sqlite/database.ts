import Database from 'better-sqlite3';
import { WardenError } from '../../errors.ts';
import type { AuditConfig } from '../config.ts';

const PAGE_SIZE = 4096;

/**
 * The gateway's writer connection. WAL so the CLI reads while the gateway writes; automatic
 * checkpoints off, because they would run inside whichever commit crosses the threshold, i.e.
 * inside a request: the store checkpoints on its own timer instead.
 */
export function openWriterDatabase(config: AuditConfig): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(config.path, { timeout: config.busy_timeout_ms });
    db.pragma(`page_size = ${PAGE_SIZE}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL could not be enabled`);
    db.pragma(`synchronous = ${config.synchronous.toUpperCase()}`);
    db.pragma('wal_autocheckpoint = 0');
    // Index pages of a large log stay cached for the random-key inserts (principal, tool), and a
    // burst's WAL file is cut back to 64 MiB once checkpointed instead of staying at its peak.
    db.pragma('cache_size = -16384');
    db.pragma('journal_size_limit = 67108864');
    if (config.max_size_mb !== undefined) {
      // page_size only applies to a new file: an existing one keeps its own.
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor((config.max_size_mb * 1024 * 1024) / pageSize))}`);
    }
    return db;
  } catch (error) {
    db?.close();
    throw new WardenError('AUDIT_UNAVAILABLE', `cannot open audit database ${config.path}: ${(error as Error).message}`, { cause: error });
  }
}

/** How long a reader waits on a lock the writer holds (a checkpoint, a migration). */
export const READER_BUSY_TIMEOUT_MS = 2000;

/** A reader for the CLI: never creates the file, never writes. */
export function openReaderDatabase(path: string, busyTimeoutMs = READER_BUSY_TIMEOUT_MS): Database.Database {
  try {
    return new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  } catch (error) {
    throw new WardenError('AUDIT_UNAVAILABLE', `cannot open audit database ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** SQLite's answers that say the file cannot be read (damaged, not a database, the disk, a lock held too long), not that a query of ours is wrong. */
const UNREADABLE = /^SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN|BUSY|LOCKED|PROTOCOL|NOMEM)/;

/** `error` as AUDIT_UNAVAILABLE naming the file when SQLite says the file cannot be read; any other error as it is. */
export function trailError(path: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !UNREADABLE.test(code)) return error;
  return new WardenError('AUDIT_UNAVAILABLE', `cannot read audit database ${path}: ${(error as Error).message} (${code})`, { cause: error });
}

/**
 * One read of the trail at `path`. A damaged file, or something that is no database, is
 * AUDIT_UNAVAILABLE naming the file and SQLite's reason: the on-call engineer reading a trail
 * needs that, where `warden audit verify` and `query` printed INTERNAL and a stack trace.
 */
export function readTrail<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw trailError(path, error);
  }
}

/** The same for rows read one by one: a damaged page can be reached after the first rows. */
export function* readTrailRows<T>(path: string, rows: () => Iterable<T>): Generator<T> {
  try {
    yield* rows();
  } catch (error) {
    throw trailError(path, error);
  }
}
