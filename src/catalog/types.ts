import type { UriTemplate } from '@modelcontextprotocol/client';
import type { NameNote } from './naming.ts';

/** An item as an upstream listed it: every field kept, so unknown fields reach the client. */
export type Item = Readonly<Record<string, unknown>>;

/** What one upstream offers, fetched completely (every nextCursor followed). */
export interface UpstreamListing {
  tools: readonly Item[];
  resources: readonly Item[];
  resourceTemplates: readonly Item[];
  prompts: readonly Item[];
}

/** A tool or prompt under its public name. `item` is the public form sent to clients. */
export interface NamedEntry {
  publicName: string;
  upstream: string;
  originalName: string;
  item: Item;
  notes: readonly NameNote[];
}

export interface ResourceEntry {
  uri: string;
  upstream: string;
  item: Item;
}

export interface TemplateEntry {
  uriTemplate: string;
  upstream: string;
  item: Item;
  matcher: UriTemplate;
}

/** Something an upstream offered that the catalog left out, and why (shown by `warden tools`). */
export interface Omission {
  kind: 'tool' | 'prompt' | 'resource' | 'resourceTemplate';
  upstream: string;
  name: string;
  reason: string;
}

export interface CatalogSnapshot {
  readonly tools: ReadonlyMap<string, NamedEntry>;
  readonly toolList: readonly NamedEntry[];
  readonly prompts: ReadonlyMap<string, NamedEntry>;
  readonly promptList: readonly NamedEntry[];
  readonly resources: ReadonlyMap<string, ResourceEntry>;
  readonly resourceList: readonly ResourceEntry[];
  readonly templateList: readonly TemplateEntry[];
  readonly omissions: readonly Omission[];
}
