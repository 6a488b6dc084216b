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
