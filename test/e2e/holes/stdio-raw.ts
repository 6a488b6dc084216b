/**
 * The gateway as a stdio MCP server driven by raw NDJSON lines, so a test controls every byte a
 * client sends and sees every line the gateway writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WARDEN = fileURLToPath(new URL('../../../bin/warden.js', import.meta.url));

export interface RawStdio {
  /** Writes one line; resolves the first message the gateway writes with this id. */
  send(line: string, id: unknown): Promise<Record<string, any>>;
  /** Every message the gateway wrote so far. */
  lines: Array<Record<string, any>>;
  close(): Promise<void>;
}

export async function startRawStdio(config: string, env: Record<string, string> = {}): Promise<RawStdio> {
  const child: ChildProcess = spawn(process.execPath, [WARDEN, 'serve', '--config', config, '--stdio'], {
    env: { ...process.env, WARDEN_LOG_LEVEL: 'silent', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, any>> = [];
  const waiting: Array<{ id: unknown; resolve: (message: Record<string, any>) => void }> = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const message = JSON.parse(buffer.slice(0, end)) as Record<string, any>;
      buffer = buffer.slice(end + 1);
      lines.push(message);
      const index = waiting.findIndex((w) => w.id === message.id && ('result' in message || 'error' in message));
      if (index >= 0) waiting.splice(index, 1)[0]!.resolve(message);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stdio: RawStdio = {
    lines,
    send(line, id) {
      const answer = new Promise<Record<string, any>>((resolve) => waiting.push({ id, resolve }));
      child.stdin!.write(`${line}\n`);
      return answer;
    },
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  await stdio.send('{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}', 'init');
  child.stdin!.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  return stdio;
}
