import type { ApprovalBinding, ApprovalStore } from './approvals.ts';
import type { TaskStore } from './tasks.ts';

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
  /** The MCP revision the client spoke (its era); absent in rows written before issue 11. */
  protocolVersion?: string;
  /** The MCP revision the upstream was spoken to in (its era); absent when no upstream was reached or before issue 11. */
  upstreamProtocolVersion?: string;
  /** A retry after input_required: the decision id of the request it continues. */
  continues?: string;
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
  /** The policy input document decided on (its `arguments` are the field above); stored redacted. */
  input?: Record<string, unknown>;
  workflow?: { name: string; step: string };
  /** The policy allowed the call only with an approval (issue 15): how it was asked and answered. */
  approval?: ApprovalRecordOfCall;
}

/**
 * An approval as its call's decision row keeps it: what the policy asked for, how it was asked,
 * the answer, who gave it, and what it is bound to (the binding the approver saw).
 */
export interface ApprovalRecordOfCall {
  reason: string;
  mode: 'caller' | 'operator';
  /** `asked`: a new-era caller was handed the question as an input_required result; its retry is the answer (a row of its own). */
  result: 'approved' | 'asked' | 'declined' | 'cancelled' | 'timeout' | 'unavailable' | 'stale';
  /** Who approved or declined: `caller:<sub>` (the caller's user, through elicitation) or the operator (`token:<sub>`, `os:<user>`). */
  by?: string;
  binding: ApprovalBinding;
}

/**
 * `step_denied`: a composite tool stopped because the policy denied one of its steps (that step's row says why).
 * `approval_asked`: nothing was forwarded; a new-era caller was asked for an approval (input_required) and retries with the answer.
 * `input_asked`: an upstream's question (elicitation, sampling, roots) went to a new-era caller inside an input_required result; its answer comes with the retry, a decision of its own.
 */
export type Outcome = 'ok' | 'tool_error' | 'upstream_error' | 'timeout' | 'cancelled' | 'incomplete' | 'step_denied' | 'approval_asked' | 'input_asked';

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

/**
 * One answer to a list request (tools, prompts, resources, resource templates): what this caller
 * was shown, in the order shown. The store keeps the names once per distinct list (shown.ts).
 */
export interface ShownEvent {
  time: string;
  requestId: string;
  sessionId: string;
  protocolVersion?: string;
  principal?: AuditPrincipal;
  method: string;
  /** The page asked for (absent: the first) and the one offered next. */
  cursor?: string;
  nextCursor?: string;
  /** Tool and prompt public names, resource URIs, URI templates. */
  names: string[];
}

export interface AuditSink {
  recordDecision(event: DecisionEvent): Promise<void>;
  recordOutcome(event: OutcomeEvent): Promise<void>;
  /** Resolves once the row is committed: a list is answered only after it (fail closed). */
  recordShown(event: ShownEvent): Promise<void>;
}

/** Repeated authentication failures; the store aggregates them per source and reason. */
export interface AuthnFailureEvent {
  time: string;
  /** Where the attempt came from: remote address, or `stdio`. */
  source: string;
  /** The WardenError code (AUTH_TOKEN_EXPIRED, ...). */
  reason: string;
  /** The token's jti or hash when one could be read: never the token itself. */
  tokenId?: string;
}

/** `startup` and `shutdown` are written by the store itself, when it opens and closes. */
export type LifecycleEvent =
  | { kind: 'config_loaded'; time: string; file: string; sha256: string }
  | { kind: 'policy_reload'; time: string; revision: string; previousRevision?: string; ok: boolean; error?: string }
  /**
   * SIGHUP: the whole config file was read and validated again (the policy files are reloaded
   * too, recorded as policy_reload). `changed` names the sections that differ from the running
   * config: they take effect at the next start.
   */
  | { kind: 'config_reload'; time: string; file: string; ok: boolean; sha256?: string; changed?: string[]; restartNeeded?: string[]; error?: string }
  | ShadowDisagreementEvent
  | ToolPinEvent;

/**
 * A pinned tool or prompt definition changed state (issue 15): first seen, seen changed,
 * approved or revoked. `digest` is the definition seen now; `status` what it is after the event.
 */
export interface ToolPinEvent {
  kind: 'tool_pin';
  time: string;
  action: 'first_seen' | 'changed' | 'approved' | 'revoked';
  item: 'tool' | 'prompt';
  upstream: string;
  name: string;
  digest: string;
  /** The approved digest before this event, when there was one. */
  previousDigest?: string;
  status: 'approved' | 'unapproved';
  /** What screening found in the seen definition. */
  flags: string[];
  /** Who approved or revoked (an OS user or a token's sub), or who trusted it on first sight. */
  by?: string;
  note?: string;
}

/** The shadow policy set (policy.shadow) decided a request otherwise than the live set. */
export interface ShadowDisagreementEvent {
  kind: 'shadow_disagreement';
  time: string;
  /** The live decision's id: its decision row tells what was answered. */
  decisionId: string;
  requestId: string;
  sub?: string;
  method: string;
  publicName?: string;
  upstream?: string;
  live: 'allow' | 'deny';
  shadow: 'allow' | 'deny';
  shadowCode?: string;
  shadowReasons: string[];
  liveRevision: string;
  shadowRevision: string;
}

/** Whether the store can take writes right now: readiness reports this. */
export interface AuditHealth {
  ok: boolean;
  /** Why the last write failed, when ok is false. */
  reason?: string;
  /** When the last write failed (ISO). */
  since?: string;
}

/** One pinned definition as stored (migrations/sqlite/0005_tool_pins.sql says what each field is). */
export interface PinRecord {
  kind: 'tool' | 'prompt';
  upstream: string;
  name: string;
  seenDigest: string;
  seenDefinition: string;
  seenFlags: string[];
  seenAt: string;
  approvedDigest: string | null;
  approvedDefinition: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
}

export type PinKey = Pick<PinRecord, 'kind' | 'upstream' | 'name'>;

/** A definition the gateway saw; `approvedBy` set: trusted on first sight (only if no row exists yet). */
export interface SeenDefinition extends PinKey {
  digest: string;
  definition: string;
  flags: string[];
  at: string;
  approvedBy?: string;
}

/** What an operator last decided of a pin, without its definitions: what a poll compares. */
export type PinDecision = Pick<PinRecord, 'kind' | 'upstream' | 'name' | 'approvedDigest' | 'decidedAt'>;

/** The table of pinned definitions, shared by the gateway and `warden tools approve|revoke`. */
export interface PinStore {
  readPins(): Promise<PinRecord[]>;
  /** Moves whenever an approval or revocation is written, by anyone (a trigger): a poll reads the decisions only when it moved. */
  decisionsVersion(): Promise<number>;
  /** Every pin's last decision, without the definitions. */
  readDecisions(): Promise<PinDecision[]>;
  /** One pin as stored (the key must exist). */
  readPin(key: PinKey): Promise<PinRecord>;
  /** Inserts the pin, or updates only its seen definition; returns the row as stored (another replica may have been first). */
  recordSeen(seen: SeenDefinition): Promise<PinRecord>;
  /** Approves the seen definition if its digest is still `digest` (what the operator reviewed); false otherwise. */
  approvePin(key: PinKey, digest: string, by: string, at: string, note?: string): Promise<boolean>;
  /** Withdraws the approval; false when there is no such pin. */
  revokePin(key: PinKey, by: string, at: string, note?: string): Promise<boolean>;
}

/** What openAuditStore returns: the pipeline's sink plus everything else the gateway records. */
export interface AuditStore extends AuditSink {
  /** Pinned tool and prompt definitions (src/integrity/), in the same database. */
  pins: PinStore;
  /** Calls waiting for an operator's approval (approvals.mode operator), in the same database. */
  approvals: ApprovalStore;
  /** Who started which upstream task (the tasks extension), in the same database. */
  tasks: TaskStore;
  recordLifecycle(event: LifecycleEvent): Promise<void>;
  /** Never blocks or throws: a flood of failures is counted in memory and written per window. */
  recordAuthnFailure(event: AuthnFailureEvent): void;
  health(): AuditHealth;
  /** Writes pending aggregates and a `shutdown` event, then closes the database. */
  close(reason?: string): Promise<void>;
}
