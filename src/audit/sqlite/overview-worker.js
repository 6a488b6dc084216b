// The console's Overview queries (issue 16), on their own thread and read-only connection: over a
// week of a busy trail they take ~1 s, which on the gateway's main thread would stall every call
// for as long (bench/console.bench.ts). The thread answers raw rows; overview-thread.ts assembles
// the page. Plain JavaScript because a worker starts without the TypeScript loader of its parent
// (tsx in production, vite-node in tests).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ path: string, busyTimeoutMs: number, lifecycleKinds: string[] }} */
const { path, busyTimeoutMs, lifecycleKinds } = workerData;
const db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });

// A JavaScript number binds as REAL: the division is floored by the CAST, not by integer arithmetic.
const grouped = (key) =>
  db.prepare(`SELECT CAST((julianday(time) - julianday(@since)) * 86400000 / @bucketMs AS INTEGER) AS b, ${key} AS key,
      count(*) AS calls, sum(decision = 'deny') AS denied FROM decision_keys
    WHERE time >= @since AND time < @until GROUP BY b, key`);
const perTool = grouped('public_name');
const perPrincipal = grouped('sub');
// The first decision in range bounds the scan of the codes by seq (events has no time index).
const firstSeq = db.prepare('SELECT min(seq) FROM decision_keys WHERE time >= ? AND time < ?').pluck();
const errorCodes = db.prepare(`SELECT kind, code, count(*) AS count FROM events
    WHERE seq >= ? AND time < ? AND kind IN ('decision', 'outcome') AND code IS NOT NULL GROUP BY kind, code ORDER BY count DESC LIMIT 20`);
const topDenied = db.prepare(`SELECT public_name AS tool, count(*) AS denied FROM decision_keys
    WHERE decision = 'deny' AND time >= ? AND time < ? GROUP BY public_name ORDER BY denied DESC LIMIT 10`);
const history = db.prepare(`SELECT seq, time, kind, data FROM events WHERE kind IN (${lifecycleKinds.map(() => '?').join(', ')}) ORDER BY seq DESC LIMIT 20`);
const head = db.prepare('SELECT seq, hash, time FROM chain_head WHERE id = 1');

function overview({ since, until, bucketMs }) {
  const params = { since, until, bucketMs };
  const first = firstSeq.get(since, until);
  return {
    perTool: perTool.all(params),
    perPrincipal: perPrincipal.all(params),
    topDenied: topDenied.all(since, until),
    errorCodes: first === null ? [] : errorCodes.all(first, until),
    history: history.all(...lifecycleKinds).map((row) => ({ seq: row.seq, time: row.time, kind: row.kind, detail: JSON.parse(row.data) })),
    head: head.get() ?? null,
  };
}

parentPort?.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort?.close();
    return;
  }
  try {
    parentPort?.postMessage({ id: message.id, result: overview(message) });
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
