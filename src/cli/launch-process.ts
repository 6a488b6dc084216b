/**
 * Starts a child process that announces where it listens on stderr and waits for that line: the
 * example servers (`listening <url>`, see examples/servers/host.ts) for `warden example`, and the fixture servers
 * and the gateway itself for the tests and the benchmark. One implementation for all of them.
 *
 * stderr is drained for the child's whole life (a full pipe would block it). Lines before the URL
 * are kept to explain a failed start; later ones only with `keepStderr` (tests read them; under
 * `npm start` a server runs for hours and its output must not pile up in our memory). Children
 * still alive when this process exits are killed then, so a crash never leaks servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ListeningProcess {
  url: string;
  pid: number;
  /** The child's stderr lines: up to the URL, and after it with `keepStderr`. */
  stderr: string[];
  /** SIGTERM, then SIGKILL after a grace period; resolves once the child is gone. */
  close(): Promise<void>;
  /** Sends `signal` only (a crash test's SIGKILL, a clean stop's SIGTERM) and resolves how the child ended. */
  kill(signal: NodeJS.Signals): Promise<ProcessExit>;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ListenOptions {
  /** Keep collecting stderr lines after start-up (default false). */
  keepStderr?: boolean;
  startTimeoutMs?: number;
  /** A file descriptor for the child's stdout (default: ignored); bench/promotion.ts reads V8's GC trace there. */
  stdout?: number;
}

const KILL_GRACE_MS = 2_000;
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `command args` with this process's environment plus `env` and resolves once `readUrl`
 * finds the URL in a stderr line. Any failure to start kills the child and names its stderr.
 */
export async function startListeningProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  readUrl: (line: string) => string | undefined,
  options: ListenOptions = {},
): Promise<ListeningProcess> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  const close = () => terminate(child, exited);
  const kill = async (signal: NodeJS.Signals): Promise<ProcessExit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    return { code: child.exitCode, signal: child.signalCode };
  };
  const stderr: string[] = [];
  try {
    const url = await waitForUrl(child, stderr, exited, readUrl, options);
    return { url, pid: child.pid!, stderr, close, kill };
  } catch (error) {
    await close();
    throw error;
  }
}

function waitForUrl(child: ChildProcess, stderr: string[], exited: Promise<void>, readUrl: (line: string) => string | undefined, options: ListenOptions): Promise<string> {
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  let started = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${child.spawnargs.join(' ')}: no URL on stderr within ${timeoutMs} ms:\n${stderr.join('\n')}`)), timeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${child.spawnargs.join(' ')}: exited before listening (code ${child.exitCode}):\n${stderr.join('\n')}`));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (started && !options.keepStderr) return;
      stderr.push(line);
      const url = started ? undefined : readUrl(line);
      if (url !== undefined) {
        started = true;
        clearTimeout(timer);
        resolve(url);
      }
    });
  });
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** The URL of a `listening <url>` line, as the example and fixture servers print it. */
export const listeningUrl = (line: string): string | undefined => /^listening (\S+)$/.exec(line)?.[1];
