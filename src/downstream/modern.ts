import { randomUUID } from 'node:crypto';
import { CLIENT_CAPABILITIES_META_KEY, LOG_LEVEL_META_KEY, type Progress, type Result } from '@modelcontextprotocol/client';
import { LoggingLevelSchema } from '@modelcontextprotocol/core';
import { answersFormElicitation } from '../approvals/index.ts';
import { WardenError } from '../errors.ts';
import { copyWith } from '../own.ts';
import type { TraceCarrier } from '../metrics/index.ts';
import { isForwardMethod, isListMethod, isTaskMethod, OLD_ERA_ONLY_METHODS, SERVER_REQUESTS } from '../mcp-methods.ts';
import type { SessionInfo } from '../pipeline/index.ts';
import { dispatchForward, dispatchList, type DispatchRequest, progressTokenOf, requestParams } from './dispatch.ts';
import { MODERN_VERSIONS } from './era.ts';
import type { Gateway } from '../gateway/index.ts';
import { toJsonRpcError } from '../jsonrpc-errors.ts';
import { MAX_TIMER_MS } from '../timer-ms.ts';

/**
 * One new-era (2026-07-28) request, whatever carries it (modern-http.ts, modern-stdio.ts): no
 * session, so its SessionInfo lives for this request only; the same pipeline as an old-era
 * session (dispatch.ts); the answer is the whole JSON-RPC response message.
 */
export interface ModernRequest {
  id: string | number;
  method: string;
  params: unknown;
  protocolVersion: string;
  token: string | undefined;
  transport: 'http' | 'stdio';
  remoteAddr?: string;
  /** W3C trace context from the HTTP headers (a `_meta` one is read by the pipeline). */
  trace?: TraceCarrier;
  signal: AbortSignal;
  /** Sends a notification to the caller while the request runs (progress). */
  notify(message: Record<string, unknown>): void;
}

/** Methods of the old era that 2026-07-28 removed: answered "method not found" in the new era. */
const OLD_ERA_ONLY = new Set<string>(OLD_ERA_ONLY_METHODS);

const RESOURCE_NOT_FOUND_OLD_ERA = -32002;

/** The caller's declared capabilities that the gateway relays to it as input_required (era.ts validated the envelope). */
const RELAYED = Object.values(SERVER_REQUESTS);

/** The tasks extension (SEP-2663): the gateway relays tasks when it can keep who owns each one (pipeline/tasks.ts). */
const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/**
 * What the upstream is told the caller supports: what the gateway relays of what it declared,
 * and the tasks extension only where the gateway offers tasks (else an upstream task could not
 * be tied to its owner).
 */
function relayCapabilities(params: unknown, offersTasks: boolean): Record<string, unknown> {
  const declared = metaOf(params)?.[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined;
  const relayed: Record<string, unknown> = {};
  for (const name of RELAYED) if (declared !== undefined && Object.hasOwn(declared, name)) relayed[name] = declared[name];
  const extensions = declared?.extensions as Record<string, unknown> | undefined;
  if (offersTasks && typeof extensions === 'object' && extensions !== null && Object.hasOwn(extensions, TASKS_EXTENSION)) relayed.extensions = { [TASKS_EXTENSION]: extensions[TASKS_EXTENSION] };
  return relayed;
}

/** What the gateway offers in the new era: list changes and resource updates come on subscriptions/listen (gateway/listeners.ts). */
const CAPABILITIES = { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true }, completions: {} };

/**
 * Lists and reads are filtered or authorized per caller, so a shared cache must never serve one
 * caller's answer to another (`private`), and the gateway is not told of upstream list changes
 * in time to promise freshness (`ttlMs: 0`).
 */
const PER_CALLER = { ttlMs: 0, cacheScope: 'private' } as const;

/** The request's `_meta`, when it is an object (era.ts has checked the envelope in it). */
function metaOf(params: unknown): Record<string, unknown> | undefined {
  const meta = typeof params === 'object' && params !== null ? (params as { _meta?: unknown })._meta : undefined;
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
}

export async function handleModernRequest(gateway: Gateway, request: ModernRequest): Promise<Record<string, unknown>> {
  const session: SessionInfo = {
    id: randomUUID(),
    transport: request.transport,
    ...(request.remoteAddr === undefined ? {} : { remoteAddr: request.remoteAddr }),
    protocolVersion: request.protocolVersion,
    // An upstream's input_required is relayed with the gateway's own sealed state, and an
    // approval is asked the same way (pipeline/continuation.ts).
    takesInputRequired: true,
    relayCapabilities: relayCapabilities(request.params, gateway.offersTasks),
    channel: {
      // The new era declares the client's capabilities in every request's envelope.
      canElicit: () => answersFormElicitation(metaOf(request.params)?.[CLIENT_CAPABILITIES_META_KEY]),
      request: (method) => {
        // An old-era upstream's own server->client request reaches a 2026-07-28 caller as an
        // input_required round (pipeline/pending-input.ts), through the in-flight call's own
        // channel. What still comes here has no such round: a composite's step (its caller gets
        // the composite's one result), or a request that input_required cannot answer.
        throw new WardenError('INPUT_UNAVAILABLE', `mcp-warden cannot ask a 2026-07-28 caller ${method} here: only a tools/call, prompts/get or resources/read of its own, not a composite's step, can answer input_required`);
      },
    },
  };
  gateway.sessions.modernInFlight++;
  try {
    const params = requestParams(request.params);
    const progressToken = progressTokenOf(params);
    // 2026-07-28 has no logging/setLevel: a request asks for its own log messages in its envelope.
    // Parsed only when present: a failing parse allocates its issues, on every call without a level.
    const requested = metaOf(request.params)?.[LOG_LEVEL_META_KEY];
    const level = requested === undefined ? undefined : LoggingLevelSchema.safeParse(requested);
    const dispatch: DispatchRequest = {
      params,
      session,
      requestId: request.id,
      token: request.token,
      signal: request.signal,
      ...(request.trace ? { trace: request.trace } : {}),
      ...(progressToken === undefined
        ? {}
        : { progress: async (p: Progress) => request.notify({ jsonrpc: '2.0', method: 'notifications/progress', params: copyWith(p, { progressToken }) }) }),
      ...(level?.success === true ? { logs: { level: level.data, send: async (message: Record<string, unknown>) => request.notify({ jsonrpc: '2.0', method: 'notifications/message', params: message }) } } : {}),
    };
    const result = request.method === 'subscriptions/listen' ? await listen(gateway, request, dispatch) : await answer(gateway, request.method, dispatch);
    return { jsonrpc: '2.0', id: request.id, result: gateway.identity.stamp(result) };
  } catch (error) {
    const { code, message, data } = toJsonRpcError(error);
    // 2026-07-28 (SEP-2164) answers an unknown resource with -32602 and the URI in data; the old era's -32002 stays for old-era callers.
    const spoken = code === RESOURCE_NOT_FOUND_OLD_ERA ? -32602 : code;
    return { jsonrpc: '2.0', id: request.id, error: { code: spoken, message, ...(data === undefined ? {} : { data }) } };
  } finally {
    gateway.sessions.modernInFlight--;
  }
}

/**
 * subscriptions/listen: authorized and recorded by the pipeline, then open until the caller goes
 * away (its abort) or the gateway closes, which ends it with the empty result the spec gives a
 * graceful end. What the stream hears is decided per caller (gateway/listeners.ts). A stream
 * outlives no token: when the one it was opened with expires, it ends with AUTH_TOKEN_EXPIRED
 * (the caller opens it again with a fresh token), as any request with that token would be refused.
 */
async function listen(gateway: Gateway, request: ModernRequest, dispatch: DispatchRequest): Promise<Result> {
  const listener = await gateway.pipeline.listen({ params: dispatch.params, session: dispatch.session, requestId: request.id, token: request.token, signal: request.signal });
  // A stream is held open like an old-era session, and counts against the same caps.
  const refused = gateway.limits.openSession(listener.principalKey);
  if (refused !== undefined) {
    listener.end(refused);
    throw refused;
  }
  const ended = new AbortController();
  const stream = { id: request.id, listener, send: request.notify, close: () => ended.abort() };
  let expiry: NodeJS.Timeout | undefined;
  let done = (): void => undefined;
  try {
    await gateway.sessions.openListen(stream);
    await new Promise<void>((resolve, reject) => {
      done = () => resolve();
      if (request.signal.aborted || ended.signal.aborted) return done();
      request.signal.addEventListener('abort', done, { once: true });
      ended.signal.addEventListener('abort', done, { once: true });
      const expireLater = () => {
        const left = listener.expiresInMs();
        if (left === undefined) return;
        if (left <= 0) return reject(new WardenError('AUTH_TOKEN_EXPIRED', 'the token this listen stream was opened with has expired: listen again with a fresh token'));
        // Past setTimeout's 24.8-day range a timer fires at once: wait in steps.
        expiry = setTimeout(expireLater, Math.min(left, MAX_TIMER_MS));
        expiry.unref();
      };
      expireLater();
    });
    listener.end();
  } catch (error) {
    listener.end(error);
    throw error;
  } finally {
    clearTimeout(expiry);
    // The request's signal is its connection's (connection-cancellation.ts), which outlives the stream.
    request.signal.removeEventListener('abort', done);
    gateway.sessions.closeListen(stream);
    gateway.limits.sessions.close(listener.principalKey);
  }
  return { resultType: 'complete', _meta: { 'io.modelcontextprotocol/subscriptionId': request.id } };
}

/**
 * The result copies below open with `resultType` rather than a spread: a literal that starts with
 * a spread made a hidden class per call on Node 20 (own.ts, copyWith). The spread keeps an upstream's
 * own `__proto__` key as data, and its own `resultType` where it sent one.
 */
async function answer(gateway: Gateway, method: string, request: DispatchRequest): Promise<Result> {
  if (method === 'server/discover') {
    return {
      resultType: 'complete',
      supportedVersions: [...MODERN_VERSIONS],
      capabilities: gateway.offersTasks ? { ...CAPABILITIES, extensions: { [TASKS_EXTENSION]: {} } } : CAPABILITIES,
      // The gateway's capabilities are fixed for its life and the same for every caller.
      ttlMs: 60_000,
      cacheScope: 'public',
    };
  }
  if (isTaskMethod(method) && gateway.offersTasks) {
    const result = await gateway.pipeline.task({ method, params: request.params, session: request.session, requestId: request.requestId, token: request.token, signal: request.signal, ...(request.trace ? { trace: request.trace } : {}) });
    return result.resultType === undefined ? { resultType: 'complete', ...result } : result;
  }
  if (isListMethod(method)) return { resultType: 'complete', ...(await dispatchList(gateway.pipeline, method, request)), ...PER_CALLER };
  if (isForwardMethod(method) && !OLD_ERA_ONLY.has(method)) {
    const result = await dispatchForward(gateway.pipeline, method, request);
    // A read that asks for input first (input_required, an upstream's or the gateway's) is no read result yet.
    if (method === 'resources/read' && result.resultType !== 'input_required') return { resultType: 'complete', ...result, ...PER_CALLER };
    // Old-era upstream results carry no resultType; the caller's era requires one.
    return result.resultType === undefined ? { resultType: 'complete', ...result } : result;
  }
  throw new WardenError('METHOD_NOT_FOUND', `Method not found: ${method}`);
}
