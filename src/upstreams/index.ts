/** The front door of upstreams/: other modules import only this file (eslint.config.js). */
export { passthroughResult, type ServerRequest, type UpstreamEvents } from './connection.ts';
export { BASE64_PREFIX, BASE64_SUFFIX, MCP_NAME_SOURCE } from './mcp-headers.ts';
export { UpstreamSet } from './upstream-set.ts';
