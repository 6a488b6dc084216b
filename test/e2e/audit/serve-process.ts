import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WARDEN = fileURLToPath(new URL('../../../bin/warden.js', import.meta.url));

export interface ServedGateway {
  child: ChildProcess;
  url: URL;
  /** Every line the gateway logged on stderr, kept for the whole run. */
  log: string[];
  exited: Promise<void>;
}

/** `warden serve --http --port 0` as a real process, resolved once it logs `listening`. */
export function serveGateway(config: string, env: Record<string, string> = {}): Promise<ServedGateway> {
  const child = spawn(process.execPath, [WARDEN, 'serve', '--config', config, '--http', '--port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start within 20 s:\n${log.join('\n')}`));
    }, 20_000);
    void exited.then(() => reject(new Error(`gateway exited (${child.exitCode ?? child.signalCode}):\n${log.join('\n')}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      log.push(line);
      const record = JSON.parse(line) as { msg?: string; url?: string };
      if (record.msg === 'listening' && record.url) {
        clearTimeout(timer);
        resolve({ child, url: new URL(record.url), log, exited });
      }
    });
  });
}

/** For afterAll: whatever a failed test left running. */
export function killAll(gateways: readonly ServedGateway[]): void {
  for (const { child } of gateways) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
