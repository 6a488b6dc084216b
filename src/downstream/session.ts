import { createHash, randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isInitializeRequest,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCRequest,
  type LoggingLevel,
  type Progress,
  type RequestId,
  type Result,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { answersFormElicitation } from '../approvals/index.ts';
import type { SessionState } from '../audit/index.ts';
import { WardenError } from '../errors.ts';
import { copyWith } from '../own.ts';
import { isForwardMethod, isListMethod, SESSION_STATE_METHODS } from '../mcp-methods.ts';
import type { SessionInfo } from '../pipeline/index.ts';
import { passthroughResult } from '../upstreams/index.ts';
import { dispatchForward, dispatchList, progressTokenOf, requestParams, traceOf } from './dispatch.ts';
import type { Gateway, SessionHandle } from '../gateway/index.ts';
import { toJsonRpcError } from '../jsonrpc-errors.ts';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface SessionOptions {
  transport: 'stdio' | 'http';
  remoteAddr?: string;
  /** The seam for authentication: where this transport finds the caller's bearer token. */
  tokenOf(extra: Extra): string | undefined;
  /**
   * An HTTP session any replica may continue (shared-sessions.ts): its id, under which its mutable
   * state is kept in `gateway.sessionState`, and, when this replica takes it over, what it resumes.
   */
  shared?: { id: string; resumed?: { protocolVersion: string; state: SessionState } };
}


/**
 * One SDK Server per client session. Every method goes through one dispatcher (the Server's
 * fallback handler) rather than the SDK's typed handlers, whose result schemas would drop fields
 * the upstream sent. Ids are per session: two clients may use the same JSON-RPC id and never
 * see each other's responses, progress or cancellations.
 */
export function createSession(gateway: Gateway, options: SessionOptions): { server: Server; handle: SessionHandle; connect(transport: Transport): Promise<void> } {
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
  const resumed = options.shared?.resumed;
  // A shared session keeps one id in audit rows on every replica: a digest of its sealed id (the
  // id itself is the client's bearer secret and never stored).
  const id = options.shared ? createHash('sha256').update(options.shared.id).digest('hex').slice(0, 32) : randomUUID();
  const handle: SessionHandle = { id, server, subscriptions: new Set(resumed?.state.subscriptions), receivesLogs: resumed?.state.receivesLogs ?? false };
  const info: SessionInfo = {
    id: handle.id,
    transport: options.transport,
    // Until initialize says otherwise (it is the first request of every old-era session).
    protocolVersion: resumed?.protocolVersion ?? LATEST_PROTOCOL_VERSION,
    ...(options.remoteAddr === undefined ? {} : { remoteAddr: options.remoteAddr }),
    channel: {
      request: (method, params, relatedRequestId, signal, timeoutMs) =>
        server.request({ method, ...(params === undefined ? {} : { params }) } as ServerRequest, passthroughResult, {
          relatedRequestId,
          signal,
          ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
        }),
      canElicit: () => answersFormElicitation(server.getClientCapabilities()),
    },
    authenticated: (principal) => gateway.sessions.views.authenticated(handle, principal),
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
      // A session taken over may have listed on the replica it comes from: it has lists to refresh.
      if (isListMethod(request.method) || resumed !== undefined) gateway.sessions.views.listing(handle, { session: info, requestId: extra.requestId });
      const result = await dispatch(gateway, info, handle, request, extra, options.tokenOf(extra));
      if (isListMethod(request.method)) gateway.sessions.views.shown(handle);
      if (options.shared && STATEFUL_METHODS.has(request.method)) await saveState(gateway, options.shared.id, handle);
      return result;
    } catch (error) {
      throw toJsonRpcError(error);
    } finally {
      extra.signal.removeEventListener('abort', cancelled);
    }
  };
  server.onclose = () => gateway.sessions.remove(handle);
  gateway.sessions.add(handle);
  // The SDK negotiates the version inside initialize and keeps it to itself; the rule is the
  // spec's (the client's version when supported, else the newest), applied to the same message.
  const connect = async (transport: Transport): Promise<void> => {
    await server.connect(transport);
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      // The method first: the schema check of any other message is a failing zod parse, whose
      // issues are allocated for nothing (~3% of what a stdio call allocated, 2026-12-07).
      if ('method' in message && message.method === 'initialize' && isInitializeRequest(message)) {
        const requested = message.params.protocolVersion;
        info.protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
      }
      deliver?.(message, extra);
    };
  };
  return { server, handle, connect };
}

/** The methods that change what the shared session state holds. */
const STATEFUL_METHODS = new Set<string>(SESSION_STATE_METHODS);

/**
 * Written before the answer, so the client's next request finds it on any replica. The upstream
 * already acted: a failed write is logged, not turned into a failed call.
 */
async function saveState(gateway: Gateway, id: string, handle: SessionHandle): Promise<void> {
  await gateway.sessionState
    .save(id, { subscriptions: [...handle.subscriptions], receivesLogs: handle.receivesLogs })
    .catch((error: unknown) => gateway.log.warn({ err: error }, 'saving the session state failed: another replica taking the session over would not see this change'));
}

async function dispatch(gateway: Gateway, info: SessionInfo, handle: SessionHandle, request: JSONRPCRequest, extra: Extra, token: string | undefined): Promise<Result> {
  const params = requestParams(request.params);
  const progressToken = progressTokenOf(params);
  const common = {
    params,
    session: info,
    requestId: extra.requestId,
    token,
    signal: extra.signal,
    ...traceOf(extra.requestInfo?.headers),
    ...(progressToken === undefined
      ? {}
      : { progress: (p: Progress) => extra.sendNotification({ method: 'notifications/progress', params: copyWith(p, { progressToken }) }) }),
    ...(handle.logLevel === undefined ? {} : { logs: { level: handle.logLevel, send: (message: Record<string, unknown>) => extra.sendNotification({ method: 'notifications/message', params: message } as ServerNotification) } }),
  };
  if (isListMethod(request.method)) return dispatchList(gateway.pipeline, request.method, common);
  if (request.method === 'resources/unsubscribe' && typeof params.uri === 'string') {
    // Upstream subscriptions are shared by all sessions (gateway/sessions.ts).
    if (!gateway.sessions.release(handle, params.uri)) return {};
  }
  if (isForwardMethod(request.method)) {
    const result = await dispatchForward(gateway.pipeline, request.method, common);
    if (request.method === 'resources/subscribe') gateway.sessions.hold(handle, params.uri as string);
    return gateway.identity.replace(result);
  }
  if (request.method === 'logging/setLevel') {
    await gateway.pipeline.setLevel({ params, session: info, requestId: extra.requestId, token, signal: extra.signal });
    handle.receivesLogs = true;
    handle.logLevel = params.level as LoggingLevel;
    return {};
  }
  throw new WardenError('METHOD_NOT_FOUND', `Method not found: ${request.method}`);
}
