import { randomBytes } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpError, type Notification, type Result } from '@modelcontextprotocol/sdk/types.js';
import { createRedactor, memorySessionState, type ApprovalStore, type AuditSink, type AuthnFailureEvent, type LifecycleEvent, type PinStore, type SessionStateStore } from '../audit/index.ts';
import { IntegrityGuard } from '../integrity/index.ts';
import type { Authenticator } from '../auth/index.ts';
import { Catalog, compositeToolItems, type CatalogList, type UpstreamListing } from '../catalog/index.ts';
import type { Composite } from '../composites/index.ts';
import type { ResolvedConfig } from '../config/index.ts';
import { WardenError } from '../errors.ts';
import { Limits, upstreamLimits, type LimitEvents } from '../limits/index.ts';
import type { Logger } from '../log.ts';
import { metrics, setScrapeSources } from '../metrics/index.ts';
import { createPipeline, InFlight, type Clock, type Pipeline, type PipelineDeps } from '../pipeline/index.ts';
import type { PolicyEngine } from '../policy/index.ts';
import { UpstreamSet, type ServerRequest } from '../upstreams/index.ts';
import { toJsonRpcError } from '../jsonrpc-errors.ts';
import { Listeners, type ListenStream } from './listeners.ts';
import { sealerFor } from '../seal.ts';
import { SessionViews } from './session-views.ts';


/** The limits' refusals and breaker changes, counted in `/metrics` (rule scope, never a rule's or principal's name). */
const METERED_LIMIT_EVENTS: LimitEvents = {
  rateLimited: () => metrics.limitRefused('rate', 'rule'),
  concurrencyLimited: (scope) => metrics.limitRefused('concurrency', scope),
  queued: () => undefined,
  sessionLimited: (scope) => metrics.limitRefused('sessions', scope),
  resultTooLarge: () => metrics.limitRefused('result_size', 'upstream'),
  breaker: (upstream, state) => metrics.circuitTransition(upstream, state),
};

export interface GatewayDeps {
  authenticator: Authenticator;
  policy: PolicyEngine;
  audit: AuditSink;
  /** The audit store's aggregator of refused authentications (optional in tests). */
  authFailures?: { recordAuthnFailure(event: AuthnFailureEvent): void };
  log: Logger;
  clock?: Clock;
  version: string;
  /** The gateway's own composite tools (loaded from config by the caller: loading may import modules). */
  composites?: readonly Composite[];
  /** Where old-era sessions keep what may change (shared by the replicas on PostgreSQL); in memory by default. */
  sessionState?: SessionStateStore;
  /**
   * Where pinned definitions live and their rows go (the audit store; issue 15). Without it
   * nothing is pinned, whatever `integrity.mode` says (tests, embedders without a store).
   */
  integrity?: { pins: PinStore; recordLifecycle(event: LifecycleEvent): Promise<void> };
  /** Where calls wait for an operator's approval (the audit store's table; approvals.mode operator). */
  approvals?: ApprovalStore;
  /** Where rate, concurrency, session, result-size and breaker events go (metrics); none by default. */
  limitEvents?: LimitEvents;
}

/** A config reload's part in the gateway, prepared (gateway.prepareReload). */
export interface GatewayReload {
  upstreams: { added: readonly string[]; changed: readonly string[]; removed: readonly string[] };
  /**
   * `applied`: the config now running (the reload's, with the sections that wait for a restart as
   * they were). Throws CONFIG_INVALID, changing nothing, if a listing that arrived since the
   * prepare makes the new catalog invalid (then call abandon).
   */
  commit(applied: ResolvedConfig): void;
  abandon(): Promise<void>;
}

/** A live downstream session as the gateway sees it. */
export interface SessionHandle {
  id: string;
  server: Server;
  /** URIs this session subscribed to (resources/updated goes only to subscribers). */
  subscriptions: Set<string>;
  /**
   * Whether this session receives upstream log messages: only after its own logging/setLevel was
   * authorized. Upstream log lines are not tied to a caller, so sending them to every session
   * would leak one tenant's activity to another.
   */
  receivesLogs: boolean;
}

/**
 * The composition root: catalog + upstreams + pipeline + the set of live client sessions.
 * Upstream events land here and fan out to sessions: list_changed to those whose view changed, logging with the
 * upstream named, resources/updated to subscribers, server->client requests to the session whose
 * call caused them.
 */
export class Gateway {
  #config: ResolvedConfig;
  readonly catalog: Catalog;
  readonly upstreams: UpstreamSet;
  readonly pipeline: Pipeline;
  readonly inFlight = new InFlight();
  readonly limits: Limits;
  readonly sessions = new Set<SessionHandle>();
  /** New-era requests being answered: each is a session of one request (sessions open, era modern). */
  modernInFlight = 0;
  /** New-era callers' open subscriptions/listen streams. */
  readonly listeners: Listeners;
  /** What each old-era session's client was last shown or told of its lists (who hears a list_changed). */
  readonly sessionViews: SessionViews<SessionHandle>;
  readonly log: Logger;
  readonly version: string;
  readonly sessionState: SessionStateStore;
  readonly integrity: IntegrityGuard | undefined;
  #started = false;
  #startError: WardenError | undefined;
  /** The pipeline's composites and page size: a config reload replaces them (reconfigure). */
  readonly #composites: Map<string, Composite>;
  readonly #pipelineDeps: PipelineDeps;

  constructor(config: ResolvedConfig, deps: GatewayDeps) {
    this.#config = config;
    this.log = deps.log;
    this.version = deps.version;
    this.sessionState = deps.sessionState ?? memorySessionState();
    this.listeners = new Listeners(deps.log.child({ component: 'listen' }));
    const composites = deps.composites ?? [];
    this.integrity =
      deps.integrity === undefined || config.integrity.mode === 'off'
        ? undefined
        : new IntegrityGuard({
            config: config.integrity, pins: deps.integrity.pins, audit: deps.integrity, log: deps.log.child({ component: 'integrity' }),
            onChange: (lists) => this.#announce(lists),
          });
    this.catalog = new Catalog(config.upstreams.map((u) => u.name), config.namespacing, compositeToolItems(composites));
    this.limits = new Limits(config.limits, (upstream) => upstreamLimits(config.limits, upstream).max_concurrent, deps.limitEvents ?? METERED_LIMIT_EVENTS);
    this.upstreams = new UpstreamSet(config, {
      log: deps.log,
      clientInfo: { name: 'mcp-warden', version: deps.version },
      events: {
        onListing: (upstream, listing, reason) => {
          this.#listing(upstream, listing);
          if (reason === 'connected') this.#resubscribe(upstream);
        },
        onNotification: (upstream, notification) => this.#notification(upstream, notification),
        onServerRequest: (upstream, request, signal) => this.#serverRequest(upstream, request, signal),
        onResultTooLarge: (upstream) => this.limits.events.resultTooLarge(upstream),
        onBreaker: (upstream, state) => this.limits.events.breaker(upstream, state),
      },
    });
    this.#composites = new Map(composites.map((c) => [c.name, c]));
    this.#pipelineDeps = {
      authenticator: deps.authenticator,
      policy: deps.policy,
      audit: deps.audit,
      catalog: this.catalog,
      upstreams: this.upstreams,
      clock: deps.clock ?? { now: Date.now },
      log: deps.log,
      inFlight: this.inFlight,
      limits: this.limits,
      pageSize: config.namespacing.page_size,
      composites: this.#composites,
      requiredScopes: config.auth.required_scopes,
      // Sealed under server.session_key, so any replica takes the retry; without one, a random key for this process's life.
      requestState: { sealer: sealerFor('request-state', config.server.session_key ?? randomBytes(32).toString('hex')), ttlMs: config.server.request_state_ttl_ms },
      ...(deps.authFailures ? { authFailures: deps.authFailures } : {}),
      ...(this.integrity ? { integrity: this.integrity } : {}),
      // The approver sees the arguments exactly as the audit trail keeps them (redacted).
      approvals: { config: config.approvals, redact: createRedactor(config.audit.redact).redactArguments, ...(deps.approvals ? { store: deps.approvals } : {}) },
    };
    this.pipeline = createPipeline(this.#pipelineDeps);
    this.sessionViews = new SessionViews(this.pipeline, this.#pipelineDeps.clock, deps.log.child({ component: 'list-changed' }));
    this.#scrapeSources(deps.policy);
  }

  /** The config running now: the start config, then what each config reload applied. */
  get config(): ResolvedConfig {
    return this.#config;
  }

  /**
   * A config reload's upstreams, namespacing and composites, built completely before anything
   * changes: new and changed upstreams connected (or down and retrying, as at start), the new
   * catalog built and checked. Throws CONFIG_INVALID (the new connections closed again) when the
   * catalog would be invalid. `commit` then swaps it all in at once and announces list_changed;
   * calls in flight finish on the connection and composite they started with.
   */
  async prepareReload(next: ResolvedConfig, composites: readonly Composite[]): Promise<GatewayReload> {
    const upstreams = await this.upstreams.prepare(next);
    const build = () => this.catalog.prepare(next.upstreams.map((u) => u.name), next.namespacing, compositeToolItems(composites), upstreams.listings());
    try {
      build();
    } catch (error) {
      await upstreams.abandon();
      throw error;
    }
    const { added, changed, removed } = upstreams;
    return {
      upstreams: { added, changed, removed },
      abandon: () => upstreams.abandon(),
      commit: (applied) => {
        // Built again on the listings of this moment: one may have changed since (a list_changed).
        const catalog = build();
        upstreams.commit();
        catalog.commit();
        this.#composites.clear();
        for (const composite of composites) this.#composites.set(composite.name, composite);
        this.#pipelineDeps.pageSize = next.namespacing.page_size;
        this.#config = applied;
        for (const [upstream, listing] of upstreams.listings()) {
          if (listing === undefined) continue;
          this.integrity?.observe(upstream, listing);
          this.#resubscribe(upstream);
        }
        this.#announce(catalog.changed);
      },
    };
  }

  /** What `/metrics` reads at scrape time: nothing of it is kept up to date on the call path. */
  #scrapeSources(policy: PolicyEngine): void {
    setScrapeSources({
      upstreams: () => this.upstreams.all().map((c) => ({ name: c.spec.name, state: c.state })),
      sessions: () => [
        { era: 'legacy', open: this.sessions.size },
        { era: 'modern', open: this.modernInFlight },
      ],
      policyRevision: () => policy.revision,
      circuits: () => this.upstreams.all().map((c) => ({ upstream: c.spec.name, state: c.breaker })),
    });
  }

  /**
   * Connects every upstream; those that are down keep retrying in the background. Throws
   * CONFIG_INVALID when the initial catalog is invalid (a collision under strategy `none`).
   */
  async start(): Promise<{ connected: string[]; down: string[] }> {
    // The pins are known before the first listing is judged, and the first listings' pins are
    // stored before anything is served.
    await this.integrity?.load();
    const result = await this.upstreams.start();
    this.#started = true;
    if (this.#startError) throw this.#startError;
    await this.integrity?.settled();
    this.integrity?.startPolling();
    if (result.down.length > 0) this.log.warn({ down: result.down }, 'starting degraded: some upstreams are not connected');
    return result;
  }

  /** Every URI some client wants updates for: old-era sessions' subscriptions and listen streams' resourceSubscriptions. */
  #held(): Set<string> {
    const uris = new Set([...this.sessions].flatMap((s) => [...s.subscriptions]));
    for (const uri of this.listeners.resourceSubscriptions()) uris.add(uri);
    return uris;
  }

  /** Sends resources/subscribe or resources/unsubscribe for `uri` to the upstream that owns it (a cleanup or renewal the client cannot ask for itself). */
  #upstreamSubscription(method: 'resources/subscribe' | 'resources/unsubscribe', uri: string, why: string): void {
    const owner = this.catalog.findResource(uri);
    const connection = owner && this.upstreams.get(owner.upstream);
    if (connection?.state !== 'ready' || connection.era === 'modern') return;
    void connection
      .request(method, { uri }, { signal: new AbortController().signal })
      .catch((error: unknown) => this.log.warn({ upstream: connection.spec.name, uri, err: error }, `${why} failed`));
  }

  /**
   * A new-era caller's listen stream starts hearing events. The URIs it named that it may read and
   * no one held yet are subscribed upstream (old-era upstreams send updates only for those).
   */
  async openListen(stream: ListenStream): Promise<void> {
    const held = this.#held();
    await this.listeners.add(stream);
    for (const uri of stream.listener.filter.resourceSubscriptions ?? []) {
      if (!held.has(uri) && (await stream.listener.mayRead(uri))) this.#upstreamSubscription('resources/subscribe', uri, 'subscribing for a listen stream');
    }
  }

  closeListen(stream: ListenStream): void {
    this.listeners.remove(stream);
    const held = this.#held();
    for (const uri of stream.listener.filter.resourceSubscriptions ?? []) {
      if (!held.has(uri)) this.#upstreamSubscription('resources/unsubscribe', uri, 'unsubscribing an ended listen stream');
    }
  }

  /** A reconnected upstream is a new session upstream: renew what our clients subscribed to there. */
  #resubscribe(upstream: string): void {
    const connection = this.upstreams.get(upstream);
    const uris = this.#held();
    for (const uri of uris) {
      if (!connection || this.catalog.findResource(uri)?.upstream !== upstream) continue;
      void connection
        .request('resources/subscribe', { uri }, { signal: new AbortController().signal })
        .catch((error: unknown) => this.log.warn({ upstream, uri, err: error }, 'renewing a subscription failed'));
    }
  }

  /**
   * A session taken over from another replica brings its subscriptions: this replica's upstream
   * connections must hold them too (upstream subscriptions are per connection, shared by sessions).
   */
  adoptSubscriptions(handle: SessionHandle): void {
    for (const uri of handle.subscriptions) {
      if ([...this.sessions].some((s) => s !== handle && s.subscriptions.has(uri))) continue;
      const owner = this.catalog.findResource(uri);
      const connection = owner && this.upstreams.get(owner.upstream);
      if (connection?.state !== 'ready') continue;
      void connection
        .request('resources/subscribe', { uri }, { signal: new AbortController().signal })
        .catch((error: unknown) => this.log.warn({ upstream: connection.spec.name, uri, err: error }, 'subscribing for a session taken over failed'));
    }
  }

  /**
   * Forgets a session; subscriptions only it held are cancelled upstream (a cleanup the caller
   * can no longer ask for, so it is not a request of its own: no decision row).
   */
  closeSession(handle: SessionHandle): void {
    this.sessions.delete(handle);
    this.sessionViews.forget(handle);
    const held = this.#held();
    for (const uri of handle.subscriptions) {
      if (!held.has(uri)) this.#upstreamSubscription('resources/unsubscribe', uri, 'unsubscribing a closed session');
    }
  }

  async close(): Promise<void> {
    this.listeners.closeAll();
    this.integrity?.stop();
    await this.integrity?.settled();
    await Promise.all([...this.sessions].map((s) => s.server.close().catch(() => undefined)));
    await this.upstreams.close();
  }

  #listing(upstream: string, listing: UpstreamListing): void {
    let changed: CatalogList[];
    try {
      changed = this.catalog.setListing(upstream, listing);
    } catch (error) {
      if (!this.#started && error instanceof WardenError) this.#startError = error;
      this.log.error({ upstream, err: { message: (error as Error).message } }, 'upstream listing rejected; keeping the previous catalog');
      return;
    }
    this.integrity?.observe(upstream, listing);
    for (const omission of this.catalog.snapshot.omissions.filter((o) => o.upstream === upstream)) {
      this.log.warn({ ...omission }, 'catalog conflict');
    }
    this.#announce(changed);
  }

  /**
   * notifications/<list>/list_changed, for the lists whose content changed, to the old-era
   * sessions and listen streams whose caller's own view of that list changed.
   */
  #announce(changed: readonly CatalogList[]): void {
    if (changed.length === 0) return;
    this.listeners.listsChanged(changed);
    for (const session of this.sessions) {
      const server = session.server;
      this.sessionViews.listsChanged(session, changed, (list) => {
        const sent = list === 'tools' ? server.sendToolListChanged() : list === 'resources' ? server.sendResourceListChanged() : server.sendPromptListChanged();
        void sent.catch(() => undefined);
      });
    }
  }

  #notification(upstream: string, notification: Notification): void {
    const params = (notification.params ?? {}) as Record<string, unknown>;
    if (notification.method === 'notifications/message') {
      const logger = typeof params.logger === 'string' ? `${upstream}/${params.logger}` : upstream;
      for (const session of this.sessions) {
        if (!session.receivesLogs) continue;
        void session.server.notification({ method: notification.method, params: { ...params, logger } }).catch(() => undefined);
      }
    } else if (notification.method === 'notifications/resources/updated') {
      for (const session of this.sessions) {
        if (session.subscriptions.has(params.uri as string)) void session.server.notification(notification).catch(() => undefined);
      }
      if (typeof params.uri === 'string') this.listeners.resourceUpdated(params.uri, params);
    } else {
      this.log.debug({ upstream, method: notification.method }, 'upstream notification not relayed');
    }
  }

  /** Decided, audited and relayed by the pipeline; a refusal goes back to the upstream as a JSON-RPC error. */
  async #serverRequest(upstream: string, request: ServerRequest, signal: AbortSignal): Promise<Result> {
    try {
      return await this.pipeline.serverRequest({ upstream, method: request.method, params: request.params, signal });
    } catch (error) {
      // The client's own JSON-RPC error (McpError) goes back unchanged; ours are mapped.
      throw error instanceof McpError ? error : toJsonRpcError(error);
    }
  }
}
