import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { JSONRPCRequest, RequestId, Result, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { WardenError } from '../errors.ts';
import type { ForwardMethod, SessionInfo } from '../pipeline/context.ts';
import type { ListMethod } from '../pipeline/pipeline.ts';
import { passthroughResult } from '../upstreams/connection.ts';
import type { Gateway, SessionHandle } from './gateway.ts';
import { toJsonRpcError } from './jsonrpc-errors.ts';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface SessionOptions {
  transport: 'stdio' | 'http';
  remoteAddr?: string;
  /** The seam for authentication: where this transport finds the caller's bearer token. */
  tokenOf(extra: Extra): string | undefined;
}

const FORWARDED = new Set<string>(['tools/call', 'prompts/get', 'resources/read', 'resources/subscribe', 'resources/unsubscribe', 'completion/complete']);
// A Map: the method is client input, and a plain object would answer `constructor` (issue 13, hole 2).
const LISTS = new Map<string, { kind: ListMethod; key: string }>([
  ['tools/list', { kind: 'tools/list', key: 'tools' }],
  ['prompts/list', { kind: 'prompts/list', key: 'prompts' }],
  ['resources/list', { kind: 'resources/list', key: 'resources' }],
  ['resources/templates/list', { kind: 'resources/templates/list', key: 'resourceTemplates' }],
]);
const paramsSchema = z.looseObject({ cursor: z.string().optional(), _meta: z.looseObject({}).optional() }).optional();

/**
 * One SDK Server per client session. Every method goes through one dispatcher (the Server's
 * fallback handler) rather than the SDK's typed handlers, whose result schemas would drop fields
 * the upstream sent. Ids are per session: two clients may use the same JSON-RPC id and never
 * see each other's responses, progress or cancellations.
 */
export function createSession(gateway: Gateway, options: SessionOptions): { server: Server; handle: SessionHandle } {
  const server = new Server(
    { name: 'mcp-warden', version: gateway.version },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
        logging: {},
      },
    },
  );
  const handle: SessionHandle = { id: randomUUID(), server, subscriptions: new Set(), receivesLogs: false };
  const info: SessionInfo = {
    id: handle.id,
    transport: options.transport,
    ...(options.remoteAddr === undefined ? {} : { remoteAddr: options.remoteAddr }),
    channel: {
      request: (method, params, relatedRequestId, signal) =>
        server.request({ method, ...(params === undefined ? {} : { params }) } as ServerRequest, passthroughResult, { relatedRequestId, signal }),
    },
  };

  // The SDK answers logging/setLevel itself when `logging` is declared; we relay it upstream instead.
  server.removeRequestHandler('logging/setLevel');
  // A cancelled request gets no response (MCP, Cancellation), so a Streamable HTTP transport
  // would keep its POST stream open for ever (issue 13, hole 8): close it when the caller cancels.
  const closeStream = (requestId: RequestId) => (server.transport as { closeSSEStream?(id: RequestId): void } | undefined)?.closeSSEStream?.(requestId);
  server.fallbackRequestHandler = async (request: JSONRPCRequest, extra: Extra): Promise<Result> => {
    const cancelled = () => closeStream(extra.requestId);
    extra.signal.addEventListener('abort', cancelled, { once: true });
    try {
      return await dispatch(gateway, info, handle, request, extra, options.tokenOf(extra));
    } catch (error) {
      throw toJsonRpcError(error);
    } finally {
      extra.signal.removeEventListener('abort', cancelled);
    }
  };
  server.onclose = () => gateway.closeSession(handle);
  gateway.sessions.add(handle);
  return { server, handle };
}

async function dispatch(gateway: Gateway, info: SessionInfo, handle: SessionHandle, request: JSONRPCRequest, extra: Extra, token: string | undefined): Promise<Result> {
  const parsed = paramsSchema.safeParse(request.params);
  if (!parsed.success) throw new WardenError('REQUEST_INVALID', 'params: expected an object', { details: { field: 'params' } });
  // The client's own object, not zod's copy: zod drops a `__proto__` key, and every key is data.
  const params = (request.params ?? {}) as Record<string, unknown>;
  const list = LISTS.get(request.method);
  if (list) {
    const page = await gateway.pipeline.list({ kind: list.kind, cursor: params.cursor as string | undefined, session: info, requestId: extra.requestId, token });
    return { [list.key]: page.items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
  }
  if (request.method === 'resources/unsubscribe' && typeof params.uri === 'string') {
    // Upstream subscriptions are shared by all sessions: only the last subscriber's unsubscribe
    // goes upstream, and a session cannot cancel a subscription it never made.
    const uri = params.uri;
    if (!handle.subscriptions.delete(uri) || [...gateway.sessions].some((s) => s.subscriptions.has(uri))) return {};
  }
  if (FORWARDED.has(request.method)) {
    const progressToken = (params._meta as { progressToken?: string | number } | undefined)?.progressToken;
    const result = await gateway.pipeline.call({
      method: request.method as ForwardMethod,
      params,
      session: info,
      requestId: extra.requestId,
      token,
      signal: extra.signal,
      ...(progressToken === undefined
        ? {}
        : { progress: (p) => extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken } }) }),
    });
    if (request.method === 'resources/subscribe') handle.subscriptions.add(params.uri as string);
    return result;
  }
  if (request.method === 'logging/setLevel') {
    await gateway.pipeline.setLevel({ params, session: info, requestId: extra.requestId, token, signal: extra.signal });
    handle.receivesLogs = true;
    return {};
  }
  throw new WardenError('METHOD_NOT_FOUND', `Method not found: ${request.method}`);
}
