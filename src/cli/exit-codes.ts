import { type ErrorCode, isWardenError } from '../errors.ts';
import { logger } from '../log.ts';
import { paintFor } from './colour.ts';

/** Exit codes of every warden command (documented in README, "Exit codes"). */
export const EXIT = {
  OK: 0,
  /** A runtime failure: the command started but could not finish. */
  FAILURE: 1,
  /** The command line is malformed. */
  USAGE: 2,
  /** Refused to start: invalid config, unloadable policy, audit store or auth keys. */
  CONFIG: 3,
  /** `warden tools`: listed, but some upstreams were unreachable (their tools are missing). */
  PARTIAL: 4,
} as const;

// WORKFLOW_TEMPLATE_INVALID reaches a command only from loading the config's composites (at a
// call it is that call's error), so here it is a config that refuses the start.
const START_UP: ReadonlySet<ErrorCode> = new Set([
  'CONFIG_INVALID', 'SERVER_LISTEN_FAILED', 'POLICY_LOAD_FAILED', 'AUDIT_UNAVAILABLE', 'AUDIT_MIGRATION_CHANGED', 'AUDIT_SCHEMA_TOO_NEW', 'AUDIT_CHAIN_KEY', 'AUDIT_REPLICA_IN_USE', 'AUDIT_CHECKPOINT_KEY', 'AUTH_KEYS_UNAVAILABLE', 'WORKFLOW_TEMPLATE_INVALID',
]);

/** Prints a caller-facing message (never a stack) on stderr and picks the exit code. */
export function failWith(error: unknown, err: (text: string) => void = (text) => void process.stderr.write(text)): number {
  const paint = paintFor(process.stderr);
  if (isWardenError(error)) {
    err(`warden: ${paint.red(error.code)}: ${error.message}\n`);
    if (error.code === 'USAGE') return EXIT.USAGE;
    return START_UP.has(error.code) ? EXIT.CONFIG : EXIT.FAILURE;
  }
  logger.error({ err: error }, 'unexpected failure');
  err(`warden: ${paint.red('INTERNAL')}: ${(error as Error)?.message ?? String(error)}\n`);
  return EXIT.FAILURE;
}
