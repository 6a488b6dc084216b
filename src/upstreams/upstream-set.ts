import { isDeepStrictEqual } from 'node:util';
import type { UpstreamListing } from '../catalog/index.ts';
import type { ResolvedConfig, UpstreamSpec } from '../config/index.ts';
import { UpstreamConnection, type ConnectionOptions } from './connection.ts';

type SetOptions = Omit<ConnectionOptions, 'connectTimeoutMs' | 'reconnect'>;

/**
 * A config reload's upstream part, prepared but not yet in service: the new and replaced
 * upstreams' connections are open (or down and retrying, as at start) and their first listings
 * are held back from the catalog until `commit`.
 */
export interface UpstreamPlan {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** What the catalog holds per upstream after the commit: a new connection's listing, or undefined (gone, or not connected yet). */
  listings(): Map<string, UpstreamListing | undefined>;
  /** Puts the new connections in service; removed and replaced ones close once their requests in flight are answered. */
  commit(): void;
  /** Closes the new connections: the reload was refused. */
  abandon(): Promise<void>;
}

/** All upstreams of a config, in config order. */
export class UpstreamSet {
  #byName: Map<string, UpstreamConnection>;
  #connectionOptions: ConnectionOptions;
  readonly #options: SetOptions;
  /** New connections of a prepared reload, with the listing each gave so far (held back from the catalog). */
  readonly #staged = new Map<UpstreamConnection, UpstreamListing | undefined>();
  /** Removed or replaced connections still answering requests sent before their reload. */
  readonly #retiring = new Set<UpstreamConnection>();

  constructor(config: ResolvedConfig, options: SetOptions) {
    this.#options = options;
    this.#connectionOptions = connectionOptions(config, options);
    this.#byName = new Map(config.upstreams.map((spec) => [spec.name, this.#open(spec)]));
  }

  get(name: string): UpstreamConnection | undefined {
    return this.#byName.get(name);
  }

  all(): UpstreamConnection[] {
    return [...this.#byName.values()];
  }

  /** Connects everything in parallel; an upstream that is down does not stop the others. */
  async start(): Promise<{ connected: string[]; down: string[] }> {
    const results = await Promise.all(this.all().map(async (c) => [c.spec.name, await c.start()] as const));
    return { connected: results.filter(([, ok]) => ok).map(([n]) => n), down: results.filter(([, ok]) => !ok).map(([n]) => n) };
  }

  /**
   * Opens what `config` adds or changes (a changed entry, or changed connect/reconnect defaults,
   * is a new connection); an unchanged upstream keeps its connection, session and subscriptions.
   */
  async prepare(config: ResolvedConfig): Promise<UpstreamPlan> {
    const options = connectionOptions(config, this.#options);
    const defaultsChanged = !isDeepStrictEqual(
      [options.connectTimeoutMs, options.reconnect],
      [this.#connectionOptions.connectTimeoutMs, this.#connectionOptions.reconnect],
    );
    const next = new Map<string, UpstreamConnection>();
    const opened: UpstreamConnection[] = [];
    const added: string[] = [];
    const changed: string[] = [];
    for (const spec of config.upstreams) {
      const running = this.#byName.get(spec.name);
      if (running && !defaultsChanged && isDeepStrictEqual(running.spec, spec)) {
        next.set(spec.name, running);
        continue;
      }
      (running ? changed : added).push(spec.name);
      const connection = this.#open(spec, options);
      this.#staged.set(connection, undefined);
      opened.push(connection);
      next.set(spec.name, connection);
    }
    const removed = [...this.#byName.keys()].filter((name) => !next.has(name));
    await Promise.all(opened.map((c) => c.start()));
    return {
      added,
      changed,
      removed,
      listings: () => new Map([...removed.map((name) => [name, undefined] as const), ...opened.map((c) => [c.spec.name, this.#staged.get(c)] as const)]),
      commit: () => {
        const replaced = [...this.#byName].filter(([name, connection]) => next.get(name) !== connection).map(([, connection]) => connection);
        for (const connection of opened) this.#staged.delete(connection);
        this.#byName = next;
        this.#connectionOptions = options;
        for (const connection of replaced) {
          this.#retiring.add(connection);
          void connection.retire().finally(() => this.#retiring.delete(connection));
        }
      },
      abandon: async () => {
        for (const connection of opened) this.#staged.delete(connection);
        await Promise.all(opened.map((c) => c.close()));
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.all().map((c) => c.close()), ...[...this.#staged.keys(), ...this.#retiring].map((c) => c.close())]);
  }

  /**
   * A connection whose listings reach the catalog only while it is in service: a staged one's are
   * held for its reload's commit, a retired one's (a reconnect while its last calls finish) are dropped.
   */
  #open(spec: UpstreamSpec, options = this.#connectionOptions): UpstreamConnection {
    const events = this.#options.events;
    const connection: UpstreamConnection = new UpstreamConnection(spec, {
      ...options,
      events: {
        ...events,
        onListing: (upstream, listing, reason) => {
          if (this.#byName.get(upstream) === connection) events.onListing(upstream, listing, reason);
          else if (this.#staged.has(connection)) this.#staged.set(connection, listing);
        },
      },
    });
    return connection;
  }
}

function connectionOptions(config: ResolvedConfig, options: SetOptions): ConnectionOptions {
  const d = config.upstreamDefaults;
  return { ...options, connectTimeoutMs: d.connect_timeout_ms, reconnect: { initialMs: d.reconnect_initial_ms, maxMs: d.reconnect_max_ms } };
}
