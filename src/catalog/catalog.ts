import type { Composite } from '../composites/index.ts';
import type { NamespacingConfig } from '../config/index.ts';
import { buildCatalog, noNamesGiven } from './build.ts';
import type { CatalogSnapshot, Item, ResourceEntry, TemplateEntry, UpstreamListing } from './types.ts';

/** One of the catalog's lists; a change to it is announced to clients as notifications/<list>/list_changed. */
export type CatalogList = 'tools' | 'resources' | 'prompts';

const EMPTY: UpstreamListing = { tools: [], resources: [], resourceTemplates: [], prompts: [] };

/** The tool items the catalog offers for the gateway's own composite tools. */
export function compositeToolItems(composites: readonly Composite[]): Item[] {
  return composites.map((c) => ({ name: c.name, description: c.description, inputSchema: c.inputSchema }));
}

/**
 * The live catalog: one listing per connected upstream, rebuilt into an immutable snapshot on
 * every change (rare) so that requests (frequent) only do map lookups on a snapshot.
 */
export class Catalog {
  readonly #order: readonly string[];
  readonly #naming: NamespacingConfig;
  readonly #composites: readonly Item[];
  readonly #listings = new Map<string, UpstreamListing>();
  /** Every public name given so far: kept for the life of the process (build.ts, GivenNames). */
  readonly #given = noNamesGiven();
  #snapshot: CatalogSnapshot;

  /** `composites`: the tool items of the gateway's own composite tools (fixed for its life). */
  constructor(upstreamOrder: readonly string[], naming: NamespacingConfig, composites: readonly Item[] = []) {
    this.#order = upstreamOrder;
    this.#naming = naming;
    this.#composites = composites;
    this.#snapshot = buildCatalog([], naming, composites, upstreamOrder, this.#given);
  }

  get snapshot(): CatalogSnapshot {
    return this.#snapshot;
  }

  /**
   * Replaces one upstream's part (undefined: the upstream is gone). Returns the kinds whose public
   * lists changed, so only those list_changed notifications go out. Throws (and keeps the previous
   * state) when the new listing makes the catalog invalid, e.g. a collision under strategy `none`.
   */
  setListing(upstream: string, listing: UpstreamListing | undefined): CatalogList[] {
    const previous = this.#snapshot;
    const next = new Map(this.#listings);
    if (listing === undefined) next.delete(upstream);
    else next.set(upstream, listing);
    const ordered = this.#order.filter((name) => next.has(name)).map((name) => [name, next.get(name) ?? EMPTY] as const);
    this.#snapshot = buildCatalog(ordered, this.#naming, this.#composites, this.#order, this.#given);
    if (listing === undefined) this.#listings.delete(upstream);
    else this.#listings.set(upstream, listing);
    return changedKinds(previous, this.#snapshot);
  }

  /** Exact URI first; else the first template (config order) whose pattern matches. */
  findResource(uri: string): ResourceEntry | TemplateEntry | undefined {
    return this.#snapshot.resources.get(uri) ?? this.#snapshot.templateList.find((t) => t.matcher.match(uri) !== null);
  }
}

function changedKinds(a: CatalogSnapshot, b: CatalogSnapshot): CatalogList[] {
  const kinds: CatalogList[] = [];
  if (!sameItems(a.toolList, b.toolList)) kinds.push('tools');
  if (!sameItems(a.resourceList, b.resourceList) || !sameItems(a.templateList, b.templateList)) kinds.push('resources');
  if (!sameItems(a.promptList, b.promptList)) kinds.push('prompts');
  return kinds;
}

function sameItems(a: ReadonlyArray<{ item: unknown; upstream: string }>, b: ReadonlyArray<{ item: unknown; upstream: string }>): boolean {
  return a.length === b.length && JSON.stringify(a.map((e) => [e.upstream, e.item])) === JSON.stringify(b.map((e) => [e.upstream, e.item]));
}
