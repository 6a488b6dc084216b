/**
 * What the pipeline needs from the audit trail. `recordDecision` resolves only once the row is
 * committed (group commit may batch it with others); if it rejects, the call must not be forwarded
 * (AUDIT_UNAVAILABLE). The store itself lives beside this file.
 */
export interface AuditPrincipal {
  sub: string;
  iss: string;
}

export interface DecisionEvent {
  time: string;
  requestId: string;
  sessionId: string;
  principal?: AuditPrincipal;
  /** The token's jti or hash: never the token itself. */
  tokenId?: string;
  method: string;
  publicName?: string;
  upstream?: string;
  upstreamName?: string;
  decision: 'allow' | 'deny';
  code?: string;
  reasons: string[];
  policyRevision: string;
  decisionId: string;
  /** Raw arguments: the store redacts them before writing and hashes the original. */
  arguments?: unknown;
  workflow?: { name: string; step: string };
}

export type Outcome = 'ok' | 'tool_error' | 'upstream_error' | 'timeout' | 'cancelled' | 'incomplete';

export interface OutcomeEvent {
  time: string;
  decisionId: string;
  requestId: string;
  sessionId: string;
  outcome: Outcome;
  errorCode?: string;
  durationMs: number;
  upstreamMs?: number;
}

export interface AuditSink {
  recordDecision(event: DecisionEvent): Promise<void>;
  recordOutcome(event: OutcomeEvent): Promise<void>;
}
