/** The console's front door (issue 16): its config schema, the /console handler, the chain status runner. */
export { consoleConfigSchema, type ConsoleConfig } from './config.ts';
export { createConsole, type ConsoleHandler, type ConsoleOptions } from './handler.ts';
export { startChainVerifier, type ChainStatus } from './chain-status.ts';
