export { auditConfigSchema, type AuditConfig } from './config.ts';
export { openAuditStore, type AuditStoreOptions } from './sqlite/store.ts';
export { openConfiguredAuditStore } from './open.ts';
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
