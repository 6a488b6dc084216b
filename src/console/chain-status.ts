import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

/**
 * The Overview's chain status: `warden audit verify --config FILE --json`, run in a child process
 * (a walk over a large log takes seconds of synchronous SQLite reads, which must not stall the
 * gateway's event loop), once shortly after start and then every `intervalMs`. The same command
 * an operator runs, with the same chain key from the same config.
 */
export interface ChainStatus {
  state: 'not_run' | 'running' | 'done' | 'failed';
  /** When the last run finished. */
  ranAt: string | null;
  ok: boolean | null;
  /** verify's own JSON report, or the reason it could not run. */
  report: Record<string, unknown> | null;
  error: string | null;
}

export interface ChainVerifier {
  status(): ChainStatus;
  stop(): void;
}

const FIRST_RUN_MS = 2000;

export function startChainVerifier(configFile: string, intervalMs: number, log: Logger): ChainVerifier {
  let current: ChainStatus = { state: 'not_run', ranAt: null, ok: null, report: null, error: null };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = (): void => {
    current = { ...current, state: 'running' };
    execFile(process.execPath, [join(PACKAGE_ROOT, 'bin/warden.js'), 'audit', 'verify', '--config', configFile, '--json'], { timeout: 10 * 60_000, maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      const ranAt = new Date().toISOString();
      try {
        const report = JSON.parse(stdout) as Record<string, unknown>;
        current = { state: 'done', ranAt, ok: report.ok === true, report, error: null };
      } catch {
        const why = stderr.trim().split('\n').at(-1) ?? error?.message ?? 'no output';
        current = { state: 'failed', ranAt, ok: null, report: null, error: why };
        log.warn({ err: why }, 'console: audit verify could not run');
      }
      if (!stopped) timer = setTimeout(run, intervalMs).unref();
    });
  };
  timer = setTimeout(run, FIRST_RUN_MS).unref();
  return {
    status: () => current,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
