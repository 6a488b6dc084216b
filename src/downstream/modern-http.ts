import type { ServerResponse } from 'node:http';
import type { Gateway } from '../gateway/index.ts';
import { handleModernRequest, type ModernRequest } from './modern.ts';
import { copyWith } from '../own.ts';
import { connectionCancellation } from './connection-cancellation.ts';

/**
 * A new-era (2026-07-28) request over HTTP, handled on `node:http` directly: no session, no SDK
 * transport, no web streams. The body is already parsed and classified (era.ts); modern.ts runs
 * it; this writes one JSON answer, or an SSE stream when the caller asked for progress and some
 * arrived. This is the gateway's main production path, and per call the SDK's generic HTTP
 * server machinery cost more than the whole security pipeline (bench/http.bench.ts, README).
 */
export async function serveModernRequest(gateway: Gateway, request: Omit<ModernRequest, 'transport' | 'signal' | 'notify'>, res: ServerResponse): Promise<void> {
  const cancellation = connectionCancellation(res.socket);
  const stream = new ResponseStream(res);
  try {
    const modern = copyWith(request, { transport: 'http' as const, signal: cancellation.begin(), notify: (message: Record<string, unknown>) => stream.event(message) });
    stream.end(await handleModernRequest(gateway, modern));
  } finally {
    cancellation.answered();
  }
}

/**
 * The HTTP status of a new-era error answer that is not streamed (MCP 2026-07-28, Streamable
 * HTTP): a method the revision does not have (or removed, like `ping`) is 404, a request that
 * needs a client capability its envelope did not declare is 400. Every other answer, errors
 * included, is 200 with the JSON-RPC error in the body.
 */
const ERROR_STATUS = new Map<number, number>([
  [-32601, 404],
  [-32021, 400],
]);

function statusOf(message: Record<string, unknown>): number {
  const code = (message.error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? (ERROR_STATUS.get(code) ?? 200) : 200;
}

/**
 * One answer: plain JSON unless an event (progress) was sent first, in which case the answer is
 * an SSE stream whose last event is the response.
 */
class ResponseStream {
  readonly #res: ServerResponse;
  #streaming = false;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  event(message: Record<string, unknown>): void {
    if (this.#res.destroyed) return;
    if (!this.#streaming) {
      this.#streaming = true;
      this.#res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    }
    this.#res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  end(message: Record<string, unknown>): void {
    if (this.#res.destroyed) return;
    if (this.#streaming) return void this.#res.end(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    const body = JSON.stringify(message);
    this.#res.writeHead(statusOf(message), { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }
}
