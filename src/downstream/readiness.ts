import type { ServerResponse } from 'node:http';
import type { AuditHealth } from '../audit/index.ts';
import type { Gateway } from '../gateway/index.ts';

/**
 * Health for load balancers and orchestrators, served without a token (balancers carry none), so
 * both say only what a balancer needs: never an upstream's name, a tool or a principal.
 * - `GET /livez`: the process answers (200 while it runs, draining or not). Restart it when this fails.
 * - `GET /readyz`: send it calls (200) or not (503): 503 while the audit trail cannot be written
 *   (fail closed: no audit, no calls) and from the moment a SIGTERM starts the drain. It reports
 *   the policy revision and the replica id, so an operator sees that every replica runs the same
 *   policy set.
 * An open circuit breaker does not make the gateway unready (its other upstreams still serve):
 * `/readyz` counts open and half-open circuits, never names them (the log and the metrics do).
 */
export const READINESS_PATH = '/readyz';
export const LIVENESS_PATH = '/livez';

export interface HealthSources {
  audit: () => AuditHealth;
  /** The policy set's revision (SHA-256 over the loaded files or bundle). */
  policyRevision: () => string;
  /** `audit.replica_id` (PostgreSQL backend); a SQLite gateway is a replica of one and has none. */
  replicaId?: string;
}

interface Readiness {
  ready: boolean;
  audit: 'ok' | 'unavailable';
  draining: boolean;
  upstreams: { connected: number; total: number; circuits: { open: number; half_open: number } };
  policy_revision: string;
  replica_id?: string;
}

/**
 * Upstreams count but do not decide readiness: every replica shares them, so a down upstream is
 * down on every replica and refusing calls here would only move them to replicas that fail alike.
 * They are "known" once the start-up discovery is done, which is before the edge listens.
 */
export function readiness(gateway: Gateway, sources: HealthSources, draining: boolean): Readiness {
  const upstreams = gateway.upstreams.all();
  const auditOk = sources.audit().ok;
  return {
    ready: auditOk && !draining,
    audit: auditOk ? 'ok' : 'unavailable',
    draining,
    upstreams: {
      connected: upstreams.filter((u) => u.state === 'ready').length,
      total: upstreams.length,
      circuits: { open: upstreams.filter((u) => u.breaker === 'open').length, half_open: upstreams.filter((u) => u.breaker === 'half_open').length },
    },
    policy_revision: sources.policyRevision(),
    ...(sources.replicaId === undefined ? {} : { replica_id: sources.replicaId }),
  };
}

export function sendReadiness(res: ServerResponse, state: Readiness): void {
  res.writeHead(state.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(state));
}

export function sendLiveness(res: ServerResponse, draining: boolean): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ live: true, draining }));
}
