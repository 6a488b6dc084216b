import type Database from 'better-sqlite3';
import { workflowOfEvent } from './decision-indexer.ts';

/**
 * `decision_keys` (migrations/sqlite/0003) is derived from the chained rows and is what `audit query` and
 * `stats` search, so a key edited, deleted or added behind the gateway's back would hide, misfile or
 * invent decisions there without breaking the chain. verify compares it with the log: every key
 * must repeat its decision row, and every decision the indexer has passed must have its key.
 */
export interface IndexProblem {
  seq: number;
  message: string;
}

const KEY_COLUMNS = ['time', 'sub', 'method', 'public_name', 'upstream', 'decision'] as const;

export function checkDecisionIndex(db: Database.Database): IndexProblem | null {
  const differs = [...KEY_COLUMNS.map((column) => `e.${column} IS NOT k.${column}`), `${workflowOfEvent('e.')} IS NOT k.workflow`].join(' OR ');
  const wrongKey = db
    .prepare(`SELECT k.seq FROM decision_keys k LEFT JOIN events e ON e.seq = k.seq WHERE e.seq IS NULL OR e.kind IS NOT 'decision' OR ${differs} ORDER BY k.seq LIMIT 1`)
    .pluck()
    .get() as number | undefined;
  const missingKey = db
    .prepare(
      `SELECT e.seq FROM events e WHERE e.kind = 'decision' AND e.seq <= (SELECT seq FROM decision_keys_through)
         AND NOT EXISTS (SELECT 1 FROM decision_keys k WHERE k.seq = e.seq) ORDER BY e.seq LIMIT 1`,
    )
    .pluck()
    .get() as number | undefined;
  if (wrongKey === undefined && missingKey === undefined) return null;
  const rebuild = 'the query index was changed outside the gateway; rebuild it (src/audit/README.md) and search with `audit export` meanwhile';
  if (missingKey === undefined || (wrongKey !== undefined && wrongKey < missingKey)) {
    return { seq: wrongKey!, message: `the query index entry of seq ${wrongKey} does not match decision row ${wrongKey}: ${rebuild}` };
  }
  return { seq: missingKey, message: `decision row ${missingKey} is missing from the query index: ${rebuild}` };
}
