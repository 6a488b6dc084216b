import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { LoggingLevel } from '@modelcontextprotocol/client';
import type { Catalog } from '../catalog/index.ts';
import type { Logger } from '../log.ts';
import type { Clock, Pipeline } from '../pipeline/index.ts';
import type { UpstreamSet } from '../upstreams/index.ts';
import { Listeners, type ListenStream } from './listeners.ts';
import { SessionViews } from './session-views.ts';

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
  /**
   * The level this session's logging/setLevel asked for, on this replica (a session taken over
   * from another has receivesLogs but no level here): its calls carry it to new-era upstreams,
   * which take a level per request only.
   */
  logLevel?: LoggingLevel;
}

/**
 * The registry of client sessions: the old-era sessions (one SDK Server each), the new-era
 * callers' listen streams, and the resource subscriptions they hold. An upstream subscription is
 * per connection and shared by every client that wants the URI: it is made while someone holds
 * it, renewed when its upstream reconnects, and cancelled when the last holder goes (a cleanup
 * the client cannot ask for itself, so not a request of its own: no decision row).
 */
export class Sessions implements Iterable<SessionHandle> {
  readonly #open = new Set<SessionHandle>();
  /** New-era requests being answered: each is a session of one request (sessions open, era modern). */
  modernInFlight = 0;
  /** New-era callers' open subscriptions/listen streams. */
  readonly listeners: Listeners;
  /** What each old-era session's client was last shown or told of its lists (who hears a list_changed). */
  readonly views: SessionViews<SessionHandle>;
  readonly #catalog: Catalog;
  readonly #upstreams: UpstreamSet;
  readonly #log: Logger;

  constructor(parts: { catalog: Catalog; upstreams: UpstreamSet; pipeline: Pick<Pipeline, 'views'>; clock: Clock; log: Logger }) {
    this.#catalog = parts.catalog;
    this.#upstreams = parts.upstreams;
    this.#log = parts.log;
    this.listeners = new Listeners(parts.log.child({ component: 'listen' }));
    this.views = new SessionViews(parts.pipeline, parts.clock, parts.log.child({ component: 'list-changed' }));
  }

  /** Old-era sessions open. */
  get size(): number {
    return this.#open.size;
  }

  [Symbol.iterator](): Iterator<SessionHandle> {
    return this.#open.values();
  }

  add(handle: SessionHandle): void {
    this.#open.add(handle);
  }

  /** Forgets a session; subscriptions only it held are cancelled upstream. */
  remove(handle: SessionHandle): void {
    this.#open.delete(handle);
    this.views.forget(handle);
    this.watch();
    const held = this.#held();
    for (const uri of handle.subscriptions) {
      if (!held.has(uri)) this.#upstreamSubscription('resources/unsubscribe', uri, 'unsubscribing a closed session');
    }
  }

  /**
   * A session's resources/unsubscribe: drops its subscription, and says whether it goes upstream.
   * Only the last subscriber's does, and a session cannot cancel a subscription it never made.
   */
  release(handle: SessionHandle, uri: string): boolean {
    // The last holder among old-era sessions and listen streams alike: a stream still named it.
    const last = handle.subscriptions.delete(uri) && !this.#held().has(uri);
    this.watch();
    return last;
  }

  /** A session's resources/subscribe went through: it holds the URI. */
  hold(handle: SessionHandle, uri: string): void {
    handle.subscriptions.add(uri);
    this.watch();
  }

  /**
   * Tells each upstream the URIs of its own that some client now holds. A new-era upstream asks
   * for exactly those on its listen stream (watchResources: 2026-07-28 has no resources/subscribe);
   * old-era upstreams get resources/subscribe and unsubscribe requests instead (below).
   */
  watch(): void {
    const held = [...this.#held()];
    for (const connection of this.#upstreams.all()) {
      connection.watchResources(new Set(held.filter((uri) => this.#catalog.findResource(uri)?.upstream === connection.spec.name)));
    }
  }

  /**
   * A session taken over from another replica brings its subscriptions: this replica's upstream
   * connections must hold them too (upstream subscriptions are per connection, shared by sessions).
   */
  adopt(handle: SessionHandle): void {
    this.watch();
    for (const uri of handle.subscriptions) {
      if ([...this.#open].some((s) => s !== handle && s.subscriptions.has(uri))) continue;
      const owner = this.#catalog.findResource(uri);
      const connection = owner && this.#upstreams.get(owner.upstream);
      if (connection?.state !== 'ready') continue;
      void connection
        .request('resources/subscribe', { uri }, { signal: new AbortController().signal })
        .catch((error: unknown) => this.#log.warn({ upstream: connection.spec.name, uri, err: error }, 'subscribing for a session taken over failed'));
    }
  }

  /**
   * A new-era caller's listen stream starts hearing events. The URIs it named that it may read and
   * no one held yet are subscribed upstream (old-era upstreams send updates only for those).
   */
  async openListen(stream: ListenStream): Promise<void> {
    const held = this.#held();
    await this.listeners.add(stream);
    this.watch();
    for (const uri of stream.listener.filter.resourceSubscriptions ?? []) {
      if (!held.has(uri) && (await stream.listener.mayRead(uri))) this.#upstreamSubscription('resources/subscribe', uri, 'subscribing for a listen stream');
    }
  }

  closeListen(stream: ListenStream): void {
    this.listeners.remove(stream);
    this.watch();
    const held = this.#held();
    for (const uri of stream.listener.filter.resourceSubscriptions ?? []) {
      if (!held.has(uri)) this.#upstreamSubscription('resources/unsubscribe', uri, 'unsubscribing an ended listen stream');
    }
  }

  /** A reconnected upstream is a new session upstream: renew what our clients subscribed to there. */
  resubscribe(upstream: string): void {
    // The connection's listing may have just named URIs someone holds (new era: its listen stream).
    this.watch();
    const connection = this.#upstreams.get(upstream);
    const uris = this.#held();
    for (const uri of uris) {
      if (!connection || this.#catalog.findResource(uri)?.upstream !== upstream) continue;
      void connection
        .request('resources/subscribe', { uri }, { signal: new AbortController().signal })
        .catch((error: unknown) => this.#log.warn({ upstream, uri, err: error }, 'renewing a subscription failed'));
    }
  }

  /** Every URI some client wants updates for: old-era sessions' subscriptions and listen streams' resourceSubscriptions. */
  #held(): Set<string> {
    const uris = new Set([...this.#open].flatMap((s) => [...s.subscriptions]));
    for (const uri of this.listeners.resourceSubscriptions()) uris.add(uri);
    return uris;
  }

  /** Sends resources/subscribe or resources/unsubscribe for `uri` to the upstream that owns it (a cleanup or renewal the client cannot ask for itself). */
  #upstreamSubscription(method: 'resources/subscribe' | 'resources/unsubscribe', uri: string, why: string): void {
    const owner = this.#catalog.findResource(uri);
    const connection = owner && this.#upstreams.get(owner.upstream);
    if (connection?.state !== 'ready' || connection.era === 'modern') return;
    void connection
      .request(method, { uri }, { signal: new AbortController().signal })
      .catch((error: unknown) => this.#log.warn({ upstream: connection.spec.name, uri, err: error }, `${why} failed`));
  }
}
