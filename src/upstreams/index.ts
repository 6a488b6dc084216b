/** The front door of upstreams/: other modules import only this file (eslint.config.js). */
export { passthroughResult, type ServerRequestExtra } from './connection.ts';
export { UpstreamSet } from './upstream-set.ts';
