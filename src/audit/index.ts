export { auditConfigSchema, type AuditConfig } from './config.ts';
export { openAuditStore, type AuditStoreOptions } from './store.ts';
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
export { openDecisionReader, type DecisionReader, type RecordedDecision } from './decision-reader.ts';
