export { auditConfigSchema, type AuditConfig } from './config.ts';
export { openAuditStore, type AuditStoreOptions } from './sqlite/store.ts';
export { openConfiguredAuditStore, openConfiguredSessionState } from './open.ts';
export type { SessionStateStore } from './session-state.ts';
export type {
  AuditHealth,
  AuditPrincipal,
  AuditSink,
  AuditStore,
  AuthnFailureEvent,
  DecisionEvent,
  LifecycleEvent,
  Outcome,
  OutcomeEvent,
  ShadowDisagreementEvent,
} from './sink.ts';
export { openDecisionSource } from './decision-source.ts';
export type { DecisionSource, RecordedDecision } from './recorded-decision.ts';
export { canonicalJson, chainKey, sha256Hex, type ChainKey, type EventRow } from './chain.ts';
export type { DecisionRecord, StatsRow } from './decisions.ts';
export { createEventEncoder } from './events.ts';
export { openPins, type AuditTarget } from './open-pins.ts';
export { POSTGRES_URL, connect, describeUrl, type PostgresSettings } from './postgres/connection.ts';
export { copyFromSqlite } from './postgres/copy-from-sqlite.ts';
export { closeIncomplete } from './postgres/incomplete.ts';
export { checkPostgresSchema, loadPostgresMigrations, migratePostgres } from './postgres/migrations.ts';
export { prunePostgres, type ReplicaPruneResult } from './postgres/prune.ts';
export { decisionStatsPg, eventsAfterPg, iterateEventsPg, lastEventsPg, queryDecisionsPg, tailCursor, type TailCursor } from './postgres/query.ts';
export { verifyPostgres, type PostgresVerifyReport } from './postgres/verify.ts';
export { createRedactor } from './redact.ts';
export { memorySessionState, type SessionState } from './session-state.ts';
export type { PinRecord, PinStore, ToolPinEvent } from './sink.ts';
export { openReaderDatabase, openWriterDatabase } from './sqlite/database.ts';
export { checkSchema, loadMigrations } from './sqlite/migrations.ts';
export { pruneBefore, type PruneResult } from './sqlite/prune.ts';
export { decisionStats, eventsAfter, iterateEvents, lastEvents, queryDecisions } from './sqlite/query.ts';
export { verifyChain, type VerifyReport } from './sqlite/verify.ts';
