import type { Readable, Writable } from 'node:stream';
import { eachLine } from '../each-line.ts';
import { classifyMessage } from './era.ts';
import type { Gateway } from '../gateway/index.ts';
import { handleModernRequest } from './modern.ts';

/**
 * A stdio connection whose client opened in the new era (2026-07-28): newline-delimited JSON-RPC,
 * every request stateless and carrying its own envelope, answered through modern.ts. No headers
 * on stdio, so only the body rules apply (era.ts classifyMessage). Cancellation is
 * notifications/cancelled naming the request id; a request reusing the id of one still in flight
 * is refused (its cancellation would be ambiguous).
 */
export function serveModernStdio(gateway: Gateway, token: string | undefined, input: Readable, output: Writable): void {
  const inFlight = new Map<string | number, AbortController>();
  const write = (message: Record<string, unknown>): void => void output.write(`${JSON.stringify(message)}\n`);
  const refuse = (id: string | number | null, code: number, message: string, data: Record<string, unknown>) => write({ jsonrpc: '2.0', id, error: { code, message, data } });

  eachLine(input, (line) => {
    if (line.trim() === '') return;
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch {
      return refuse(null, -32700, 'Parse error: the line is not valid JSON', { code: 'REQUEST_INVALID' });
    }
    // A cancellation is read before the era rules: the spec asks no envelope of notifications, and
    // a client's may carry none (the Python SDK's does not); it can only stop this connection's own request.
    const cancelled = cancelledRequestId(body);
    if (cancelled !== undefined) return void inFlight.get(cancelled)?.abort();
    const classified = classifyMessage(body);
    if (classified.era === 'reject') return write({ jsonrpc: '2.0', id: classified.rejection.id, error: classified.rejection.error });
    if (classified.era === 'legacy') {
      const { id, method } = (body ?? {}) as { id?: unknown; method?: unknown };
      // Responses and old-era notifications have no one to answer; a request without an envelope does.
      if (typeof method !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) return;
      return refuse(id, -32602, 'Invalid params: every request on a 2026-07-28 connection carries the per-request _meta envelope', { code: 'REQUEST_INVALID' });
    }
    // No other client notification asks anything of the gateway in this era.
    if (classified.kind === 'notification') return;
    const { id, method, params } = classified.message;
    if (inFlight.has(id)) return refuse(id, -32600, `Invalid request: id ${JSON.stringify(id)} is already in flight`, { code: 'REQUEST_INVALID' });
    const abort = new AbortController();
    inFlight.set(id, abort);
    void handleModernRequest(gateway, { id, method, params, protocolVersion: classified.protocolVersion, token, transport: 'stdio', signal: abort.signal, notify: write }).then((response) => {
      inFlight.delete(id);
      // A cancelled request gets no answer (the client has stopped waiting for it).
      if (!abort.signal.aborted) write(response);
    });
  });
}

/** The id a `notifications/cancelled` names, when `body` is one (a notification: no `id` of its own). */
function cancelledRequestId(body: unknown): string | number | undefined {
  if (typeof body !== 'object' || body === null || Object.hasOwn(body, 'id')) return undefined;
  const { method, params } = body as { method?: unknown; params?: unknown };
  if (method !== 'notifications/cancelled' || typeof params !== 'object' || params === null) return undefined;
  const { requestId } = params as { requestId?: unknown };
  return typeof requestId === 'string' || typeof requestId === 'number' ? requestId : undefined;
}
