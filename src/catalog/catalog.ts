import type { Composite } from '../composites/index.ts';
import type { NamespacingConfig } from '../config/index.ts';
import { isDeepStrictEqual } from 'node:util';
import { buildCatalog, type GivenNames, noNamesGiven } from './build.ts';
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
  #order: readonly string[];
  #naming: NamespacingConfig;
  #composites: readonly Item[];
  #listings = new Map<string, UpstreamListing>();
  /** Every public name given so far: kept for the life of the process (build.ts, GivenNames). */
  #given = noNamesGiven();
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

  /**
   * A config reload's catalog, built and checked but not yet in service: the new upstream order,
   * naming and composites over the listings of the upstreams that stay, with `listings` replacing
   * (or, undefined, removing) some. Throws CONFIG_INVALID, changing nothing, when the result is
   * invalid: a collision under strategy `none`, or a composite named like a tool a name was
   * already given to. A name already given keeps its tool (build.ts): under a new naming a tool
   * may get a new name, but an old name is never handed to another tool.
   */
  prepare(
    upstreamOrder: readonly string[],
    naming: NamespacingConfig,
    composites: readonly Item[],
    listings: ReadonlyMap<string, UpstreamListing | undefined>,
  ): { changed: CatalogList[]; commit(): void } {
    const next = new Map([...this.#listings].filter(([name]) => upstreamOrder.includes(name)));
    for (const [name, listing] of listings) {
      if (listing === undefined) next.delete(name);
      else next.set(name, listing);
    }
    const given = renamingGiven(this.#given, !isDeepStrictEqual(naming, this.#naming));
    const ordered = upstreamOrder.filter((name) => next.has(name)).map((name) => [name, next.get(name)!] as const);
    const snapshot = buildCatalog(ordered, naming, composites, upstreamOrder, given);
    return {
      changed: changedKinds(this.#snapshot, snapshot),
      commit: () => {
        this.#order = upstreamOrder;
        this.#naming = naming;
        this.#composites = composites;
        this.#listings = next;
        this.#given = given;
        this.#snapshot = snapshot;
      },
    };
  }

  /** Exact URI first; else the first template (config order) whose pattern matches. */
  findResource(uri: string): ResourceEntry | TemplateEntry | undefined {
    return this.#snapshot.resources.get(uri) ?? this.#snapshot.templateList.find((t) => t.matcher.match(uri) !== null);
  }
}

/**
 * The names given so far, copied for a reload's build. When the naming changed, every tool
 * is named again under the new rules (`byItem` starts empty), while `byName` still holds every
 * name ever given, so no old name goes to another tool.
 */
function renamingGiven(given: GivenNames, rename: boolean): GivenNames {
  return { byName: new Map(given.byName), byItem: rename ? new Map() : new Map(given.byItem) };
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
