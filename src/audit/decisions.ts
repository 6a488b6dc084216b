import type { EventRow } from './chain.ts';

/**
 * What `warden audit query|stats` answer, for both backends (sqlite/query.ts, postgres/query.ts):
 * the filter, one decision with its outcome, and the per-key counts.
 */
export interface DecisionFilter {
  since?: Date;
  until?: Date;
  sub?: string;
  /** A glob over the public (namespaced) tool name: `db__*`. */
  tool?: string;
  server?: string;
  decision?: 'allow' | 'deny';
  method?: string;
  /** Methods left out unless asked for by `method` (the CLI hides logging/setLevel by default). */
  hideMethods?: readonly string[];
  /** Steps of this composite tool only. */
  workflow?: string;
  /** Keyset paging: only decisions older than this one (newest-first order is time, then seq). */
  before?: { time: string; seq: number; replica?: string };
  /** Live tail: only decisions after this seq (and at or after `since`, which bounds the index walk). */
  afterSeq?: number;
}

export interface DecisionRecord {
  seq: number;
  /** PostgreSQL: the replica whose chain holds the row (seq counts per replica). */
  replica?: string;
  time: string;
  sub: string | null;
  method: string | null;
  tool: string | null;
  server: string | null;
  decision: 'allow' | 'deny';
  code: string | null;
  reasons: string[];
  outcome: string | null;
  durationMs: number | null;
  requestId: string | null;
  decisionId: string | null;
  /** The composite and step this decision was made for (a step of a workflow), else null. */
  workflow: { name: string; step: string } | null;
  /**
   * Who made the call besides the principal: the OAuth client (`client_id`, else `azp`, of the
   * verified token) when the token names one, the transport and the remote address.
   */
  client: { id: string | null; transport: string | null; remoteAddr: string | null };
}

export type StatsKey = 'sub' | 'tool' | 'decision' | 'server';

export interface StatsRow {
  key: string | null;
  total: number;
  allowed: number;
  denied: number;
  /** Allowed calls whose outcome was anything but ok (including incomplete); a question a new-era caller was asked (approval_asked, input_asked) is not a failure. */
  failed: number;
}

/** The outcomes `StatsRow.failed` does not count, as an SQL list for both stores' queries. */
export const NOT_FAILED_SQL = ['ok', 'approval_asked', 'input_asked'].map((outcome) => `'${outcome}'`).join(', ');

export interface JoinedRow extends EventRow {
  replica_id?: string;
  o_outcome: string | null;
  o_data: string | null;
}

/** A decision row joined with its outcome's columns, as the table and JSON show it. */
export function toRecord(row: JoinedRow): DecisionRecord {
  const data = JSON.parse(row.data) as {
    reasons?: string[];
    workflow?: { name: string; step: string } | null;
    input?: { principal?: { claims?: Record<string, unknown> }; request?: { transport?: string; remote_addr?: string } } | null;
  };
  const claims = data.input?.principal?.claims;
  const clientId = claims?.client_id ?? claims?.azp;
  const outcomeData = row.o_data === null ? null : (JSON.parse(row.o_data) as { duration_ms?: number });
  return {
    seq: row.seq,
    ...(row.replica_id === undefined ? {} : { replica: row.replica_id }),
    time: row.time,
    sub: row.sub,
    method: row.method,
    tool: row.public_name,
    server: row.upstream,
    decision: row.decision ?? 'deny',
    code: row.code,
    reasons: data.reasons ?? [],
    outcome: row.o_outcome,
    durationMs: outcomeData?.duration_ms ?? null,
    requestId: row.request_id,
    decisionId: row.decision_id,
    workflow: data.workflow ?? null,
    client: { id: typeof clientId === 'string' ? clientId : null, transport: data.input?.request?.transport ?? null, remoteAddr: data.input?.request?.remote_addr ?? null },
  };
}
