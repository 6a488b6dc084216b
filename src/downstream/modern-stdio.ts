import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
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

  createInterface({ input, crlfDelay: Infinity }).on('line', (line) => {
    if (line.trim() === '') return;
    let body: unknown;
    try {
      body = JSON.parse(line);
    } catch {
      return refuse(null, -32700, 'Parse error: the line is not valid JSON', { code: 'REQUEST_INVALID' });
    }
    const classified = classifyMessage(body);
    if (classified.era === 'reject') return write({ jsonrpc: '2.0', id: classified.rejection.id, error: classified.rejection.error });
    if (classified.era === 'legacy') {
      const { id, method } = (body ?? {}) as { id?: unknown; method?: unknown };
      // Responses and old-era notifications have no one to answer; a request without an envelope does.
      if (typeof method !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) return;
      return refuse(id, -32602, 'Invalid params: every request on a 2026-07-28 connection carries the per-request _meta envelope', { code: 'REQUEST_INVALID' });
    }
    if (classified.kind === 'notification') {
      const params = classified.message.params as { requestId?: unknown } | undefined;
      if (classified.message.method === 'notifications/cancelled' && (typeof params?.requestId === 'string' || typeof params?.requestId === 'number')) {
        inFlight.get(params.requestId)?.abort();
      }
      return;
    }
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
