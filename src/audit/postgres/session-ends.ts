import type pg from 'pg';
import type { Logger } from '../../log.ts';
import { type PostgresSettings, connect } from './connection.ts';

/** The channel a session's end is announced on, by the same statement that records it. */
export const SESSION_ENDED_CHANNEL = 'mcp_warden_session_ended';

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2000;

/**
 * Hears, through PostgreSQL LISTEN, each session that some replica ended (its id hash), so a
 * replica holding that session in memory closes it at once instead of answering it until it
 * idles out. Notifications sent while this connection was down are lost, so after every
 * (re)connection `recheck` asks the shared table about each held session. Returns a stop function.
 */
export function listenForSessionEnds(
  settings: PostgresSettings,
  applicationName: string,
  log: Logger,
  handlers: { ended: (idHash: string) => void; recheck: () => Promise<void> },
): () => Promise<void> {
  let client: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const start = async (delayMs: number): Promise<void> => {
    timer = undefined;
    let fresh: pg.Client | undefined;
    try {
      fresh = await connect(settings, applicationName, (error) => {
        if (client !== fresh) return;
        client = undefined;
        log.warn({ err: error.message }, 'the session-end listener lost its connection; reconnecting');
        retry(RETRY_FIRST_MS);
      });
      fresh.on('notification', (message) => {
        if (message.channel === SESSION_ENDED_CHANNEL && message.payload) handlers.ended(message.payload);
      });
      await fresh.query(`LISTEN ${SESSION_ENDED_CHANNEL}`);
      if (stopped) return void (await fresh.end().catch(() => undefined));
      client = fresh;
      await handlers.recheck();
    } catch (error) {
      await fresh?.end().catch(() => undefined);
      log.warn({ err: (error as Error).message }, 'the session-end listener cannot connect; retrying');
      retry(Math.min(RETRY_MAX_MS, delayMs * 2));
    }
  };
  const retry = (delayMs: number): void => {
    if (!stopped && timer === undefined) timer = setTimeout(() => void start(delayMs), delayMs).unref();
  };
  void start(RETRY_FIRST_MS);

  return async () => {
    stopped = true;
    clearTimeout(timer);
    const last = client;
    client = undefined;
    await last?.end().catch(() => undefined);
  };
}
