import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CLIENT_CAPABILITIES_META_KEY, Client, LOG_LEVEL_META_KEY, type ClientContext, type JSONRPCRequest, type McpSubscription, type Notification, type Progress, type Result, SdkError, SdkErrorCode, type ServerCapabilities, type Transport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import type { UpstreamListing } from '../catalog/index.ts';
import type { UpstreamSpec } from '../config/index.ts';
import { WardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { copyWith } from '../own.ts';
import { metrics, type TraceCarrier } from '../metrics/index.ts';
import { SERVER_REQUEST_METHODS } from '../mcp-methods.ts';
import { upstreamCallError } from './call-errors.ts';
import { type BreakerState, CircuitBreaker } from './circuit-breaker.ts';
import { fetchListing } from './list-fetch.ts';
import type { Dropped } from './result-cap.ts';
import { DirectRequests } from './direct-requests.ts';
import { createClientTransport } from './transport.ts';

/** Results are relayed as they came: a loose schema keeps every field the SDK types do not know. */
export const passthroughResult = z.looseObject({});

export interface UpstreamEvents {
  /**
   * A fresh complete listing: `connected` after every (re)connect (a new session upstream: its
   * subscriptions are gone), `refreshed` after a list_changed.
   */
  onListing(upstream: string, listing: UpstreamListing, reason: 'connected' | 'refreshed'): void;
  /** Notifications other than list_changed/progress/cancelled (logging, resources/updated, ...). */
  onNotification(upstream: string, notification: Notification): void;
  /**
   * sampling/createMessage, elicitation/create, roots/list: relayed by the gateway. An old-era
   * upstream sends them as requests of its own; a new-era one embeds them in an `input_required`
   * result, which the Client fulfils through this same handler when the caller cannot take the
   * `input_required` itself (an old-era caller; see CallOptions.inputRequired).
   */
  onServerRequest(upstream: string, request: ServerRequest, signal: AbortSignal): Promise<Result>;
  /** An answer over max_result_bytes was dropped (already logged). */
  onResultTooLarge?(upstream: string): void;
  /** The upstream's circuit breaker changed state (already logged). */
  onBreaker?(upstream: string, state: BreakerState): void;
}

/** A server->client request as the gateway relays it. */
export interface ServerRequest {
  method: string;
  params?: Record<string, unknown> | undefined;
}

/** Which era an upstream is spoken to in (issue 11): found by `server/discover`, else `initialize`. */
export type UpstreamEra = 'modern' | 'legacy';

export interface ConnectionOptions {
  events: UpstreamEvents;
  log: Logger;
  clientInfo: { name: string; version: string };
  connectTimeoutMs: number;
  reconnect: { initialMs: number; maxMs: number };
  /** Injected for tests; defaults to Math.random (jitter). */
  random?: () => number;
  /** Injected for tests; defaults to Date.now (the circuit breaker's open time). */
  now?: () => number;
}

interface CallOptions {
  signal: AbortSignal;
  onprogress?: (progress: Progress) => void;
  /** A shorter deadline than the upstream's own (a composite step's timeout). */
  timeoutMs?: number;
  /** W3C trace context sent in `_meta` (the MCP conventions' carrier; the HTTP transport also sends it as headers). */
  trace?: TraceCarrier;
  /**
   * A new-era upstream's `input_required` result is returned as it came (the caller relays it,
   * issue 11) instead of being fulfilled here through onServerRequest.
   */
  returnInputRequired?: boolean;
  /**
   * The client capabilities this call declares to a new-era upstream, in place of the gateway's
   * own: a 2026-07-28 caller's, so an upstream asks (input_required) only for what the caller can
   * answer. Ignored toward an old-era upstream, whose capabilities were fixed at `initialize`.
   */
  clientCapabilities?: Record<string, unknown>;
  /**
   * A new-era caller asked for this request's log messages from this level on: a new-era upstream
   * gets the level in the request's `_meta`; an old-era one, whose level is per connection (shared
   * by every caller), is sent `logging/setLevel` first when its level is another.
   */
  logLevel?: string;
}

/**
 * Exponential backoff with "equal jitter": between half and all of min(max, initial * 2^attempt),
 * so upstreams that fail together do not retry in lockstep.
 */
export function reconnectDelay(attempt: number, backoff: { initialMs: number; maxMs: number }, random: () => number): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
  return Math.round(base / 2 + (base / 2) * random());
}

/** The `_meta` key of a task handle's stand-in (#intercept). */
const TASK_HANDLE = 'mcp-warden/task-handle';

/** A failed list refresh is tried this many times in all (lists are idempotent; calls never retried). */
const LIST_ATTEMPTS = 3;

type ConnectionState = 'connecting' | 'ready' | 'waiting' | 'closed';

/**
 * One upstream: a real SDK Client, reconnected with exponential backoff and jitter whenever the
 * connection drops (a crashed stdio child is restarted the same way). The Client declares
 * sampling, elicitation and roots because the gateway relays them; servers hide tools that need
 * capabilities their client lacks (server-everything does).
 */
export class UpstreamConnection {
  readonly spec: UpstreamSpec;
  #state: ConnectionState = 'connecting';
  #client: Client | undefined;
  /** The requests this connection sends itself (direct-requests.ts). */
  #direct: DirectRequests | undefined;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> = Promise.resolve();
  /** A refresh is queued behind the one running and has not started yet (refresh()). */
  #refreshWaiting = false;
  readonly #progress = new Map<string, (progress: Progress) => void>();
  /** The last level sent to an old-era upstream (logging/setLevel holds for its whole connection). */
  #level: string | undefined;
  /** What the upstream's listen stream asks for (watchResources). */
  #watched: ReadonlySet<string> = new Set();
  #listening: { client: Client; key: string; subscription: McpSubscription } | undefined;
  #relisten: Promise<void> = Promise.resolve();
  /** Task handles the SDK would refuse, by the nonce of their stand-in, until #send takes them (#intercept). */
  readonly #taskHandles = new Map<string, Result>();
  #progressTokens = 0;
  readonly #options: ConnectionOptions;
  readonly #log: Logger;
  readonly #breaker: CircuitBreaker;
  #lastFailure: string | undefined;
  /** Set once an in-place `server/discover` probe ended the stdio child: connect with `initialize` only. */
  #legacyOnly = false;
  /** Requests sent and not yet answered: a retired connection closes once this reaches 0. */
  #pending = 0;
  #idle: (() => void) | undefined;

  constructor(spec: UpstreamSpec, options: ConnectionOptions) {
    this.spec = spec;
    this.#options = options;
    this.#log = options.log.child({ upstream: spec.name });
    this.#breaker = new CircuitBreaker(spec.limits.breaker, options.now ?? Date.now, (state, why) => {
      if (state === 'open') this.#log.warn({ why, openMs: spec.limits.breaker.openMs }, 'circuit breaker open: calls fail fast');
      else this.#log.info({ why }, `circuit breaker ${state}`);
      options.events.onBreaker?.(spec.name, state);
    });
  }

  /** closed, open (calls fail fast) or half_open (one probe call in flight). */
  get breaker(): BreakerState {
    return this.#breaker.state;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * Why the last connection attempt failed, in a person's words (`connect ECONNREFUSED
   * 127.0.0.1:1`, `spawn x ENOENT`, a child that exited with its last stderr line); undefined
   * once connected.
   */
  get lastFailure(): string | undefined {
    return this.#lastFailure;
  }

  get capabilities(): ServerCapabilities | undefined {
    return this.#client?.getServerCapabilities();
  }

  /** The era this upstream is spoken to in; undefined until connected. */
  get era(): UpstreamEra | undefined {
    return this.#client?.getProtocolEra();
  }

  /** The MCP revision negotiated with this upstream (2026-07-28 for the new era); undefined until connected. */
  get protocolVersion(): string | undefined {
    return this.#client?.getNegotiatedProtocolVersion();
  }

  /** First connection attempt: resolves whether or not it worked (the gateway starts degraded). */
  async start(): Promise<boolean> {
    return this.#connect();
  }

  async request(method: string, params: Record<string, unknown> | undefined, options: CallOptions): Promise<Result> {
    this.#pending++;
    try {
      return await this.#admitted(method, params, options);
    } finally {
      if (--this.#pending === 0) this.#idle?.();
    }
  }

  async #admitted(method: string, params: Record<string, unknown> | undefined, options: CallOptions): Promise<Result> {
    const client = this.#client;
    if (this.#state !== 'ready' || client === undefined) {
      throw new WardenError('UPSTREAM_UNAVAILABLE', `Upstream "${this.spec.name}" is not connected`, { details: { upstream: this.spec.name } });
    }
    // 2026-07-28 has no resources/subscribe: a new-era upstream's updates come on the gateway's
    // listen stream, whose URIs the gateway keeps current (watchResources). The caller's request
    // was decided and recorded like any; there is nothing to send.
    if (client.getProtocolEra() === 'modern' && (method === 'resources/subscribe' || method === 'resources/unsubscribe')) return {};
    const admission = this.#breaker.admit();
    if ('reason' in admission) {
      throw new WardenError('UPSTREAM_UNAVAILABLE', `Upstream "${this.spec.name}" is unavailable: ${admission.reason}`, {
        details: { upstream: this.spec.name, reason: admission.reason, retryAfterMs: admission.retryAfterMs },
      });
    }
    try {
      const result = await this.#send(client, method, params, options);
      this.#breaker.success(admission);
      return result;
    } catch (error) {
      const code = error instanceof WardenError ? error.code : undefined;
      if (code === 'UPSTREAM_TIMEOUT' || code === 'UPSTREAM_UNAVAILABLE') this.#breaker.failure(admission, (error as Error).message);
      else if (code === 'UPSTREAM_CANCELLED') this.#breaker.neutral(admission);
      else this.#breaker.success(admission);
      throw error;
    }
  }

  async #send(client: Client, method: string, params: Record<string, unknown> | undefined, options: CallOptions): Promise<Result> {
    // What the gateway adds to the request's `_meta`, gathered first so the caller's params are copied once.
    let added: Record<string, unknown> | undefined;
    let token: string | undefined;
    if (options.onprogress) {
      token = `warden-${++this.#progressTokens}`;
      this.#progress.set(token, options.onprogress);
      (added ??= {}).progressToken = token;
    }
    if (options.trace) Object.assign((added ??= {}), options.trace);
    const modern = client.getProtocolEra() === 'modern';
    // The SDK lets a request's own `_meta` keys win over the envelope it adds.
    if (options.clientCapabilities !== undefined && modern) (added ??= {})[CLIENT_CAPABILITIES_META_KEY] = options.clientCapabilities;
    if (options.logLevel !== undefined) {
      if (modern) (added ??= {})[LOG_LEVEL_META_KEY] = options.logLevel;
      else if (client.getServerCapabilities()?.logging !== undefined && this.#level !== options.logLevel) await this.#send(client, 'logging/setLevel', { level: options.logLevel }, { signal: options.signal });
    }
    const sent = added === undefined ? params : withMeta(params, added);
    const timeoutMs = Math.min(options.timeoutMs ?? Infinity, this.spec.timeoutMs);
    // A request needs nothing of the SDK's request machinery (direct-requests.ts) except a new-era
    // upstream's input_required for an old-era caller, which the Client fulfils through the relay.
    const direct = this.#client === client && (client.getProtocolEra() === 'legacy' || options.returnInputRequired === true) ? this.#direct : undefined;
    // One way to give the upstream request up, for the caller's cancellation or our deadline. Not
    // AbortSignal.any([caller, deadline]): that costs ~16 µs per call on Node 20 (weak refs,
    // finalization), a tenth of the gateway's whole CPU per call, against ~2 µs for a listener we
    // remove ourselves (measured 2026-11-23).
    let giveUp: (reason: unknown) => void = () => undefined;
    let timedOut = false;
    const onCancel = (): void => giveUp(options.signal.reason);
    const timer = setTimeout(() => {
      timedOut = true;
      giveUp(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    options.signal.addEventListener('abort', onCancel, { once: true });
    const started = performance.now();
    try {
      if (options.signal.aborted) throw options.signal.reason;
      const result =
        direct?.handles(method) === true
          ? await direct.send(method, sent, (cancel) => (giveUp = cancel))
          : await this.#viaClient(client, method, sent, timeoutMs, options.returnInputRequired === true, (cancel) => (giveUp = cancel));
      metrics.upstreamCall(this.spec.name, true, (performance.now() - started) / 1000);
      if (method === 'logging/setLevel' && typeof params?.level === 'string') this.#level = params.level;
      return this.#taskHandle(result);
    } catch (error) {
      metrics.upstreamCall(this.spec.name, false, (performance.now() - started) / 1000);
      const why = options.signal.aborted ? 'cancelled' : timedOut ? 'timeout' : undefined;
      throw upstreamCallError(this.spec.name, error, why, timeoutMs);
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onCancel);
      if (token !== undefined) this.#progress.delete(token);
    }
  }

  /** A request through the SDK Client: an old-era caller's to a new-era upstream, a method outside the era's table. */
  #viaClient(client: Client, method: string, params: Record<string, unknown> | undefined, timeoutMs: number, allowInputRequired: boolean, onCancel: (cancel: (reason: unknown) => void) => void): Promise<Result> {
    const abort = new AbortController();
    onCancel((reason) => abort.abort(reason));
    return client.request({ method, ...(params === undefined ? {} : { params }) }, passthroughResult, {
      signal: abort.signal,
      // Our own deadline decides; the SDK's default 60 s must not fire first.
      timeout: timeoutMs + 60_000,
      ...(allowInputRequired ? { allowInputRequired: true } : {}),
    });
  }

  /**
   * Four things are taken off the transport before the SDK sees them:
   * - Progress, synchronously and in arrival order. The SDK defers notification handlers by a
   *   microtask but handles responses at once and then forgets the request's progress handler,
   *   so the last progress before a result would be dropped.
   * - Log messages, for the same reason: the gateway gives one to the call in flight that asked
   *   for it, which must still be in flight when the message is handled.
   * - A task handle (`resultType: "task"`, the tasks extension, SEP-2663): SDK v2 2.4 refuses any
   *   result type but complete and input_required (UNSUPPORTED_RESULT_TYPE). The handle is kept
   *   here and the SDK is given a complete stand-in that names it by a random nonce, which #send
   *   swaps back; an upstream cannot forge one (it would have to guess the nonce).
   * - The answers to requests sent directly (direct-requests.ts), which fail with the connection.
   */
  #intercept(transport: Transport, direct: DirectRequests): void {
    const deliver = transport.onmessage;
    const closed = transport.onclose;
    transport.onclose = () => {
      direct.closed();
      closed?.();
    };
    transport.onmessage = (message, extra) => {
      if (direct.take(message)) return;
      if ('method' in message && message.method === 'notifications/progress' && !('id' in message)) {
        const { progressToken, ...progress } = (message.params ?? {}) as Progress & { progressToken?: unknown };
        const handler = typeof progressToken === 'string' ? this.#progress.get(progressToken) : undefined;
        if (handler) return handler(progress as Progress);
      }
      if ('method' in message && message.method === 'notifications/message' && !('id' in message)) return this.#options.events.onNotification(this.spec.name, message as Notification);
      if ('result' in message && (message.result as { resultType?: unknown }).resultType === 'task') {
        const nonce = randomUUID();
        this.#taskHandles.set(nonce, message.result);
        return deliver?.({ ...message, result: { resultType: 'complete', content: [], _meta: { [TASK_HANDLE]: nonce } } }, extra);
      }
      deliver?.(message, extra);
    };
  }

  /** The task handle a stand-in result names (#intercept), or the result itself. */
  #taskHandle(result: Result): Result {
    const nonce = (result._meta as Record<string, unknown> | undefined)?.[TASK_HANDLE];
    const handle = typeof nonce === 'string' ? this.#taskHandles.get(nonce) : undefined;
    if (handle === undefined) return result;
    this.#taskHandles.delete(nonce as string);
    return handle;
  }

  /**
   * Refetches the whole listing (serialised, so two list_changed never race). Lists are the one
   * kind of request the gateway retries on its own (they change nothing upstream); a call is
   * never retried, since the upstream may have acted on it. A refresh waiting for its turn reads
   * the listing as it is when it starts, so it serves every list_changed that comes meanwhile:
   * 5,000 of them at once cost 5,000 full listings (and kept the gateway busy for seconds).
   */
  refresh(): Promise<void> {
    if (this.#refreshWaiting) return this.#refreshing;
    this.#refreshWaiting = true;
    this.#refreshing = this.#refreshing.then(async () => {
      this.#refreshWaiting = false;
      for (let attempt = 1; attempt <= LIST_ATTEMPTS; attempt++) {
        const client = this.#client;
        if (this.#state !== 'ready' || client === undefined) return;
        try {
          return this.#options.events.onListing(this.spec.name, await fetchListing(client, this.#options.connectTimeoutMs), 'refreshed');
        } catch (error) {
          this.#log.warn({ err: error, attempt }, attempt < LIST_ATTEMPTS ? 'refreshing the upstream listing failed; retrying' : 'refreshing the upstream listing failed');
          if (attempt < LIST_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt - 1, this.#options.reconnect, this.#options.random ?? Math.random)));
        }
      }
    });
    return this.#refreshing;
  }

  /**
   * A config reload removed or replaced this upstream: requests already sent finish on this
   * connection (the config they started with), then it closes. No new request reaches it, since
   * the set no longer hands it out.
   */
  async retire(): Promise<void> {
    if (this.#pending > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    await this.close();
  }

  /** Stops reconnecting and closes (stdio: stdin close, then SIGTERM, then SIGKILL, bounded). */
  async close(): Promise<void> {
    this.#state = 'closed';
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    this.#direct = undefined;
    await client?.close().catch((error: unknown) => this.#log.warn({ err: error }, 'closing the upstream failed'));
  }

  async #connect(): Promise<boolean> {
    if (this.#state === 'closed') return false;
    this.#state = 'connecting';
    const client = this.#createClient();
    let lastStderr: string | undefined;
    const transport = createClientTransport(this.spec, this.#log, (dropped) => this.#droppedAnswer(dropped), (line) => (lastStderr = line));
    let listing: UpstreamListing;
    let direct: DirectRequests | undefined;
    try {
      await client.connect(transport, { timeout: this.#options.connectTimeoutMs, ...(this.#legacyOnly ? { prior: { kind: 'legacy' as const } } : {}) });
      direct = DirectRequests.for(client, transport);
      this.#intercept(transport, direct);
      // close() may have run while we waited.
      if (this.state === 'closed') {
        await client.close();
        return false;
      }
      listing = await fetchListing(client, this.#options.connectTimeoutMs);
    } catch (error) {
      await client.close().catch(() => undefined);
      // A stdio child that exits on the `server/discover` probe (SDKs that end on any request
      // before `initialize`) is an old-era server: the next attempt skips the probe.
      if (this.spec.transport === 'stdio' && error instanceof SdkError && error.code === SdkErrorCode.EraNegotiationFailed) this.#legacyOnly = true;
      // A failed discovery probe wraps the transport's own error: that is the reason a person needs.
      const reason = error instanceof SdkError && error.code === SdkErrorCode.EraNegotiationFailed && error.cause instanceof Error ? error.cause : error;
      const message = (reason as Error)?.message ?? String(reason);
      // A stdio child that exits at once only shows as "Connection closed": what it last said is the reason.
      this.#lastFailure = lastStderr === undefined ? message : `${message} (the process said: ${lastStderr})`;
      this.#log.warn({ err: { message } }, 'upstream connection failed');
      this.#scheduleReconnect();
      return false;
    }
    this.#client = client;
    this.#direct = direct;
    this.#level = undefined;
    this.#state = 'ready';
    this.#attempt = 0;
    this.#lastFailure = undefined;
    client.onclose = () => this.#dropped(client);
    this.#log.info({ era: client.getProtocolEra(), protocolVersion: client.getNegotiatedProtocolVersion(), tools: listing.tools.length, resources: listing.resources.length, prompts: listing.prompts.length }, 'upstream connected');
    this.#options.events.onListing(this.spec.name, listing, 'connected');
    if (client.getProtocolEra() === 'modern') this.#listen(client);
    return true;
  }

  /**
   * The resource URIs of this upstream that some caller wants updates for (old-era sessions'
   * `resources/subscribe`, new-era callers' listen streams), kept current by the gateway as
   * callers come and go. A new-era upstream is asked for exactly these on its listen stream; an
   * old-era one gets `resources/subscribe` requests instead (the gateway sends them).
   */
  watchResources(uris: ReadonlySet<string>): void {
    if (uris.size === this.#watched.size && [...uris].every((uri) => this.#watched.has(uri))) return;
    this.#watched = new Set(uris);
    const client = this.#client;
    if (this.#state === 'ready' && client?.getProtocolEra() === 'modern') this.#listen(client);
  }

  /**
   * A new-era upstream tells of list changes and resource updates only on a
   * `subscriptions/listen` stream (MCP 2026-07-28): the gateway keeps one open for the lists the
   * upstream says change and the URIs it watches, and its notifications reach the same handlers
   * as an old-era upstream's. A stream's filter is fixed, so a changed set of URIs opens a new
   * stream and closes the old one once the new one is acknowledged (no update is missed between
   * the two; one may come twice, which only makes a caller read again). Serialised; the stream
   * ends with the connection.
   */
  #listen(client: Client): void {
    this.#relisten = this.#relisten.then(async () => {
      if (this.#client !== client) return;
      const capabilities = client.getServerCapabilities();
      const uris = capabilities?.resources?.subscribe === true ? [...this.#watched].sort() : [];
      const filter = {
        ...(capabilities?.tools?.listChanged === true ? { toolsListChanged: true } : {}),
        ...(capabilities?.prompts?.listChanged === true ? { promptsListChanged: true } : {}),
        ...(capabilities?.resources?.listChanged === true ? { resourcesListChanged: true } : {}),
        ...(uris.length > 0 ? { resourceSubscriptions: uris } : {}),
      };
      const key = JSON.stringify(filter);
      if (this.#listening?.client === client && this.#listening.key === key) return;
      const previous = this.#listening;
      this.#listening = undefined;
      if (Object.keys(filter).length > 0) {
        try {
          this.#listening = { client, key, subscription: await client.listen(filter) };
        } catch (error) {
          this.#log.warn({ err: { message: (error as Error).message } }, 'listening to the upstream failed: its lists refresh only on reconnect, and its resource updates are not heard');
        }
      }
      await previous?.subscription.close().catch(() => undefined);
    });
  }

  #droppedAnswer(dropped: Dropped): void {
    const { id } = dropped;
    if ('deeperThan' in dropped) {
      const what = `upstream message nested deeper than ${dropped.deeperThan} levels dropped`;
      return void this.#log.warn({ depth: dropped.deeperThan }, id === undefined ? `${what} (not an answer to a call)` : `${what}; the call fails`);
    }
    const { bytes } = dropped;
    const limit = this.spec.limits.maxResultBytes;
    if (id === undefined) this.#log.warn({ bytes, limit }, 'upstream message over max_result_bytes dropped (not an answer to a call)');
    else this.#log.warn({ bytes, limit }, 'upstream answer over max_result_bytes dropped; the call gets RESULT_TOO_LARGE');
    this.#options.events.onResultTooLarge?.(this.spec.name);
  }

  /**
   * The SDK v2 Client negotiates the era (issue 11): `server/discover` first, `initialize` when the
   * upstream gives a definitive old-era answer (a -32601, a stdio probe left unanswered). Legacy
   * SSE has no new era. The embedded requests of a new-era `input_required` are fulfilled through
   * the same relay as an old-era upstream's own server->client requests.
   */
  #createClient(): Client {
    const client = new Client(this.#options.clientInfo, {
      capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
      versionNegotiation: { mode: this.spec.transport === 'sse' ? 'legacy' : 'auto' },
    });
    const relay = (request: JSONRPCRequest | ServerRequest, ctx: ClientContext): Promise<Result> =>
      this.#options.events.onServerRequest(this.spec.name, { method: request.method, params: request.params as Record<string, unknown> | undefined }, ctx.mcpReq.signal);
    client.fallbackRequestHandler = relay;
    // The server->client requests a new-era upstream may embed in `input_required` (2026-07-28) are the same ones.
    for (const method of SERVER_REQUEST_METHODS) client.setRequestHandler(method, (request, ctx) => relay(request, ctx) as never);
    client.fallbackNotificationHandler = async (notification) => {
      if (notification.method.endsWith('/list_changed')) await this.refresh();
      else this.#options.events.onNotification(this.spec.name, notification);
    };
    client.onerror = (error) => this.#log.debug({ err: { message: error.message } }, 'upstream transport error');
    return client;
  }

  #dropped(client: Client): void {
    if (this.#client !== client || this.#state === 'closed') return;
    this.#client = undefined;
    this.#direct = undefined;
    this.#log.warn('upstream connection lost; reconnecting');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#state === 'closed') return;
    this.#state = 'waiting';
    const delay = reconnectDelay(this.#attempt, this.#options.reconnect, this.#options.random ?? Math.random);
    this.#attempt++;
    metrics.upstreamReconnect(this.spec.name);
    this.#log.info({ delayMs: delay, attempt: this.#attempt }, 'reconnect scheduled');
    this.#timer = setTimeout(() => void this.#connect(), delay);
    this.#timer.unref();
  }
}

/** The caller's params with `entries` added to their `_meta`; the caller's own keys stay data (own.ts). */
function withMeta(params: Record<string, unknown> | undefined, entries: Record<string, unknown>): Record<string, unknown> {
  return copyWith(params, { _meta: copyWith(params?._meta as Record<string, unknown> | undefined, entries) });
}
