/** The front door of composites/: other modules import only this file (eslint.config.js). */
export { COMPOSITE_SERVER } from './config.ts';
export { type CompositeModule, compositeModuleAt } from './config.ts';
export { loadComposites } from './load.ts';
export { runComposite } from './runner.ts';
export type { Composite, StepCall, ToolResult } from './types.ts';
