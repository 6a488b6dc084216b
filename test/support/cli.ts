import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real `warden` command as a user runs it: `node bin/warden.js ...` in a child process. */
export const WARDEN_BIN = fileURLToPath(new URL('../../bin/warden.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to the test's own environment (`undefined` removes a variable). */
  env?: Record<string, string | undefined>;
}

function environment(extra: CliOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Colour decisions must come from the test, not from whoever runs the suite.
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs the CLI with pipes for stdout and stderr (not a terminal). */
export function runWarden(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [WARDEN_BIN, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, cwd: options.cwd, env: environment(options.env) }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;

/**
 * Runs the CLI on a real pseudo-terminal (util-linux `script`), as a person at a terminal does:
 * stdin, stdout and stderr are all the terminal, so `output` is both streams as the person saw
 * them (line ends `\r\n`, as a terminal gets them). `script -e` exits with the command's code.
 */
export function runWardenInTerminal(args: readonly string[], options: CliOptions = {}): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, WARDEN_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, cwd: options.cwd, env: environment({ TERM: 'xterm-256color', ...options.env }) }, (error, stdout) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: stdout.replaceAll('\r\n', '\n') });
    });
  });
}

/** Runs `jobs` at most `width` at a time (each CLI start costs ~0.5 s of CPU on 2 busy cores). */
export async function bounded<T>(jobs: ReadonlyArray<() => Promise<T>>, width = 4): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]!();
    }
  }));
  return results;
}
