import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { ErrorCode, McpError, type Progress, type Result } from '@modelcontextprotocol/sdk/types.js';
import { WardenError } from '../errors.ts';
import type { SessionInfo } from '../pipeline/context.ts';
import { isForwardMethod, isListMethod } from '../pipeline/methods.ts';
import type { Gateway } from './gateway.ts';
import { dispatchForward, dispatchList, type DispatchRequest, progressTokenOf, requestParams } from './dispatch.ts';
import { MODERN_VERSIONS } from './era.ts';
import { toJsonRpcError } from './jsonrpc-errors.ts';

/**
 * A new-era (2026-07-28) request over HTTP, handled on `node:http` directly: no session, no SDK
 * transport, no web streams. The body is already parsed and classified (era.ts); this runs the
 * same pipeline as an old-era session (dispatch.ts), then writes one JSON answer, or an SSE
 * stream when the caller asked for progress and some arrived. This is the gateway's main
 * production path, and per call the SDK's generic HTTP server machinery cost more than the whole
 * security pipeline (see bench/http.bench.ts and the README's Performance section).
 */
export interface ModernRequest {
  id: string | number;
  method: string;
  params: unknown;
  protocolVersion: string;
  token: string | undefined;
  remoteAddr: string;
}

/** Methods of the old era that 2026-07-28 removed: answered "method not found" in the new era. */
const OLD_ERA_ONLY = new Set(['initialize', 'resources/subscribe', 'resources/unsubscribe', 'logging/setLevel']);

/** What the gateway offers in the new era (no subscriptions yet: subscriptions/listen is not relayed). */
const CAPABILITIES = { tools: {}, resources: {}, prompts: {}, completions: {} };

/**
 * Lists and reads are filtered or authorized per caller, so a shared cache must never serve one
 * caller's answer to another (`private`), and the gateway is not told of upstream list changes
 * in time to promise freshness (`ttlMs: 0`).
 */
const PER_CALLER = { ttlMs: 0, cacheScope: 'private' } as const;

export async function serveModernRequest(gateway: Gateway, request: ModernRequest, res: ServerResponse): Promise<void> {
  const abort = new AbortController();
  // The client closing the request's stream is the new era's cancellation.
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.once('close', onClose);
  const stream = new ResponseStream(res);
  const session: SessionInfo = {
    id: randomUUID(),
    transport: 'http',
    remoteAddr: request.remoteAddr,
    protocolVersion: request.protocolVersion,
    channel: {
      request: (method) => {
        // A server->client request has no channel to a 2026-07-28 client; the input_required relay
        // that would carry it is not built yet. The upstream gets a clear refusal.
        throw new McpError(ErrorCode.InvalidRequest, `mcp-warden cannot relay ${method} to a 2026-07-28 client (input_required relay not supported)`);
      },
    },
  };
  let message: Record<string, unknown>;
  try {
    const params = requestParams(request.params);
    const progressToken = progressTokenOf(params);
    const dispatch: DispatchRequest = {
      params,
      session,
      requestId: request.id,
      token: request.token,
      signal: abort.signal,
      ...(progressToken === undefined
        ? {}
        : { progress: async (p: Progress) => stream.event({ jsonrpc: '2.0', method: 'notifications/progress', params: { ...p, progressToken } }) }),
    };
    message = { jsonrpc: '2.0', id: request.id, result: await answer(gateway, request.method, dispatch) };
  } catch (error) {
    const { code, message: text, data } = toJsonRpcError(error);
    message = { jsonrpc: '2.0', id: request.id, error: { code, message: text, ...(data === undefined ? {} : { data }) } };
  } finally {
    res.off('close', onClose);
  }
  stream.end(message);
}

async function answer(gateway: Gateway, method: string, request: DispatchRequest): Promise<Result> {
  if (method === 'server/discover') {
    return {
      resultType: 'complete',
      supportedVersions: [...MODERN_VERSIONS],
      capabilities: CAPABILITIES,
      // The gateway's capabilities are fixed for its life and the same for every caller.
      ttlMs: 60_000,
      cacheScope: 'public',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-warden', version: gateway.version } },
    };
  }
  if (method === 'ping') return { resultType: 'complete' };
  if (isListMethod(method)) return { ...(await dispatchList(gateway.pipeline, method, request)), resultType: 'complete', ...PER_CALLER };
  if (isForwardMethod(method) && !OLD_ERA_ONLY.has(method)) {
    const result = await dispatchForward(gateway.pipeline, method, request);
    if (method === 'resources/read') return { ...result, resultType: 'complete', ...PER_CALLER };
    // Old-era upstream results carry no resultType; the caller's era requires one.
    return result.resultType === undefined ? { ...result, resultType: 'complete' } : result;
  }
  throw new WardenError('METHOD_NOT_FOUND', `Method not found: ${method}`);
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
    this.#res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }
}
