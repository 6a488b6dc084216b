import type { ApprovalsConfig } from '../approvals/index.ts';
import type { ApprovalStore, AuditSink, AuthnFailureEvent, TaskStore } from '../audit/index.ts';
import type { Authenticator } from '../auth/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { Composite } from '../composites/index.ts';
import type { PinStatus } from '../integrity/index.ts';
import type { Limits } from '../limits/index.ts';
import type { Logger } from '../log.ts';
import type { PolicyEngine } from '../policy/index.ts';
import type { UpstreamSet } from '../upstreams/index.ts';
import type { RequestStateSealer } from './continuation.ts';
import type { InFlight } from './in-flight.ts';
import type { PendingInputs } from './pending-input.ts';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** Everything the stages use, injected: tests pass small real implementations. */
export interface PipelineDeps {
  authenticator: Authenticator;
  policy: PolicyEngine;
  audit: AuditSink;
  catalog: Catalog;
  upstreams: UpstreamSet;
  clock: Clock;
  log: Logger;
  inFlight: InFlight;
  /** Rate rules and concurrency caps (`limits`), per replica. */
  limits: Limits;
  pageSize: number;
  /** The gateway's own composite tools, by name (server COMPOSITE_SERVER in the catalog). */
  composites: ReadonlyMap<string, Composite>;
  /** `auth.required_scopes`: every principal must hold all of them (AUTH_INSUFFICIENT_SCOPE). */
  requiredScopes: readonly string[];
  /**
   * Pinned definitions (issue 15): the status of an upstream tool or prompt of the current catalog.
   * Absent (integrity off, or no pins store): every item is available and carries no digest.
   */
  integrity?: { status(kind: 'tool' | 'prompt', upstream: string, name: string): PinStatus | undefined };
  /**
   * Seals and opens the requestState of relayed input_required results, and how long one lives
   * (continuation.ts); the old-era upstream calls parked for a new-era caller's retry (pending-input.ts).
   */
  requestState: { sealer: RequestStateSealer; ttlMs: number; pending: PendingInputs };
  /**
   * Approvals a policy asks for (issue 15): how to ask, where operator-mode calls wait (the audit
   * store's table; without it mode operator is APPROVAL_UNAVAILABLE), and the audit's redaction
   * of what the approver is shown. Absent: every approval asked for is APPROVAL_UNAVAILABLE.
   */
  approvals?: { config: ApprovalsConfig; store?: ApprovalStore; redact(args: unknown): unknown };
  /**
   * Who started which upstream task (the tasks extension, SEP-2663): the audit store's table, so
   * every replica reads it. Absent: tasks are not offered (an upstream task is refused).
   */
  tasks?: TaskStore;
  /** Where refused authentications are counted (the audit store aggregates them per source). */
  authFailures?: { recordAuthnFailure(event: AuthnFailureEvent): void };
}
