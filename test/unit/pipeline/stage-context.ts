/**
 * The contexts a stage receives, as the runner would hand them over: a request of an old-era
 * HTTP session, the tool `db__query` (original `query` of upstream `db`) it addresses.
 */
import type { Principal } from '../../../src/auth/principal.ts';
import type { NamedEntry } from '../../../src/catalog/types.ts';
import type { CallRequest, Resolved, SessionInfo } from '../../../src/pipeline/context.ts';

export const session: SessionInfo = {
  id: 'session-1',
  transport: 'http',
  remoteAddr: '127.0.0.1',
  protocolVersion: '2025-11-25',
  channel: { request: () => Promise.reject(new Error('no client requests in these tests')) },
};

export function callRequest(token: string | undefined, args: Record<string, unknown> = { sql: 'select 1' }): CallRequest {
  return { method: 'tools/call', params: { name: 'db__query', arguments: args }, session, requestId: 7, token, signal: new AbortController().signal };
}

const query: NamedEntry = { publicName: 'db__query', upstream: 'db', originalName: 'query', item: { name: 'query', inputSchema: { type: 'object' } }, notes: [] };

/** What resolve makes of callRequest for `principal`. */
export function resolved(principal: Principal | undefined, args: Record<string, unknown>): Resolved {
  const request = callRequest(undefined, args);
  return { ...request, principal, startedAt: 0, target: { kind: 'tool', entry: query }, upstream: 'db', upstreamParams: { name: 'query', arguments: args } };
}
