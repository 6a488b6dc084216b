/** The front door of config/: other modules import only this file (eslint.config.js). */
export { loadConfig, type ResolvedConfig, type UpstreamSpec } from './load.ts';
export { PUBLIC_NAME_PATTERN, type NamespacingConfig } from './schema.ts';
