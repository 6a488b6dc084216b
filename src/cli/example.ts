/**
 * `warden example` (what `npm start` runs): the bundled example deployment in one command. It
 * starts the example upstreams that listen on their own (analytics over Streamable HTTP, comms over
 * legacy SSE) on free ports, then the gateway in front of them over HTTP with
 * examples/warden.config.json (which starts the db upstream itself over stdio), and prints how to
 * connect. Everything runs on 127.0.0.1 and needs no account anywhere.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { WardenError } from '../errors.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { listeningUrl, startListeningProcess, type ListeningProcess } from './launch-process.ts';
import { parseFlags } from './args.ts';
import { paintFor } from './colour.ts';
import { EXIT } from './exit-codes.ts';
import { run as serve } from './serve.ts';

const ROOT = PACKAGE_ROOT;
const CONFIG = resolve(ROOT, 'examples/warden.config.json');
const PRIVATE_KEY = resolve(ROOT, 'examples/keys/dev-only-private.pem');

export const exampleServerPath = (name: 'db' | 'analytics' | 'comms'): string => resolve(ROOT, `examples/servers/${name}.ts`);

/** An example server that listens on HTTP/SSE (db speaks stdio and is started by the gateway). */
export function launchExampleServer(name: 'analytics' | 'comms', port = 0, env: NodeJS.ProcessEnv = {}): Promise<ListeningProcess> {
  // tsx by its resolved URL: a bare `--import tsx` is looked up from the working directory, which
  // is wherever the user ran `warden example` (it failed outside the checkout).
  return startListeningProcess(process.execPath, ['--import', import.meta.resolve('tsx'), exampleServerPath(name), '--port', String(port)], env, listeningUrl);
}

const flagsSchema = z.object({
  port: z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(8787),
  // Fixed by default (the config's defaults), so a stdio gateway started by a client finds them too.
  'analytics-port': z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(8801),
  'comms-port': z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(8802),
  // examples/.warden beside the config, whatever the working directory: the config's own default
  // audit path (.warden/example-audit.db, relative to examples/) then names a directory that exists.
  state: z.string().min(1).default(resolve(ROOT, 'examples/.warden')).describe('Where the audit database and the mail outbox go.'),
  help: z.boolean().default(false),
});

export async function run(args: string[]): Promise<number> {
  const flags = parseFlags(args, { port: { type: 'string' }, 'analytics-port': { type: 'string' }, 'comms-port': { type: 'string' }, state: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, flagsSchema);
  if (flags.help) {
    process.stdout.write('usage: warden example [--port 8787] [--analytics-port 8801] [--comms-port 8802] [--state DIR (default examples/.warden in the package)]\n');
    return EXIT.OK;
  }
  const state = resolve(flags.state);
  mkdirSync(state, { recursive: true });
  const outbox = resolve(state, 'outbox.jsonl');
  const servers: ListeningProcess[] = [];
  try {
    servers.push(
      await launchOrExplain('analytics', flags['analytics-port'], '--analytics-port'),
      await launchOrExplain('comms', flags['comms-port'], '--comms-port', { COMMS_OUTBOX: outbox }),
    );
    const [analytics, comms] = servers;
    // The example config reads these (`${EXAMPLE_ANALYTICS_URL:-...}`), so port 0 works too.
    process.env.EXAMPLE_ANALYTICS_URL = analytics!.url;
    process.env.EXAMPLE_COMMS_URL = comms!.url;
    process.env.WARDEN_AUDIT_DB ??= resolve(state, 'example-audit.db');
    // With --port 0 the port is known only once listening: the `listening` log line names it.
    const url = flags.port === 0 ? 'http://127.0.0.1:<port of the "listening" log line>/mcp' : `http://127.0.0.1:${flags.port}/mcp`;
    // The stdio entry starts its own gateway: it must be told where analytics and comms listen
    // when they are not on the config's default ports.
    const upstreamEnv = {
      ...(flags['analytics-port'] === 8801 ? {} : { EXAMPLE_ANALYTICS_URL: analytics!.url }),
      ...(flags['comms-port'] === 8802 ? {} : { EXAMPLE_COMMS_URL: comms!.url }),
    };
    process.stdout.write(process.stdout.isTTY ? guide(url, outbox, upstreamEnv) : `mcp-warden example deployment: ${url}\n`);
    return await serve(['--config', CONFIG, '--http', '--port', String(flags.port)]);
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

/** An example server, or one line saying why it could not listen (a port in use, mostly). */
async function launchOrExplain(name: 'analytics' | 'comms', port: number, flag: string, env: NodeJS.ProcessEnv = {}): Promise<ListeningProcess> {
  try {
    return await launchExampleServer(name, port, env);
  } catch (error) {
    const message = (error as Error).message;
    const why = /EADDRINUSE/.test(message)
      ? `the port is in use by another process (npm start already running?); choose another with ${flag}`
      : (message.split('\n').find((line) => /Error/.test(line)) ?? message.split('\n')[0]!).trim();
    throw new WardenError('SERVER_LISTEN_FAILED', `the example ${name} server cannot listen on 127.0.0.1:${port}: ${why}`, { cause: error });
  }
}

function guide(url: string, outbox: string, upstreamEnv: Record<string, string>): string {
  const { bold } = paintFor(process.stdout);
  const token = `node ${resolve(ROOT, 'bin/warden.js')} token create --sub alice --roles analyst --key ${PRIVATE_KEY}`;
  const mcpJson = {
    mcpServers: {
      warden: { type: 'http', url, headers: { Authorization: 'Bearer <token>' } },
      'warden-stdio': {
        command: 'node',
        args: [resolve(ROOT, 'bin/warden.js'), 'serve', '--config', CONFIG, '--stdio'],
        // Its own audit file in the state directory: the config's default (relative to examples/)
        // names a directory that does not exist, so without it this entry refused to start (exit 3).
        // WARDEN_AUDIT_DB is what examples/warden.config.json's audit.path reads (`${WARDEN_AUDIT_DB:-...}`).
        env: { WARDEN_TOKEN: '<token>', WARDEN_AUDIT_DB: resolve(dirname(outbox), 'stdio-audit.db'), ...upstreamEnv },
      },
    },
  };
  return [
    `${bold('mcp-warden example deployment')}: db (stdio) + analytics (Streamable HTTP) + comms (legacy SSE)`,
    '',
    `  Gateway:   ${bold(url)}`,
    `  Token:     ${token}`,
    `             (roles: analyst, reporter, ops, admin; DEV-ONLY key, see examples/keys/README.md)`,
    `  Outbox:    ${outbox}`,
    `  Audit:     node ${resolve(ROOT, 'bin/warden.js')} audit query --db ${process.env.WARDEN_AUDIT_DB}`,
    '',
    `  Claude Code .mcp.json (the stdio entry needs this command running for analytics and comms):`,
    JSON.stringify(mcpJson, null, 2).replace(/^/gm, '    '),
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}
