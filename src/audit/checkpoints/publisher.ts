import type { KeyObject } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import type { Logger } from '../../log.ts';
import type { ChainMark } from '../chain-walk.ts';
import type { CheckpointConfig } from '../config.ts';
import { type CheckpointStatement, signStatement, signingKeyId } from './statement.ts';

/**
 * Publishes signed checkpoints (statement.ts) of one chain every `every_rows` rows or `every_ms`,
 * whichever comes first, to a file and/or a URL. Never on a call's path: a commit only counts its
 * rows; signing (~50 us), the append and the POST run after the event loop turn that committed.
 * A failed delivery is logged and retried with the next checkpoint (the URL gets every
 * checkpoint, in order); a checkpoint never blocks or fails a write.
 */
export interface CheckpointPublisher {
  /** A commit of `rows` rows: counts towards `every_rows`. */
  committed(rows: number): void;
  /** One last checkpoint of the head as it is now, then waits for the deliveries. */
  close(): Promise<void>;
}

export interface PublisherDeps {
  config: CheckpointConfig;
  /** Null on SQLite (one chain). */
  replica: string | null;
  /** The chain's head now (as committed). */
  head: () => ChainMark | undefined;
  now: () => Date;
  log: Logger;
  fetch?: typeof fetch;
}

/** At most this many checkpoints wait for a URL that is down; the oldest go first (and are logged). */
const MAX_UNSENT = 1000;

export const NO_CHECKPOINTS: CheckpointPublisher = { committed: () => undefined, close: async () => undefined };

export function startCheckpoints(deps: PublisherDeps, key: KeyObject): CheckpointPublisher {
  const { config, log } = deps;
  const keyId = signingKeyId(key);
  const post = deps.fetch ?? fetch;
  let rows = 0;
  let lastSeq: number | undefined;
  let scheduled = false;
  let delivering: Promise<void> = Promise.resolve();
  const unsent: string[] = [];

  const deliver = async (line: string): Promise<void> => {
    if (config.file !== undefined) {
      await appendFile(config.file, `${line}\n`, { mode: 0o644 }).catch((error: unknown) =>
        log.error({ err: (error as Error).message, file: config.file }, 'audit checkpoint not written to its file'),
      );
    }
    if (config.url === undefined) return;
    unsent.push(line);
    if (unsent.length > MAX_UNSENT) log.error({ dropped: unsent.splice(0, unsent.length - MAX_UNSENT).length }, 'audit checkpoints dropped: the checkpoint URL has been down too long');
    while (unsent.length > 0) {
      try {
        const response = await post(config.url, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: unsent[0], signal: AbortSignal.timeout(config.post_timeout_ms),
        });
        await response.body?.cancel();
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        unsent.shift();
      } catch (error) {
        log.warn({ err: (error as Error).message, waiting: unsent.length }, 'audit checkpoint not delivered to its URL; retried with the next one');
        return;
      }
    }
  };

  const emit = (): void => {
    scheduled = false;
    let head: ChainMark | undefined;
    try {
      head = deps.head();
    } catch (error) {
      // A store that failed to open, or a database gone away: nothing to vouch for now.
      log.warn({ err: (error as Error).message }, 'audit checkpoint skipped: the chain head cannot be read');
      return;
    }
    if (head === undefined || head.seq === 0 || head.seq === lastSeq) return;
    rows = 0;
    lastSeq = head.seq;
    const statement: CheckpointStatement = { v: 1, replica: deps.replica, seq: head.seq, hash: head.hash, time: deps.now().toISOString(), key_id: keyId };
    const line = signStatement(statement, key);
    delivering = delivering.then(() => deliver(line));
  };

  const timer = setInterval(emit, config.every_ms).unref();

  return {
    committed(count) {
      rows += count;
      if (rows < config.every_rows || scheduled) return;
      scheduled = true;
      setImmediate(emit);
    },
    async close() {
      clearInterval(timer);
      emit();
      await delivering;
    },
  };
}
