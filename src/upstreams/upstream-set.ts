import type { ResolvedConfig } from '../config/index.ts';
import { UpstreamConnection, type ConnectionOptions } from './connection.ts';

/** All upstreams of a config, in config order. */
export class UpstreamSet {
  readonly #byName: Map<string, UpstreamConnection>;

  constructor(config: ResolvedConfig, options: Omit<ConnectionOptions, 'connectTimeoutMs' | 'reconnect'>) {
    const d = config.upstreamDefaults;
    const connectionOptions: ConnectionOptions = {
      ...options,
      connectTimeoutMs: d.connect_timeout_ms,
      reconnect: { initialMs: d.reconnect_initial_ms, maxMs: d.reconnect_max_ms },
    };
    this.#byName = new Map(config.upstreams.map((spec) => [spec.name, new UpstreamConnection(spec, connectionOptions)]));
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

  async close(): Promise<void> {
    await Promise.all(this.all().map((c) => c.close()));
  }
}
