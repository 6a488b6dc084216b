import { execFile } from 'node:child_process';
import { WARDEN } from './gateway-process.ts';

export { runWarden } from './gateway-process.ts';

/**
 * Runs the CLI on a real pseudo-terminal (util-linux `script`), as a person at a terminal does:
 * stdin, stdout and stderr are all the terminal, so `output` is both streams as the person saw
 * them (line ends `\r\n` turned into `\n`). `script -e` exits with the command's code. Colour
 * variables of whoever runs the suite are removed: the test decides them.
 */
export function runWardenInTerminal(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; output: string }> {
  const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, WARDEN, ...args].map(quote).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  return new Promise((resolve) => {
    execFile('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, cwd: options.cwd, env: { ...env, ...options.env } }, (error, stdout) => {
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
