/** The front door of downstream/: other modules import only this file (eslint.config.js). */
export { createAuthEdge } from './auth-edge.ts';
export { Gateway, type GatewayReload } from './gateway.ts';
export { serveHttp } from './http.ts';
export { serveAdmin, type AdminEdge } from './metrics-endpoint.ts';
export { createSealer } from './seal.ts';
export { serveStdio } from './stdio.ts';
