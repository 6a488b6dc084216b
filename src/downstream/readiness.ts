import type { ServerResponse } from 'node:http';
import type { AuditHealth } from '../audit/sink.ts';
import type { Gateway } from './gateway.ts';

/**
 * `GET /readyz` for orchestrators and the on-call engineer: 200 when calls can be served, 503 when
 * they would all be refused because the audit trail cannot be written (fail closed means no audit,
 * no calls). Served without a token, so it says only what a load balancer needs: the audit state,
 * how many upstreams are connected, and how many circuit breakers are open or probing (the log and
 * the metrics name them), never their names or tools. An open circuit does not make the gateway
 * unready: its other upstreams still serve.
 */
export const READINESS_PATH = '/readyz';

export interface Readiness {
  ready: boolean;
  audit: 'ok' | 'unavailable';
  upstreams: { connected: number; total: number; circuits: { open: number; half_open: number } };
}

export function readiness(gateway: Gateway, auditHealth: () => AuditHealth): Readiness {
  const upstreams = gateway.upstreams.all();
  const auditOk = auditHealth().ok;
  return {
    ready: auditOk,
    audit: auditOk ? 'ok' : 'unavailable',
    upstreams: {
      connected: upstreams.filter((u) => u.state === 'ready').length,
      total: upstreams.length,
      circuits: { open: upstreams.filter((u) => u.breaker === 'open').length, half_open: upstreams.filter((u) => u.breaker === 'half_open').length },
    },
  };
}

export function sendReadiness(res: ServerResponse, state: Readiness): void {
  res.writeHead(state.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(state));
}
