/** The front door of downstream/: other modules import only this file (eslint.config.js). */
export { createAuthEdge } from './auth-edge.ts';
export { serveHttp } from './http.ts';
export { serveAdmin, type AdminEdge } from './metrics-endpoint.ts';
export { serveStdio } from './stdio.ts';
