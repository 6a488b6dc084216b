/** Reads the gateway's real SQLite audit file (read-only, while the gateway keeps writing). */
import Database from 'better-sqlite3';

export interface AuditRow {
  kind: string;
  sub: string | null;
  method: string | null;
  public_name: string | null;
  decision: string | null;
  decision_id: string | null;
  outcome: string | null;
  code: string | null;
  /** The rest of the event, canonical JSON. */
  data: string;
}

export function auditRows(path: string): AuditRow[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT kind, sub, method, public_name, decision, decision_id, outcome, code, data FROM events ORDER BY seq').all() as AuditRow[];
  } finally {
    db.close();
  }
}

/** The decision row of `decisionId` and any outcome rows tied to it. */
export function rowsOfDecision(path: string, decisionId: string): { decision: AuditRow | undefined; outcomes: AuditRow[] } {
  const rows = auditRows(path).filter((row) => row.decision_id === decisionId);
  return { decision: rows.find((row) => row.kind === 'decision'), outcomes: rows.filter((row) => row.kind === 'outcome') };
}

/**
 * The gateway answers before its group commit lands (see src/pipeline/pipeline.ts); a denial's
 * decision row is written before the answer too, but a reader may need a moment to see it, and an
 * outcome row comes after the answer. Polls until `ready` holds (by default: the decision row is
 * there) or the timeout passes, and returns the rows as they are then.
 */
export async function waitForDecisionRow(
  path: string,
  decisionId: string,
  ready: (rows: ReturnType<typeof rowsOfDecision>) => boolean = (rows) => rows.decision !== undefined,
  timeoutMs = 3000,
): Promise<ReturnType<typeof rowsOfDecision>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = rowsOfDecision(path, decisionId);
    if (ready(rows) || Date.now() > deadline) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
