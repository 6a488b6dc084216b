import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from '../../../testkit/support/cli.ts';

/** The first start as a new user meets it: a port in use, run from another directory. */
const dir = mkdtempSync(join(tmpdir(), 'warden-first-start-'));
let busy: Server;
let port: number;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  port = (busy.address() as { port: number }).port;
  writeFileSync(join(dir, 'warden.config.json'), '{\n  // no upstreams: only the listening matters here\n  "mcpServers": {},\n  "auth": { "mode": "disabled" },\n  "audit": { "path": "audit.db" },\n  "policy": { "paths": ["allow.rego"], "watch": false }\n}\n');
  writeFileSync(join(dir, 'allow.rego'), 'package mcp.authz\n\nallow := true\n');
});
afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('first start (process)', () => {
  it('a port in use is one clear line and exit 3, for serve and for the example, never a stack', { timeout: 120_000 }, async () => {
    const [serve, example] = await Promise.all([
      runWarden(['serve', '--http', '--port', String(port)], { cwd: dir, env: { WARDEN_LOG_LEVEL: 'error' } }),
      // From another working directory: the example finds its files in the package.
      runWarden(['example', '--port', '0', '--analytics-port', String(port), '--state', join(dir, 'state')], { cwd: dir, env: { WARDEN_LOG_LEVEL: 'error' } }),
    ]);
    expect(serve).toMatchObject({ code: 3, stderr: `warden: SERVER_LISTEN_FAILED: cannot listen on 127.0.0.1:${port}: the port is in use by another process (a gateway or npm start already running?); choose another with --port\n` });
    expect(serve.stderr.split(': ')[1]).toBe('SERVER_LISTEN_FAILED');
    expect(example.code).toBe(3);
    expect(example.stderr).toBe(`warden: SERVER_LISTEN_FAILED: the example analytics server cannot listen on 127.0.0.1:${port}: the port is in use by another process (npm start already running?); choose another with --analytics-port\n`);
  });

  it('an admin port in use is the same clear line, naming server.admin_port (it was INTERNAL with a stack)', { timeout: 60_000 }, async () => {
    const config = join(dir, 'admin.config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: {}, auth: { mode: 'disabled' }, audit: { path: 'admin.db' }, policy: { paths: ['allow.rego'], watch: false }, server: { admin_port: port } }));
    const serve = await runWarden(['serve', '--config', config, '--http', '--port', '0'], { cwd: dir, env: { WARDEN_LOG_LEVEL: 'error' } });
    expect(serve).toMatchObject({ code: 3, stderr: `warden: SERVER_LISTEN_FAILED: cannot listen on 127.0.0.1:${port}: the port is in use by another process (a gateway or npm start already running?); choose another with server.admin_port\n` });
  });
});
