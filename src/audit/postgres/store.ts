import type pg from 'pg';
import { WardenError, asWardenError } from '../../errors.ts';
import { type Logger, logger as rootLogger } from '../../log.ts';
import { createAuthnFailureAggregator } from '../authn-failures.ts';
import { type EventFields, GENESIS_HASH, HASHED_COLUMNS, chainKey } from '../chain.ts';
import type { AuditConfig } from '../config.ts';
import { createEventEncoder } from '../events.ts';
import { createGroupCommit } from '../group-commit.ts';
import { assertKeyFits } from '../keying.ts';
import { createRedactor } from '../redact.ts';
import type { AuditHealth, AuditStore } from '../sink.ts';
import { checkHead, incompleteRows, startupRow } from '../startup.ts';
import { type ChainState, appendRows, readHead, readKeying } from './appender.ts';
import { connect, describeUrl, inTransaction } from './connection.ts';
import { openDecisions } from './incomplete.ts';
import { loadPostgresMigrations, migratePostgres } from './migrations.ts';
import { lockReplicaOrRefuse, tryLockReplica } from './replica-lock.ts';
import { createSurvivorSweep } from './survivor.ts';
import { witnessRow } from './witness.ts';
import { withoutStoredOutcomes } from './outcome-retry.ts';
import { auditStoreApi } from '../store-api.ts';
import { NO_CHECKPOINTS, startCheckpoints } from '../checkpoints/publisher.ts';
import { loadSigningKey } from '../checkpoints/statement.ts';
import { shownNamesWriter } from '../shown.ts';
import { approvalStore } from '../approvals.ts';
import { taskStore } from '../tasks.ts';
import { pinStore } from '../pins.ts';
import { postgresPinSql } from './pins.ts';

interface PostgresStoreOptions {
  now?: () => Date;
  logger?: Logger;
  migrationsDir?: string;
  version?: string;
}

/** A witness row to be read and written by the next commit (witness.ts). */
const WITNESS = Symbol('witness');

/** Reconnection backoff: first retry soon, then at most every 2 s (each attempt bounded by connect_timeout_ms). */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2000;

/**
 * The PostgreSQL AuditStore: the contract of the SQLite one (sink.ts; decision committed before
 * the promise resolves, fail closed, group commit) over one shared database, one hash chain per
 * replica. The writer connection holds the replica's advisory lock; the chain's head is kept in
 * memory while that lock is held and read again after anything went wrong. While the database is
 * unreachable every write is refused at once (AUDIT_UNAVAILABLE) and health is not ok; the store
 * reconnects in the background, takes its lock again, and health returns with its next commit
 * (a witness row written on reconnection, so readiness does not wait for traffic).
 */
export async function openPostgresAuditStore(config: AuditConfig, options: PostgresStoreOptions = {}): Promise<AuditStore> {
  const now = options.now ?? (() => new Date());
  const replica = config.replica_id!;
  const settings = { ...config, url: config.url! };
  const where = describeUrl(settings.url);
  const log = (options.logger ?? rootLogger).child({ component: 'audit', replica });
  const applicationName = `mcp-warden audit ${replica}`;
  const encoder = createEventEncoder(createRedactor(config.redact));
  const key = config.chain_key === undefined ? undefined : chainKey(config.chain_key);
  const migrations = loadPostgresMigrations(options.migrationsDir);
  // Read before anything is written: a key that cannot sign refuses the start (AUDIT_CHECKPOINT_KEY).
  const signingKey = config.checkpoint === undefined ? undefined : loadSigningKey(config.checkpoint.private_key_file);

  let client: pg.Client | undefined;
  let chain: ChainState | undefined;
  let lostReason = '';
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let reconnected = false;
  let health: AuditHealth = { ok: true };

  const unhealthy = (reason: string): void => {
    if (health.ok) health = { ok: false, reason, since: now().toISOString() };
  };

  /** Drops the connection (and so the lock) and reconnects in the background. */
  const lose = (reason: string): void => {
    const old = client;
    client = undefined;
    chain = undefined;
    lostReason = reason;
    unhealthy(`audit database unreachable: ${reason}`);
    void old?.end().catch(() => undefined);
    if (!closed && retryTimer === undefined) scheduleReconnect(RETRY_FIRST_MS);
  };

  const onLost = (conn: () => pg.Client | undefined) => (error: Error) => {
    if (conn() !== client) return;
    log.error({ err: error.message }, 'audit database connection lost; calls are refused until it is back');
    lose(error.message);
  };

  const startConnection = async (): Promise<pg.Client> => {
    let mine: pg.Client | undefined;
    mine = await connect(settings, applicationName, onLost(() => mine));
    return mine;
  };

  // --- open: connect, migrate, lock, startup row ---
  client = await startConnection();
  try {
    const applied = await migratePostgres(client, where, migrations, now);
    await lockReplicaOrRefuse(client, replica);
    chain = await inTransaction(client, async () => {
      const conn = client!;
      await conn.query("INSERT INTO chain_head (replica_id, seq, hash, time) VALUES ($1, 0, $2, '') ON CONFLICT (replica_id) DO NOTHING", [replica, GENESIS_HASH]);
      const head = (await readHead(conn, replica))!;
      const last = (await conn.query<{ seq: string; hash: string }>('SELECT seq, hash FROM events WHERE replica_id = $1 ORDER BY seq DESC LIMIT 1', [replica])).rows[0];
      const headMatches = checkHead(`${where} (replica ${replica})`, head, last && { seq: Number(last.seq), hash: last.hash });
      let keying = await readKeying(conn, replica);
      const startedAt = now();
      const incomplete = incompleteRows(encoder, await openDecisions(conn, replica), startedAt);
      const startup = startupRow(encoder, startedAt, {
        version: options.version, schemaVersion: migrations.length, applied, incomplete: incomplete.length, headMatches, key, extra: { replica_id: replica },
      });
      const witness = await witnessRow(conn, replica, encoder, startedAt);
      let state: ChainState = { replica, head, keying, key };
      if (key && !keying) {
        // The keying starts with the startup row, which names the key under the key itself.
        state = { ...state, head: await appendRows(conn, state, incomplete, startedAt.toISOString()) };
        keying = { keyId: key.id, fromSeq: state.head.seq + 1 };
        await conn.query('INSERT INTO chain_key (replica_id, key_id, from_seq) VALUES ($1, $2, $3)', [replica, keying.keyId, keying.fromSeq]);
        state = { ...state, keying };
        state = { ...state, head: await appendRows(conn, state, [startup, ...(witness ? [witness] : [])], startedAt.toISOString()) };
      } else {
        assertKeyFits(keying, key);
        state = { ...state, head: await appendRows(conn, state, [...incomplete, startup, ...(witness ? [witness] : [])], startedAt.toISOString()) };
      }
      if (!headMatches) log.error('the audit chain does not end at its recorded head (rows cut off or rewritten while stopped); run warden audit verify');
      if (incomplete.length > 0) log.warn({ incomplete: incomplete.length }, 'forwarded calls without an outcome were marked incomplete');
      return state;
    });
  } catch (error) {
    const failed = client;
    client = undefined;
    await failed?.end().catch(() => undefined);
    throw asWardenError(error, 'AUDIT_UNAVAILABLE');
  }

  // --- reconnection ---
  function scheduleReconnect(delayMs: number): void {
    retryTimer = setTimeout(() => void reconnect(delayMs), delayMs);
  }

  async function reconnect(delayMs: number): Promise<void> {
    retryTimer = undefined;
    if (closed) return;
    let fresh: pg.Client | undefined;
    try {
      fresh = await startConnection();
      // The old session may linger on the server for a moment after a network failure.
      if (!(await tryLockReplica(fresh, replica))) throw new Error(`audit.replica_id "${replica}" is still locked (the previous session has not ended yet, or another process uses this id)`);
      const head = await readHead(fresh, replica);
      if (head === undefined) throw new Error(`the chain head of replica ${replica} is gone from the database`);
      const keying = await readKeying(fresh, replica);
      assertKeyFits(keying, key);
      if (closed) throw new Error('closed');
      client = fresh;
      chain = { replica, head, keying, key };
      log.info('audit database connection back');
      reconnected = true;
      void writes.submit(WITNESS).catch(() => undefined);
    } catch (error) {
      await fresh?.end().catch(() => undefined);
      lostReason = (error as Error).message;
      if (!closed) scheduleReconnect(Math.min(RETRY_MAX_MS, delayMs * 2));
    }
  }

  // --- writes ---
  /** Outcome rows on their second or later attempt (submitOutcome), which may have landed already. */
  const retriedOutcomes = new WeakSet<EventFields>();

  // One query at a time on the writer connection: the witness row is read inside the commit.
  const commit = async (items: (EventFields | typeof WITNESS)[]): Promise<void> => {
    const conn = client;
    const state = chain;
    if (conn === undefined || state === undefined) throw new Error(`the audit database is unreachable (${lostReason})`);
    try {
      const submitted = items.filter((item): item is EventFields => item !== WITNESS);
      const rows = await withoutStoredOutcomes(conn, replica, submitted, retriedOutcomes);
      if (submitted.length < items.length) {
        // After a reconnection a row is written even with no other replica: health returns with a real commit.
        const witness = (await witnessRow(conn, replica, encoder, now())) ?? (reconnected ? encoder.other('witness', now(), { heads: {} }) : undefined);
        if (witness) rows.push(witness);
      }
      const head = await appendRows(conn, state, rows, now().toISOString());
      reconnected = false;
      if (chain === state) chain = { ...state, head };
    } catch (error) {
      // The outcome of the statement may be unknown (a timeout): never append on a head we are
      // not sure of. A new connection reads it again.
      if (client === conn) lose((error as Error).message);
      throw error;
    }
  };

  const writes = createGroupCommit<EventFields | typeof WITNESS>(commit, (error, size) => {
    if (!error) {
      if (!health.ok) log.info('audit writes succeed again');
      health = { ok: true };
      checkpoints.committed(size);
      return;
    }
    unhealthy(error.message);
    log.error({ code: error.code, batch: size, err: error.message }, 'audit write failed; calls are refused');
  });

  const submit = (build: () => EventFields): Promise<void> => {
    if (closed) return Promise.reject(new WardenError('AUDIT_UNAVAILABLE', 'the audit store is closed'));
    let fields: EventFields;
    try {
      fields = build();
      refuseNul(fields);
    } catch (error) {
      return Promise.reject(asWardenError(error, 'AUDIT_UNAVAILABLE'));
    }
    return writes.submit(fields);
  };

  /**
   * An outcome row is retried until it is written: the call ran upstream, and the caller's answer
   * waits for its record, so a caller sees success only once an `ok` outcome is committed (a
   * database outage or a frozen connection delays the answer instead of losing the row). If this
   * process dies first, the caller sees a failure and the survivors close the call `incomplete`.
   */
  const submitOutcome = async (build: () => EventFields): Promise<void> => {
    let fields: EventFields;
    try {
      fields = build();
      refuseNul(fields);
    } catch (error) {
      throw asWardenError(error, 'AUDIT_UNAVAILABLE');
    }
    for (let delay = RETRY_FIRST_MS; ; delay = Math.min(RETRY_MAX_MS, delay * 2)) {
      if (closed) throw new WardenError('AUDIT_UNAVAILABLE', 'the audit store is closed; an outcome row was not written');
      try {
        return await writes.submit(fields);
      } catch {
        retriedOutcomes.add(fields);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };

  const authnFailures = createAuthnFailureAggregator();
  const flushAuthnFailures = (): Promise<void> =>
    Promise.all(authnFailures.take().map((aggregate) => submit(() => encoder.authnFailure(aggregate)))).then(
      () => undefined,
      (error: unknown) => log.error({ err: (error as Error).message }, 'authn_failure events were not written'),
    );
  const authnTimer = setInterval(() => void flushAuthnFailures(), config.authn_failure_window_ms).unref();
  const sweepDead = createSurvivorSweep({ settings, replica, encoder, key, now, log });
  const witnessTimer = setInterval(() => {
    if (client === undefined || closed) return;
    void writes.submit(WITNESS).catch(() => undefined);
    void sweepDead();
  }, config.witness_interval_ms).unref();

  const pinSql = postgresPinSql(settings, `${applicationName} pins`);

  const shutdown = async (reason: string): Promise<void> => {
    clearInterval(authnTimer);
    clearInterval(witnessTimer);
    await flushAuthnFailures();
    await submit(() => encoder.other('shutdown', now(), { reason })).catch((error: unknown) =>
      log.error({ err: (error as Error).message }, 'shutdown event was not written'),
    );
    closed = true;
    clearTimeout(retryTimer);
    await writes.drain();
    await checkpoints.close();
    const last = client;
    client = undefined;
    // Ending the session releases the replica's lock.
    await last?.end().catch(() => undefined);
    await pinSql.end().catch(() => undefined);
  };

  const checkpoints = config.checkpoint === undefined || signingKey === undefined
    ? NO_CHECKPOINTS
    : startCheckpoints({ config: config.checkpoint, replica, head: () => chain?.head, now, log }, signingKey);
  return auditStoreApi({ submit, submitOutcome, encoder, authnFailures, isClosed: () => closed, health: () => health, shutdown, pins: pinStore(pinSql), shownNames: shownNamesWriter(pinSql), approvals: approvalStore(pinSql), tasks: taskStore(pinSql) });
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLite can). A column holding one (a request id or tool name
 * a client chose) would fail the whole batch, and with it other callers' calls and readiness; so
 * that one row is refused before it joins a batch. `data` is JSON, where it is escaped already.
 */
function refuseNul(fields: EventFields): void {
  for (const column of HASHED_COLUMNS) {
    const value = fields[column];
    if (typeof value === 'string' && value.includes('\u0000')) {
      throw new WardenError('AUDIT_UNAVAILABLE', `the audit row's ${column} holds a NUL character, which PostgreSQL cannot store; refused`);
    }
  }
}
