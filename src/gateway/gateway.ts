import { randomBytes } from 'node:crypto';
import { createRedactor, memorySessionState, type ApprovalStore, type AuditSink, type AuthnFailureEvent, type LifecycleEvent, type PinStore, type SessionStateStore, type TaskStore } from '../audit/index.ts';
import { IntegrityGuard } from '../integrity/index.ts';
import type { Authenticator } from '../auth/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { Composite } from '../composites/index.ts';
import type { ResolvedConfig } from '../config/index.ts';
import { Limits, upstreamLimits, type LimitEvents } from '../limits/index.ts';
import type { Logger } from '../log.ts';
import { metrics, setScrapeSources } from '../metrics/index.ts';
import { createPipeline, InFlight, PendingInputs, type Clock, type Pipeline, type PipelineDeps } from '../pipeline/index.ts';
import type { PolicyEngine } from '../policy/index.ts';
import { sealerFor } from '../seal.ts';
import type { UpstreamSet } from '../upstreams/index.ts';
import { FanOut } from './fan-out.ts';
import { ServerIdentity } from './identity.ts';
import { Sessions } from './sessions.ts';
import { UpstreamCatalog } from './upstream-catalog.ts';


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
  /**
   * Who started which upstream task (the audit store's table; the tasks extension). Without it
   * the gateway does not offer tasks: no caller's task support reaches an upstream.
   */
  tasks?: TaskStore;
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

/**
 * The composition root: catalog + upstreams + limits + pipeline + the registry of live client
 * sessions (sessions.ts). Upstream events land here and fan out to the sessions (fan-out.ts).
 */
export class Gateway {
  #config: ResolvedConfig;
  readonly catalog: Catalog;
  readonly upstreams: UpstreamSet;
  readonly pipeline: Pipeline;
  readonly inFlight = new InFlight();
  /** Old-era upstream calls waiting, parked, for a new-era caller's retry (their questions went out as input_required). */
  readonly pendingInputs: PendingInputs;
  readonly limits: Limits;
  readonly sessions: Sessions;
  readonly log: Logger;
  readonly version: string;
  /** Who answers, in every result a caller gets (identity.ts). */
  readonly identity: ServerIdentity;
  readonly sessionState: SessionStateStore;
  readonly integrity: IntegrityGuard | undefined;
  /** Whether tasks are offered (a task store is there): only then may a caller's task support reach an upstream. */
  readonly offersTasks: boolean;
  readonly #built: UpstreamCatalog;
  /** The pipeline's composites and page size: a config reload replaces them (reconfigure). */
  readonly #composites: Map<string, Composite>;
  readonly #pipelineDeps: PipelineDeps;
  readonly #fanOut: FanOut;

  constructor(config: ResolvedConfig, deps: GatewayDeps) {
    this.#config = config;
    this.log = deps.log;
    this.version = deps.version;
    this.identity = new ServerIdentity(Object.freeze({ name: 'mcp-warden', version: deps.version }));
    this.sessionState = deps.sessionState ?? memorySessionState();
    const composites = deps.composites ?? [];
    this.integrity =
      deps.integrity === undefined || config.integrity.mode === 'off'
        ? undefined
        : new IntegrityGuard({
            config: config.integrity, pins: deps.integrity.pins, audit: deps.integrity, log: deps.log.child({ component: 'integrity' }),
            onChange: (lists) => this.#fanOut.announce(lists),
          });
    this.limits = new Limits(config.limits, (upstream) => upstreamLimits(config.limits, upstream).max_concurrent, deps.limitEvents ?? METERED_LIMIT_EVENTS);
    this.#built = new UpstreamCatalog(config, composites, {
      log: deps.log,
      clientInfo: this.identity.serverInfo,
      events: {
        onListing: (upstream, listing, changed, reason) => {
          if (changed) this.#fanOut.listing(upstream, listing, changed);
          if (reason === 'connected') this.sessions.resubscribe(upstream);
        },
        onNotification: (upstream, notification) => this.#fanOut.notification(upstream, notification),
        onServerRequest: (upstream, request, signal) => this.#fanOut.serverRequest(upstream, request, signal),
        onResultTooLarge: (upstream) => this.limits.events.resultTooLarge(upstream),
        onBreaker: (upstream, state) => this.limits.events.breaker(upstream, state),
      },
    });
    this.catalog = this.#built.catalog;
    this.upstreams = this.#built.upstreams;
    this.#composites = new Map(composites.map((c) => [c.name, c]));
    // A parked call's state can be brought back no longer than any requestState.
    this.pendingInputs = new PendingInputs({ max: config.server.pending_input_max, ttlMs: Math.min(config.server.pending_input_ttl_ms, config.server.request_state_ttl_ms) });
    this.offersTasks = deps.tasks !== undefined;
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
      requestState: { sealer: sealerFor('request-state', config.server.session_key ?? randomBytes(32).toString('hex')), ttlMs: config.server.request_state_ttl_ms, pending: this.pendingInputs },
      ...(deps.authFailures ? { authFailures: deps.authFailures } : {}),
      ...(deps.tasks ? { tasks: deps.tasks } : {}),
      ...(this.integrity ? { integrity: this.integrity } : {}),
      // The approver sees the arguments exactly as the audit trail keeps them (redacted).
      approvals: { config: config.approvals, redact: createRedactor(config.audit.redact).redactArguments, ...(deps.approvals ? { store: deps.approvals } : {}) },
    };
    this.pipeline = createPipeline(this.#pipelineDeps);
    this.sessions = new Sessions({ catalog: this.catalog, upstreams: this.upstreams, pipeline: this.pipeline, clock: this.#pipelineDeps.clock, log: deps.log });
    this.#fanOut = new FanOut({ catalog: this.catalog, sessions: this.sessions, pipeline: this.pipeline, inFlight: this.inFlight, integrity: this.integrity, log: deps.log });
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
    const build = () => this.#built.prepare(next, composites, upstreams.listings());
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
          this.sessions.resubscribe(upstream);
        }
        this.#fanOut.announce(catalog.changed);
      },
    };
  }

  /** What `/metrics` reads at scrape time: nothing of it is kept up to date on the call path. */
  #scrapeSources(policy: PolicyEngine): void {
    setScrapeSources({
      upstreams: () => this.upstreams.all().map((c) => ({ name: c.spec.name, state: c.state })),
      sessions: () => [
        { era: 'legacy', open: this.sessions.size },
        { era: 'modern', open: this.sessions.modernInFlight },
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
    const result = await this.#built.start();
    await this.integrity?.settled();
    this.integrity?.startPolling();
    if (result.down.length > 0) this.log.warn({ down: result.down }, 'starting degraded: some upstreams are not connected');
    return result;
  }

  async close(): Promise<void> {
    this.sessions.listeners.closeAll();
    this.pendingInputs.close();
    this.integrity?.stop();
    await this.integrity?.settled();
    await Promise.all([...this.sessions].map((s) => s.server.close().catch(() => undefined)));
    await this.upstreams.close();
  }
}
