import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { WardenError } from '../../errors.ts';
import { type BucketRow, bucketMsOf, chartsOf, LIFECYCLE_KINDS, type Overview } from '../console-reader.ts';

/**
 * The Overview of a SQLite trail, read on a worker thread (overview-worker.js) so its ~1 s over
 * a busy week never stalls the gateway's calls. Started at the first Overview asked for, again
 * after a crash; one read at a time on its connection, the asks queued by the thread.
 */
export interface OverviewThread {
  read(range: { since: Date; until: Date }, buckets: number): Promise<Overview>;
  close(): Promise<void>;
}

type Rows = Pick<Overview, 'topDenied' | 'errorCodes' | 'history' | 'head'> & { perTool: BucketRow[]; perPrincipal: BucketRow[] };
type Reply = { id: number; result: Rows; error?: undefined } | { id: number; error: string };

const STOP_TIMEOUT_MS = 2000;

export function overviewThread(path: string, busyTimeoutMs: number): OverviewThread {
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, { resolve(rows: Rows): void; reject(error: Error): void }>();
  const failAll = (reason: string): void => {
    for (const waiter of pending.values()) waiter.reject(new WardenError('AUDIT_UNAVAILABLE', `the Overview could not be read: ${reason}`));
    pending.clear();
  };
  const start = (): Worker => {
    const started = new Worker(new URL('./overview-worker.js', import.meta.url), { workerData: { path, busyTimeoutMs, lifecycleKinds: [...LIFECYCLE_KINDS] } });
    started.unref();
    started.on('message', (reply: Reply) => {
      const waiter = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.error !== undefined) waiter?.reject(new WardenError('AUDIT_UNAVAILABLE', `the Overview could not be read: ${reply.error}`));
      else waiter?.resolve(reply.result);
    });
    started.on('error', (error) => failAll(error.message));
    started.on('exit', () => {
      if (worker === started) worker = undefined;
      failAll('its reader thread stopped');
    });
    return started;
  };

  return {
    async read(range, buckets) {
      const bucketMs = bucketMsOf(range, buckets);
      const since = range.since.toISOString();
      const until = range.until.toISOString();
      const id = (next += 1);
      const rows = await new Promise<Rows>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        (worker ??= start()).postMessage({ id, since, until, bucketMs });
      });
      return { since, until, bucketMs, ...chartsOf(range, buckets, bucketMs, rows.perTool, rows.perPrincipal), topDenied: rows.topDenied, errorCodes: rows.errorCodes, history: rows.history, head: rows.head };
    },
    async close() {
      const running = worker;
      worker = undefined;
      if (running === undefined) return;
      const exited = once(running, 'exit').then(() => undefined, () => undefined);
      running.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout')));
      if ((await Promise.race([exited, timeout])) === 'timeout') await running.terminate();
      clearTimeout(timer);
    },
  };
}
