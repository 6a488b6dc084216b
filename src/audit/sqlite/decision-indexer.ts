import type Database from 'better-sqlite3';
import type { Logger } from '../../log.ts';

/**
 * Copies the filter columns of new decision rows into `decision_keys` (migrations/sqlite/0003), in
 * batches of events rows, each batch its own transaction on the writer connection. It runs off
 * the request path: `schedule()` after a commit arms a timer, and a batch runs only when the
 * group commit has nothing queued (`busy()` false; else at the next `schedule()`), yielding to
 * the event loop between batches. A failed batch is logged and tried again later: the decisions
 * are committed already, and until the keys are copied the query scans them in the tail by seq
 * (so does a batch held off by a commit that then failed, until the next one succeeds or close).
 */
interface DecisionIndexer {
  /** Called after each successful commit: makes sure a batch will run once the writer is idle. */
  schedule(): void;
  /** Indexes everything committed so far (store open and close). Never throws: logs. */
  catchUp(): void;
  /** Cancels what is scheduled. */
  stop(): void;
}

export interface DecisionIndexerOptions {
  /** Events rows looked at per transaction at least: ~1 ms per batch on the bench machine with 1000 principals and 50 tools (bench/audit.bench.ts). */
  batchRows: number;
  /**
   * A batch may grow up to this many rows while the last one took less than `batchBudgetMs`.
   * The work per batch is mostly its commit, one WAL page per index leaf it touched, so the cost
   * per decision falls with the batch. One principal and tool (as in the http bench), A/B in one
   * process: 64 rows 8-14 us per decision, ~0.3 ms a batch; grown to 512, 3.5-8 us, ~0.8 ms.
   * 1000 principals and 50 tools: 64 rows already take ~2 ms, so batches stay at 64.
   */
  maxBatchRows: number;
  /** What a batch may hold up the event loop for (a request arriving meanwhile waits for it). */
  batchBudgetMs: number;
  /**
   * How long after a commit the next batch runs, so one transaction copies many decisions: at
   * ~500 sequential calls/s, 50 ms found ~50 rows, less than one batch, a commit per 25 calls.
   * The rows not yet copied are still found (queries scan the tail by seq).
   */
  delayMs: number;
  /** Busy for this long, a batch runs anyway, so sustained load cannot starve the index. */
  maxDeferMs: number;
  /** After a failed batch. */
  retryMs: number;
}

export const DECISION_INDEXER_DEFAULTS: DecisionIndexerOptions = { batchRows: 64, maxBatchRows: 512, batchBudgetMs: 1, delayMs: 250, maxDeferMs: 1000, retryMs: 1000 };

/**
 * Catching up at open and close, nothing waits on the event loop: large transactions are
 * cheaper per row (index pages shared by more keys), ~3 us per row, ~30 ms per batch.
 */
const CATCH_UP_ROWS = 10_000;

/** One transaction over at most `maxRows` events rows: returns how many it looked at (0: caught up). */
type IndexBatch = (maxRows: number) => number;

/**
 * A decision row's workflow (composite) name, as decision_keys.workflow holds it (migrations/sqlite/0009).
 * Read only from rows whose canonical data holds a workflow object, and only from data SQLite's
 * JSON functions accept: they refuse text nested 1000 deep ('malformed JSON'), and one such row
 * stopped the indexer (its batch retried for ever) and every query whose tail scan reached it.
 */
export const workflowOfEvent = (alias = ''): string =>
  `CASE WHEN instr(${alias}data, '"workflow":{') > 0 AND json_valid(${alias}data) THEN json_extract(${alias}data, '$.workflow.name') END`;

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

/**
 * The next batch's rows: as many as the last batch's time per row fits into the budget, between
 * `batchRows` and `maxBatchRows`. Timed by the clock, so a loaded machine makes batches smaller.
 */
export function nextBatchRows(lastRows: number, lastMs: number, options: DecisionIndexerOptions): number {
  if (lastRows <= 0) return options.batchRows;
  const fits = Math.floor(options.batchBudgetMs / Math.max(lastMs / lastRows, Number.EPSILON));
  return Math.min(options.maxBatchRows, Math.max(options.batchRows, fits));
}

export function createDecisionIndexer(db: Database.Database, busy: () => boolean, log: Logger, options: DecisionIndexerOptions = DECISION_INDEXER_DEFAULTS): DecisionIndexer {
  const runBatch = createIndexBatch(db);
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  // Held off by a busy writer. Rather than asking again at every turn of the event loop (a
  // closure, an Immediate and a timer toggle each time, ~0.5% of the gateway's CPU, http bench),
  // it waits for the next schedule(): busy means a commit is queued or running, and the store
  // calls schedule() after each successful commit.
  let deferred = false;
  let deferredSince: number | undefined;
  let rows = options.batchRows;

  const after = (delayMs: number): void => {
    timer = setTimeout(tick, delayMs).unref();
  };
  // Behind whatever I/O the event loop has: a request arriving meanwhile submits first.
  const soon = (): void => {
    immediate = setImmediate(tick).unref();
  };

  function tick(): void {
    timer = undefined;
    immediate = undefined;
    if (busy() && performance.now() - (deferredSince ??= performance.now()) < options.maxDeferMs) {
      deferred = true;
      return;
    }
    deferredSince = undefined;
    try {
      const started = performance.now();
      if (runBatch(rows) === rows) {
        // Sized from full batches only: a short tail's time per row says little about a full one.
        rows = nextBatchRows(rows, performance.now() - started, options);
        soon();
      }
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'decision indexing failed; queries scan the unindexed rows until a retry succeeds');
      after(options.retryMs);
    }
  }

  return {
    schedule() {
      if (deferred) {
        deferred = false;
        soon();
      } else if (timer === undefined && immediate === undefined) {
        after(options.delayMs);
      }
    },
    catchUp() {
      try {
        while (runBatch(CATCH_UP_ROWS) === CATCH_UP_ROWS);
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'decision indexing failed; queries scan the unindexed rows');
      }
    },
    stop() {
      clearTimeout(timer);
      clearImmediate(immediate);
      timer = undefined;
      immediate = undefined;
      deferred = false;
    },
  };
}
