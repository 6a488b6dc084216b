/** The front door of limits/: other modules import only this file (eslint.config.js). */
export { upstreamLimits } from './config.ts';
export type { LimitEvents } from './events.ts';
export { Limits, type Release } from './limits.ts';
