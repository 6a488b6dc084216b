/** The front door of pipeline/: other modules import only this file (eslint.config.js). */
export type { CallerLogs, CallRequest, ClientChannel, SessionInfo } from './context.ts';
export type { Clock, PipelineDeps } from './deps.ts';
export { InFlight } from './in-flight.ts';
export { PendingInputs } from './pending-input.ts';
export type { TaskRequest } from './tasks.ts';
export type { RequestStateSealer } from './continuation.ts';
export { createPipeline, type Pipeline } from './pipeline.ts';
export type { ListViews, SeenItem } from './seen-by.ts';
export type { ListenFilter, Listener } from './listen.ts';
