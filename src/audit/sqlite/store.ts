import type Database from 'better-sqlite3';
import { WardenError, asWardenError } from '../../errors.ts';
import { type HeadRow, type OpenDecision, checkHead, incompleteRows, startupRow } from '../startup.ts';
import { type Logger, logger as rootLogger } from '../../log.ts';
import { createAppender } from './appender.ts';
import { createAuthnFailureAggregator } from '../authn-failures.ts';
import { type EventFields, chainKey } from '../chain.ts';
import type { AuditConfig } from '../config.ts';
import { openWriterDatabase } from './database.ts';
import { DECISION_INDEXER_DEFAULTS, type DecisionIndexerOptions, createDecisionIndexer } from './decision-indexer.ts';
import { createEventEncoder } from '../events.ts';
import { keyingReader, startKeying } from './keying.ts';
import { startCheckpointer } from './checkpointer.ts';
import { createGroupCommit } from '../group-commit.ts';
import { NO_CHECKPOINTS, startCheckpoints } from '../checkpoints/publisher.ts';
import { loadSigningKey } from '../checkpoints/statement.ts';
import { MIGRATIONS_DIR, loadMigrations, migrate } from './migrations.ts';
import { createRedactor } from '../redact.ts';
import type { AuditHealth, AuditStore } from '../sink.ts';
import { auditStoreApi } from '../store-api.ts';
import { approvalStore } from '../approvals.ts';
import { taskStore } from '../tasks.ts';
import { pinStore } from '../pins.ts';
import { sqlitePinSql } from './pins.ts';
import { shownNamesWriter } from '../shown.ts';

export interface AuditStoreOptions {
  /** Clock for the rows the store writes itself (startup, incomplete, shutdown, head). */
  now?: () => Date;
  logger?: Logger;
  migrationsDir?: string;
  /** The gateway version, recorded in the startup event. */
  version?: string;
  /** When and how much the decision indexer copies (tests hold it off with a long delay). */
  indexer?: Partial<DecisionIndexerOptions>;
}

/**
 * Opens (creating or migrating) the audit database and writes the `startup` event. Refuses to
 * open, with the error's code, when the schema is newer or changed, or the file cannot be written:
 * the gateway must not start without its audit trail.
 */
export function openAuditStore(config: AuditConfig, options: AuditStoreOptions = {}): AuditStore {
  const now = options.now ?? (() => new Date());
  const log = (options.logger ?? rootLogger).child({ component: 'audit' });
  const db = openWriterDatabase(config);
  try {
    return createStore(db, config, now, log, options);
  } catch (error) {
    db.close();
    throw asWardenError(error, 'AUDIT_UNAVAILABLE');
  }
}

/** The SQLite side of startup.ts's head check. */
function checkHeadOf(db: Database.Database): boolean {
  const head = db.prepare('SELECT seq, hash FROM chain_head WHERE id = 1').get() as HeadRow | undefined;
  const last = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as HeadRow | undefined;
  return checkHead(db.name, head, last);
}

function createStore(db: Database.Database, config: AuditConfig, now: () => Date, log: Logger, options: AuditStoreOptions): AuditStore {
  // Read before anything is written: a key that cannot sign refuses the start (AUDIT_CHECKPOINT_KEY).
  const signingKey = config.checkpoint === undefined ? undefined : loadSigningKey(config.checkpoint.private_key_file);
  const migrations = loadMigrations(options.migrationsDir ?? MIGRATIONS_DIR);
  const appliedNow = migrate(db, migrations, now);
  // Decision keys off the request path (decision-indexer.ts); a stop without close leaves a tail.
  const indexer = createDecisionIndexer(db, () => writes.busy(), log, { ...DECISION_INDEXER_DEFAULTS, ...options.indexer });
  indexer.catchUp();
  // Keeps the planner's statistics fresh for the CLI's indexed queries (bounded work, per SQLite docs).
  db.pragma('optimize = 0x10002');
  const encoder = createEventEncoder(createRedactor(config.redact));
  const key = config.chain_key === undefined ? undefined : chainKey(config.chain_key);
  // The appender refuses a keyed log without its key (AUDIT_CHAIN_KEY) at the startup row below.
  const keyed = keyingReader(db)() !== undefined;
  const append = createAppender(db, now, key);

  // A crash leaves forwarded calls without an outcome; they are closed as `incomplete` in the
  // same transaction as the startup event. Only rows since the previous startup can be open.
  const openDecisions = db.prepare(`
    SELECT d.request_id, d.session_id, d.decision_id FROM events d
    WHERE d.seq > coalesce((SELECT max(seq) FROM events WHERE kind = 'startup'), 0)
      AND d.kind = 'decision' AND d.decision = 'allow'
      AND NOT EXISTS (SELECT 1 FROM events o WHERE o.kind = 'outcome' AND o.decision_id = d.decision_id)
    ORDER BY d.seq`);
  const startedAt = now();
  const { incomplete, headMatches } = db
    .transaction(() => {
      const headMatches = checkHeadOf(db);
      const rows = incompleteRows(encoder, openDecisions.all() as OpenDecision[], startedAt);
      const startup = startupRow(encoder, startedAt, {
        version: options.version, schemaVersion: migrations.length, applied: appliedNow, incomplete: rows.length, headMatches, key,
      });
      if (key && !keyed) {
        // The keying starts with this startup row, which names the key under the key itself.
        if (rows.length > 0) append(rows);
        startKeying(db, key);
        append([startup]);
      } else {
        append([...rows, startup]);
      }
      return { incomplete: rows, headMatches };
    })
    .immediate();
  if (!headMatches) log.error('the audit log does not end at its recorded head (rows cut off or rewritten while stopped); run warden audit verify');
  if (incomplete.length > 0) log.warn({ incomplete: incomplete.length }, 'forwarded calls without an outcome were marked incomplete');

  // Health comes back with the next successful commit (a probe write could succeed where a new
  // row still cannot, e.g. when max_page_count is reached), so callers keep being refused until then.
  let health: AuditHealth = { ok: true };
  let closed = false;
  const writes = createGroupCommit<EventFields>(
    (rows) => void append(rows),
    (error, size) => {
      if (!error) {
        if (!health.ok) log.info('audit writes succeed again');
        health = { ok: true };
        indexer.schedule();
        checkpoints.committed(size);
        return;
      }
      if (health.ok) health = { ok: false, reason: error.message, since: now().toISOString() };
      log.error({ code: error.code, batch: size, err: error.message }, 'audit write failed; calls are refused');
    },
  );

  const authnFailures = createAuthnFailureAggregator();
  const flushAuthnFailures = (): Promise<void> => {
    const rows = authnFailures.take().map(encoder.authnFailure);
    return Promise.all(rows.map((fields) => writes.submit(fields))).then(
      () => undefined,
      (error: unknown) => log.error({ err: (error as Error).message }, 'authn_failure events were not written'),
    );
  };

  const checkpointer = startCheckpointer(config, log);
  const authnTimer = setInterval(() => void flushAuthnFailures(), config.authn_failure_window_ms).unref();

  const submit = (build: () => EventFields): Promise<void> => {
    if (closed) return Promise.reject(new WardenError('AUDIT_UNAVAILABLE', 'the audit store is closed'));
    let fields: EventFields;
    try {
      fields = build();
    } catch (error) {
      return Promise.reject(asWardenError(error, 'AUDIT_UNAVAILABLE'));
    }
    return writes.submit(fields);
  };

  /** Pending authn aggregates and the shutdown event are written before the database closes. */
  const shutdown = async (reason: string): Promise<void> => {
    clearInterval(authnTimer);
    await flushAuthnFailures();
    await submit(() => encoder.other('shutdown', now(), { reason })).catch((error: unknown) =>
      log.error({ err: (error as Error).message }, 'shutdown event was not written'),
    );
    closed = true;
    await writes.drain();
    await checkpoints.close();
    indexer.stop();
    indexer.catchUp();
    await checkpointer.stop();
    try {
      db.pragma('optimize');
      db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'final optimize/checkpoint failed');
    }
    db.close();
  };

  const checkpoints = config.checkpoint === undefined || signingKey === undefined
    ? NO_CHECKPOINTS
    : startCheckpoints({ config: config.checkpoint, replica: null, head: () => db.prepare('SELECT seq, hash FROM chain_head WHERE id = 1').get() as HeadRow | undefined, now, log }, signingKey);
  const sql = sqlitePinSql(db);
  return auditStoreApi({ submit, encoder, authnFailures, isClosed: () => closed, health: () => health, shutdown, pins: pinStore(sql), shownNames: shownNamesWriter(sql), approvals: approvalStore(sql), tasks: taskStore(sql) });
}
