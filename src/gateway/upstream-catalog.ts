import { Catalog, compositeToolItems, type CatalogList, type UpstreamListing } from '../catalog/index.ts';
import type { Composite } from '../composites/index.ts';
import type { ResolvedConfig } from '../config/index.ts';
import { WardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { UpstreamSet, type UpstreamEvents } from '../upstreams/index.ts';

export interface UpstreamCatalogOptions {
  log: Logger;
  /** How the gateway introduces itself to each upstream. */
  clientInfo: { name: string; version: string };
  events: Omit<UpstreamEvents, 'onListing'> & {
    /**
     * After the catalog took an upstream's listing: the lists whose content it changed, or
     * undefined when the catalog refused it (logged) and kept its previous state.
     */
    onListing?(upstream: string, listing: UpstreamListing, changed: CatalogList[] | undefined, reason: 'connected' | 'refreshed'): void;
  };
}

/**
 * The catalog and one connection per upstream, built from a config the one way `serve` (through
 * Gateway) and `tools` both use: the config's upstreams in order, its namespacing and the
 * gateway's composite tools, every listing put into the catalog as it arrives. A listing that
 * would make the catalog invalid (a collision under strategy `none`) is refused and logged; one
 * refused before `start` returns makes the start fail, since nothing valid could be served.
 */
export class UpstreamCatalog {
  readonly catalog: Catalog;
  readonly upstreams: UpstreamSet;
  #started = false;
  #startError: WardenError | undefined;

  constructor(config: ResolvedConfig, composites: readonly Composite[], options: UpstreamCatalogOptions) {
    const { onListing, ...events } = options.events;
    this.catalog = new Catalog(config.upstreams.map((u) => u.name), config.namespacing, compositeToolItems(composites));
    this.upstreams = new UpstreamSet(config, {
      log: options.log,
      clientInfo: options.clientInfo,
      events: {
        ...events,
        onListing: (upstream, listing, reason) => {
          let changed: CatalogList[] | undefined;
          try {
            changed = this.catalog.setListing(upstream, listing);
          } catch (error) {
            if (!this.#started && error instanceof WardenError) this.#startError = error;
            options.log.error({ upstream, err: { message: (error as Error).message } }, 'upstream listing rejected; keeping the previous catalog');
          }
          onListing?.(upstream, listing, changed, reason);
        },
      },
    });
  }

  /**
   * Connects every upstream; those that are down keep retrying in the background. Throws
   * CONFIG_INVALID when the initial catalog is invalid.
   */
  async start(): Promise<{ connected: string[]; down: string[] }> {
    const result = await this.upstreams.start();
    this.#started = true;
    if (this.#startError) throw this.#startError;
    return result;
  }

  /** The catalog a config reload would build, checked but not in service (Catalog.prepare). */
  prepare(next: ResolvedConfig, composites: readonly Composite[], listings: ReadonlyMap<string, UpstreamListing | undefined>): ReturnType<Catalog['prepare']> {
    return this.catalog.prepare(next.upstreams.map((u) => u.name), next.namespacing, compositeToolItems(composites), listings);
  }
}
