export { auditConfigSchema } from './config.ts';
export { openAuditStore } from './sqlite/store.ts';
export { openConfiguredAuditStore, openConfiguredConsoleReader, openConfiguredSessionState } from './open.ts';
export type { SessionStateStore } from './session-state.ts';
export type { AuditHealth, AuditSink, AuditStore, AuthnFailureEvent, DecisionEvent, LifecycleEvent, Outcome, ShadowDisagreementEvent } from './sink.ts';
export { openDecisionSource } from './decision-source.ts';
export type { RecordedDecision } from './recorded-decision.ts';
export { canonicalJson, chainKey, EVENT_KINDS, sha256Hex, type ChainKey, type EventRow } from './chain.ts';
export type { DecisionRecord, StatsRow } from './decisions.ts';
export { openPins } from './open-pins.ts';
export { describeUrl } from './postgres/connection.ts';
export type { PruneResult } from './sqlite/prune.ts';
export type { ReplicaPruneResult } from './postgres/prune.ts';
export type { VerifyReport } from './sqlite/verify.ts';
export type { PostgresVerifyReport } from './postgres/verify.ts';
export { memorySessionState, type SessionState } from './session-state.ts';
export type { PinRecord, PinStore, ToolPinEvent } from './sink.ts';
// The reader API: what the CLI (and later the console) reads and maintains, on either backend.
export { auditTargetAt, configuredAuditTarget, type AuditTarget } from './target.ts';
export { openAuditReader, type AuditReader } from './reader.ts';
export { closeIncompleteCalls, migrateToPostgres, pruneAudit } from './maintenance.ts';
// Signed checkpoints (issue 15): what `warden audit verify --checkpoints` reads and matches.
export { loadPublicKey, readCheckpoints, type Checkpoint } from './checkpoints/statement.ts';
export { matchCheckpoints, type CheckpointVerdict } from './checkpoints/match.ts';
export type { ShownRecord } from './shown.ts';
export type { ShownEvent } from './sink.ts';
export { rotateChainKey, type RotationResult } from './key-rotation.ts';
// Approvals bound to the exact call (issue 15): the table calls wait in, and what their decision row keeps.
export type { ApprovalBinding, ApprovalRecord, ApprovalStatus, ApprovalStore, PendingApproval } from './approvals.ts';
export type { ApprovalRecordOfCall } from './sink.ts';
export { taskOwner, type TaskRecord, type TaskStore } from './tasks.ts';
export { createRedactor } from './redact.ts';
// The console's reads (src/console/): keyset pages, one decision with its workflow and chain place, the Overview.
export type { ConsoleReader, DecisionDetail, Overview, Series } from './console-reader.ts';
export { openConsoleReader } from './sqlite/console-reader.ts';
export type { DecisionFilter } from './decisions.ts';
