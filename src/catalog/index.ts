/** The front door of catalog/: other modules import only this file (eslint.config.js). */
export { Catalog, compositeToolItems, type CatalogList } from './catalog.ts';
export { paginate, type Page } from './pagination.ts';
export type { CatalogSnapshot, Item, NamedEntry, UpstreamListing } from './types.ts';
