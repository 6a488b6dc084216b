/** The front door of gateway/, the composition root: other modules import only this file (eslint.config.js). */
export { Gateway, type GatewayDeps, type GatewayReload } from './gateway.ts';
export type { SessionHandle } from './sessions.ts';
export { UpstreamCatalog } from './upstream-catalog.ts';
