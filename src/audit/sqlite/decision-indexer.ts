import type Database from 'better-sqlite3';
import type { Logger } from '../../log.ts';

/**
 * Copies the filter columns of new decision rows into `decision_keys` (migrations/sqlite/0003), in
 * batches of at most `batchRows` events rows, each batch its own transaction on the writer
 * connection. It runs off the request path: `schedule()` after a commit arms a timer, and a batch
 * runs only when the group commit has nothing queued (`busy()` false), yielding to the event loop
 * between batches. A failed batch is logged and tried again later: the decisions are committed
 * already, and until the keys are copied the query scans them in the tail by seq.
 */
interface DecisionIndexer {
  /** Called after each commit: makes sure a batch will run once the writer is idle. */
  schedule(): void;
  /** Indexes everything committed so far (store open and close). Never throws: logs. */
  catchUp(): void;
  /** Cancels what is scheduled. */
  stop(): void;
}

export interface DecisionIndexerOptions {
  /** Events rows looked at per transaction: ~1 ms per batch on the bench machine (bench/audit.bench.ts). */
  batchRows: number;
  /** How long after a commit the next batch runs, so one transaction copies many decisions. */
  delayMs: number;
  /** Busy for this long, a batch runs anyway, so sustained load cannot starve the index. */
  maxDeferMs: number;
  /** After a failed batch. */
  retryMs: number;
}

export const DECISION_INDEXER_DEFAULTS: DecisionIndexerOptions = { batchRows: 64, delayMs: 50, maxDeferMs: 1000, retryMs: 1000 };

/**
 * Catching up at open and close, nothing waits on the event loop: large transactions are
 * cheaper per row (index pages shared by more keys), ~3 us per row, ~30 ms per batch.
 */
const CATCH_UP_ROWS = 10_000;

/** One transaction over at most `maxRows` events rows: returns how many it looked at (0: caught up). */
type IndexBatch = (maxRows: number) => number;

/** A decision row's workflow (composite) name, as decision_keys.workflow holds it (migrations/sqlite/0006). */
export const workflowOfEvent = (alias = ''): string => `json_extract(${alias}data, '$.workflow.name')`;

export function createIndexBatch(db: Database.Database): IndexBatch {
  const through = db.prepare('SELECT seq FROM decision_keys_through WHERE id = 1').pluck();
  const batchEnd = db.prepare('SELECT count(*) AS rows, max(seq) AS last FROM (SELECT seq FROM events WHERE seq > ? ORDER BY seq LIMIT ?)');
  // OR REPLACE: the keys are derived data; whatever events holds is what they must say.
  const copy = db.prepare(
    `INSERT OR REPLACE INTO decision_keys (seq, time, sub, method, public_name, upstream, decision, workflow)
     SELECT seq, time, sub, method, public_name, upstream, decision, ${workflowOfEvent()} FROM events WHERE seq > ? AND seq <= ? AND kind = 'decision'`,
  );
  const move = db.prepare('UPDATE decision_keys_through SET seq = ? WHERE id = 1');
  const batch = db.transaction((maxRows: number): number => {
    const from = through.get() as number;
    const { rows, last } = batchEnd.get(from, maxRows) as { rows: number; last: number | null };
    if (last === null) return 0;
    copy.run(from, last);
    move.run(last);
    return rows;
  });
  return (maxRows) => batch.immediate(maxRows);
}

export function createDecisionIndexer(db: Database.Database, busy: () => boolean, log: Logger, options: DecisionIndexerOptions = DECISION_INDEXER_DEFAULTS): DecisionIndexer {
  const runBatch = createIndexBatch(db);
  let cancel: (() => void) | undefined;
  let deferredSince: number | undefined;

  const after = (delayMs: number): void => {
    const timer = setTimeout(tick, delayMs).unref();
    cancel = () => clearTimeout(timer);
  };
  // Behind whatever I/O the event loop has: a request arriving meanwhile submits first.
  const soon = (): void => {
    const immediate = setImmediate(tick).unref();
    cancel = () => clearImmediate(immediate);
  };

  function tick(): void {
    cancel = undefined;
    if (busy() && performance.now() - (deferredSince ??= performance.now()) < options.maxDeferMs) return soon();
    deferredSince = undefined;
    try {
      if (runBatch(options.batchRows) === options.batchRows) soon();
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'decision indexing failed; queries scan the unindexed rows until a retry succeeds');
      after(options.retryMs);
    }
  }

  return {
    schedule() {
      if (cancel === undefined) after(options.delayMs);
    },
    catchUp() {
      try {
        while (runBatch(CATCH_UP_ROWS) === CATCH_UP_ROWS);
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'decision indexing failed; queries scan the unindexed rows');
      }
    },
    stop() {
      cancel?.();
      cancel = undefined;
    },
  };
}
