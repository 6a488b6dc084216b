/** The front door of integrity/: other modules import only this file (eslint.config.js). */
export { IntegrityGuard, type PinStatus } from './guard.ts';
export { definitionOf } from './digest.ts';
export { pinViewOf, type PinState, type PinView } from './pin-view.ts';
