/**
 * Reads the gateway's SQLite audit trail the way an operator would: read-only, while the gateway
 * keeps writing (outcome rows are committed after the answer went out, hence `waitFor`).
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { WARDEN } from './stack.ts';

export interface CallRow {
  tool: string;
  /** input.workflow.step of the decision; null for the composite's own row. */
  step: string | null;
  decision: string;
  /** null while the outcome row is not written (or never, for a denial). */
  outcome: string | null;
  code: string | null;
}

/** The composite's own decision and every step's, each with its outcome, for one principal. */
export function workflowCalls(db: string, sub: string, composite: string): CallRow[] {
  const reader = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return reader
      .prepare(
        `SELECT d.public_name AS tool, json_extract(d.data, '$.workflow.step') AS step, d.decision AS decision, o.outcome AS outcome, o.code AS code
           FROM events d LEFT JOIN events o ON o.kind = 'outcome' AND o.decision_id = d.decision_id
          WHERE d.kind = 'decision' AND d.sub = ? AND (d.public_name = ? OR json_extract(d.data, '$.workflow.name') = ?)
          ORDER BY d.seq`,
      )
      .all(sub, composite, composite) as CallRow[];
  } finally {
    reader.close();
  }
}

/** `warden audit verify`: exit code 0 when the hash chain is intact. */
export function verifyChain(db: string): number {
  return spawnSync(process.execPath, [WARDEN, 'audit', 'verify', '--db', db], { encoding: 'utf8' }).status ?? -1;
}

/** Polls `read` until `done` holds (at most `timeoutMs`), returning the last value either way. */
export async function waitFor<T>(read: () => T, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(50);
    value = read();
  }
  return value;
}
