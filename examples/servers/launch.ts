/**
 * Starts an example server that listens on HTTP/SSE as a child process and waits for its
 * `listening <url>` line (see host.ts). Used by `warden example` and by the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LaunchedServer {
  child: ChildProcess;
  url: string;
  stop(): void;
}

export const exampleServerPath = (name: 'db' | 'analytics' | 'comms'): string => fileURLToPath(new URL(`./${name}.ts`, import.meta.url));

export function launchExampleServer(name: 'analytics' | 'comms', port = 0, env: NodeJS.ProcessEnv = {}, startTimeoutMs = 20_000): Promise<LaunchedServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', exampleServerPath(name), '--port', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stop = () => void child.kill('SIGTERM');
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`example server ${name} did not start within ${startTimeoutMs} ms: ${stderr}`));
    }, startTimeoutMs);
    const onData = (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening (\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        // Keep draining (a full pipe would block the child) but stop collecting: under `npm start`
        // the server runs for hours and its stderr must not pile up in our memory.
        child.stderr!.off('data', onData).resume();
        resolve({ child, url: match[1]!, stop });
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`example server ${name} exited with code ${code}: ${stderr}`));
    });
  });
}
