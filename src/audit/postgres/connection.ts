import pg from 'pg';
import { WardenError } from '../../errors.ts';
import type { AuditConfig } from '../config.ts';

/**
 * Connections to the PostgreSQL audit database. Every one carries the timeouts that keep a frozen
 * or half-open peer from holding anything: the server ends a statement after
 * `statement_timeout_ms` and a session idle inside a transaction after
 * `idle_in_transaction_timeout_ms` (a replica stopped with SIGSTOP mid-transaction), and probes
 * the socket (TCP keepalives, `tcp_user_timeout`) so a vanished client's session, and with it its
 * advisory lock, goes away in seconds; the client gives up on an answer that never comes
 * (`query_timeout`, a half-open connection) and on a connect that hangs.
 */
export type PostgresSettings = Pick<AuditConfig, 'statement_timeout_ms' | 'idle_in_transaction_timeout_ms' | 'connect_timeout_ms'> & { url: string };

/** `postgres://` or `postgresql://`: where a command line names a PostgreSQL audit database. */
export const POSTGRES_URL = /^postgres(?:ql)?:\/\//;

/** The URL without its password, for messages and logs. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an audit.url that is not a URL)';
  }
}

export function clientConfig(settings: PostgresSettings, applicationName: string): pg.ClientConfig {
  const keepaliveS = Math.max(1, Math.round(settings.idle_in_transaction_timeout_ms / 2000));
  return {
    connectionString: settings.url,
    application_name: applicationName,
    connectionTimeoutMillis: settings.connect_timeout_ms,
    statement_timeout: settings.statement_timeout_ms,
    idle_in_transaction_session_timeout: settings.idle_in_transaction_timeout_ms,
    // The server's answer can be late by a WAL flush under load; beyond this the socket is dead.
    query_timeout: settings.statement_timeout_ms + 1000,
    keepAlive: true,
    keepAliveInitialDelayMillis: keepaliveS * 1000,
    // synchronous_commit on whatever the server's default: a commit acknowledged before its WAL
    // is written is lost if the server crashes, and the call it allowed was forwarded already
    // (the cluster test found exactly that against a server run with synchronous_commit=off).
    options: `-c synchronous_commit=on -c tcp_keepalives_idle=${keepaliveS} -c tcp_keepalives_interval=${keepaliveS} -c tcp_keepalives_count=3 -c tcp_user_timeout=${settings.idle_in_transaction_timeout_ms}`,
  };
}

/**
 * Connects, or refuses with AUDIT_UNAVAILABLE saying what to check (never the password).
 * A connection that breaks later is reported through `onLost` (once).
 */
export async function connect(settings: PostgresSettings, applicationName: string, onLost?: (error: Error) => void): Promise<pg.Client> {
  let client: pg.Client;
  try {
    client = new pg.Client(clientConfig(settings, applicationName));
  } catch (error) {
    throw new WardenError('AUDIT_UNAVAILABLE', `audit.url ${describeUrl(settings.url)} is not usable: ${(error as Error).message}`, { cause: error });
  }
  // Without a listener an 'error' event (server gone, socket reset) would crash the process.
  let lost = false;
  client.on('error', (error) => {
    if (lost) return;
    lost = true;
    onLost?.(error);
  });
  client.on('end', () => {
    if (lost) return;
    lost = true;
    onLost?.(new Error('the connection was closed'));
  });
  try {
    await client.connect();
    return client;
  } catch (error) {
    lost = true;
    await client.end().catch(() => undefined);
    throw new WardenError(
      'AUDIT_UNAVAILABLE',
      `cannot connect to the audit database ${describeUrl(settings.url)}: ${(error as Error).message || String(error)}; check audit.url and that PostgreSQL is running`,
      { cause: error },
    );
  }
}

/** Runs `work` in a transaction; rolls back (and rethrows) on any error. */
export async function inTransaction<T>(client: pg.Client, work: () => Promise<T>, mode = ''): Promise<T> {
  await client.query(`BEGIN${mode === '' ? '' : ` ${mode}`}`);
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
