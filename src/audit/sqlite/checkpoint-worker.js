// WAL checkpoints for the audit store, on their own thread and connection: copying pages back
// into the database and the fsyncs around it take milliseconds, which on the main thread would
// stall whichever calls are waiting for their decision row. Plain JavaScript because a worker
// starts without the TypeScript loader of its parent (tsx in production, vite-node in tests).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ path: string, busyTimeoutMs: number, intervalMs: number }} */
const { path, busyTimeoutMs, intervalMs } = workerData;
const db = new Database(path, { timeout: busyTimeoutMs, fileMustExist: true });

// PASSIVE: copy what no reader still needs, never wait for or block a writer.
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}, intervalMs);

parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
