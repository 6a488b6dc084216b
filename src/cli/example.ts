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
  return startListeningProcess(process.execPath, ['--import', 'tsx', exampleServerPath(name), '--port', String(port)], env, listeningUrl);
}

const flagsSchema = z.object({
  port: z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(8787),
  // Fixed by default (the config's defaults), so a stdio gateway started by a client finds them too.
  'analytics-port': z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(8801),
  'comms-port': z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(8802),
  state: z.string().min(1).default('.warden').describe('Where the audit database and the mail outbox go.'),
  help: z.boolean().default(false),
});

export async function run(args: string[]): Promise<number> {
  const flags = parseFlags(args, { port: { type: 'string' }, 'analytics-port': { type: 'string' }, 'comms-port': { type: 'string' }, state: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, flagsSchema);
  if (flags.help) {
    process.stdout.write('usage: warden example [--port 8787] [--analytics-port 8801] [--comms-port 8802] [--state .warden]\n');
    return EXIT.OK;
  }
  const state = resolve(flags.state);
  mkdirSync(state, { recursive: true });
  const outbox = resolve(state, 'outbox.jsonl');
  const servers: ListeningProcess[] = [];
  try {
    servers.push(
      await launchExampleServer('analytics', flags['analytics-port']),
      await launchExampleServer('comms', flags['comms-port'], { COMMS_OUTBOX: outbox }),
    );
    const [analytics, comms] = servers;
    // The example config reads these (`${EXAMPLE_ANALYTICS_URL:-...}`), so port 0 works too.
    process.env.EXAMPLE_ANALYTICS_URL = analytics!.url;
    process.env.EXAMPLE_COMMS_URL = comms!.url;
    process.env.WARDEN_AUDIT_DB ??= resolve(state, 'example-audit.db');
    // With --port 0 the port is known only once listening: the `listening` log line names it.
    const url = flags.port === 0 ? 'http://127.0.0.1:<port of the "listening" log line>/mcp' : `http://127.0.0.1:${flags.port}/mcp`;
    process.stdout.write(process.stdout.isTTY ? guide(url, outbox) : `mcp-warden example deployment: ${url}\n`);
    return await serve(['--config', CONFIG, '--http', '--port', String(flags.port)]);
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
}

function guide(url: string, outbox: string): string {
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
        env: { WARDEN_TOKEN: '<token>', WARDEN_AUDIT_DB: resolve(dirname(outbox), 'stdio-audit.db') },
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
    `  Audit:     node bin/warden.js audit query --db ${process.env.WARDEN_AUDIT_DB}`,
    '',
    `  Claude Code .mcp.json (the stdio entry needs this command running for analytics and comms):`,
    JSON.stringify(mcpJson, null, 2).replace(/^/gm, '    '),
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}
