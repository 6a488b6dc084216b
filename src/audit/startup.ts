import { WardenError } from '../errors.ts';
import type { ChainKey, EventFields } from './chain.ts';
import type { EventEncoder } from './events.ts';

/**
 * What a writer does when it opens a chain, on either backend: find where the chain continues,
 * close the calls a crash left open as `incomplete`, and write the `startup` row.
 */
export interface HeadRow {
  seq: number;
  hash: string;
}

/**
 * Where the chain continues. Rows beyond the recorded head, or rows without any head, leave no
 * place to append without forking the chain: refused. A log that ends before the head (cut
 * off while the gateway was stopped) can go on from the head; verify will show the gap.
 * Returns whether the log ends exactly at the head.
 */
export function checkHead(where: string, head: HeadRow | undefined, last: HeadRow | undefined): boolean {
  if (last !== undefined && (head === undefined || last.seq > head.seq)) {
    throw new WardenError(
      'AUDIT_CHAIN_BROKEN',
      `audit database ${where} has rows up to seq ${last.seq} beyond its recorded head (${head ? `seq ${head.seq}` : 'none'}); run warden audit verify`,
    );
  }
  return head === undefined || head.seq === 0 || (last !== undefined && last.seq === head.seq && last.hash === head.hash);
}

/** An allowed decision with no outcome since the chain's last startup: forwarded, never answered. */
export interface OpenDecision {
  request_id: string;
  session_id: string;
  decision_id: string;
}

export function incompleteRows(encoder: EventEncoder, open: readonly OpenDecision[], at: Date): EventFields[] {
  return open.map((call) =>
    encoder.outcome({ time: at.toISOString(), decisionId: call.decision_id, requestId: call.request_id, sessionId: call.session_id, outcome: 'incomplete', durationMs: 0 }),
  );
}

interface StartupFacts {
  version: string | undefined;
  schemaVersion: number;
  applied: number[];
  incomplete: number;
  headMatches: boolean;
  key: ChainKey | undefined;
  /** Further fields (the replica id on PostgreSQL). */
  extra?: Record<string, unknown>;
}

export function startupRow(encoder: EventEncoder, at: Date, facts: StartupFacts): EventFields {
  return encoder.other('startup', at, {
    pid: process.pid, version: facts.version ?? null, schema_version: facts.schemaVersion, migrations_applied: facts.applied, incomplete: facts.incomplete,
    chain_head_matches: facts.headMatches, ...facts.extra, ...(facts.key ? { chain_key_id: facts.key.id } : {}),
  });
}
