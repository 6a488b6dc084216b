import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log.ts';
import type { AuditConfig } from '../config.ts';

/**
 * Runs checkpoint-worker.js: WAL checkpoints every `checkpoint_interval_ms` on a worker thread,
 * off the request path (the writer connection has automatic checkpoints turned off).
 */
interface Checkpointer {
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 2000;

export function startCheckpointer(config: AuditConfig, log: Logger): Checkpointer {
  const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
    workerData: { path: config.path, busyTimeoutMs: config.busy_timeout_ms, intervalMs: config.checkpoint_interval_ms },
  });
  worker.unref();
  worker.on('message', (message: { error?: string }) => log.warn({ err: message.error }, 'audit checkpoint failed'));
  // A dead checkpointer only lets the WAL grow until close (which checkpoints): worth a log, not a refusal.
  worker.on('error', (error) => log.error({ err: error.message }, 'audit checkpointer stopped'));
  const exited = once(worker, 'exit').then(() => undefined, () => undefined);

  return {
    async stop() {
      // Referenced again while stopping: with only an unref'd worker and timer left, a process
      // that is shutting down would exit (code 13, unsettled await) before close() finished.
      worker.ref();
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS, 'timeout')));
      if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
      clearTimeout(timer);
    },
  };
}
