import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/dispatch.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

/** The real `warden` binary, wired with the real authenticator (disabled), Rego policy and SQLite audit. */
const BIN = fileURLToPath(new URL('../../../bin/warden.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'allow.rego'), 'package mcp.authz\n\nallow := true\n');
function configFile(name: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    mcpServers: { db: relayServer('db') },
    auth: { mode: 'disabled' },
    policy: { paths: ['allow.rego'], watch: false },
    audit: { path: `${name}.db` },
    ...extra,
  }));
  return file;
}

interface Run { code: number | null; stdout: string; stderr: string }
function warden(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, WARDEN_LOG_LEVEL: 'info' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The dispatcher in-process (no child process): what it prints and the exit code. */
async function dispatch(argv: string[]): Promise<Run> {
  const io = { stdout: '', stderr: '' };
  const code = await main(argv, { out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) });
  return { code, ...io };
}

describe('warden CLI - dispatch', () => {
  it('--version prints the package version; --help lists the commands; no command is a usage error', async () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect(await dispatch(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const help = await dispatch(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/\n {2}serve +Start the gateway/);
    expect(help.stdout).toMatch(/\n {2}tools +List the aggregated tools/);
    expect(await dispatch([])).toMatchObject({ code: 2, stdout: '' });
  });

  it('an unknown command or flag exits 2 with a message', async () => {
    const unknown = await dispatch(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('warden: USAGE: unknown command "frobnicate"');
    expect(await dispatch(['serve', '--stdio', '--http'])).toMatchObject({ code: 2, stderr: 'warden: USAGE: choose exactly one of --stdio or --http\n' });
    expect(await dispatch(['tools', '--jsn'])).toMatchObject({ code: 2, stderr: expect.stringContaining("warden: USAGE: Unknown option '--jsn'") });
  });

  it('refuses to start on an invalid config with exit 3, naming the file and JSON path, without a stack trace', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { db: { command: 7 } } }));
    expect(await dispatch(['serve', '--http', '--config', file])).toMatchObject({
      code: 3, stderr: `warden: CONFIG_INVALID: ${file}: mcpServers.db.command: Invalid input: expected string, received number\n`,
    });
  });
});

describe('warden CLI - the real binary', () => {
  it('tools --json reports public, upstream and original names; an unreachable upstream makes it exit 4', async () => {
    const composite = { name: 'echo_twice', description: 'Echo two times', steps: [{ id: 'one', tool: 'db__echo', arguments: { message: 'a' } }] };
    const ok = await warden(['tools', '--json', '--config', configFile('tools-ok', { composites: [composite] })]);
    expect(ok.code).toBe(0);
    const tools = JSON.parse(ok.stdout).tools;
    // The gateway never ran on this config: nothing is pinned yet, and `pin` says so.
    expect(tools).toContainEqual({ publicName: 'db__echo', upstream: 'db', originalName: 'echo', notes: [], pin: { status: 'unpinned', reason: expect.stringContaining('not seen by the gateway yet') } });
    expect(tools).toContainEqual({ publicName: 'echo_twice', upstream: 'warden', originalName: 'echo_twice', notes: ['composite'] });
    // An audit database that exists but cannot be read: the status is unknown, with the reason.
    writeFileSync(join(dir, 'tools-down.db'), 'not a database');
    const partial = await warden(['tools', '--config', configFile('tools-down', {
      mcpServers: { db: relayServer('db'), gone: { type: 'http', url: 'http://127.0.0.1:9/mcp' } },
    })]);
    expect(partial.code).toBe(4);
    expect(partial.stdout).toMatch(/^PUBLIC NAME +UPSTREAM +ORIGINAL NAME +PIN +NOTES\ndb__echo +db +echo +unknown\b/);
    expect(partial.stdout).toContain('upstream gone is unreachable: connect ECONNREFUSED 127.0.0.1:9; its tools are missing');
  });

  it('serve --http --port 0 logs the URL, serves real clients, and stops cleanly on SIGTERM', async () => {
    let called: Promise<string> | undefined;
    const run = await warden(['serve', '--http', '--port', '0', '--config', configFile('http')], (stderr, child) => {
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"[^\n]*"msg":"listening"/.exec(stderr)?.[1];
      if (url === undefined || called) return;
      called = (async () => {
        const client = new Client({ name: 'cli-test', version: '1' });
        await client.connect(new StreamableHTTPClientTransport(new URL(url)));
        const result = await client.callTool({ name: 'db__echo', arguments: { message: 'through the binary' } });
        await client.close();
        child.kill('SIGTERM');
        return (result.content as Array<{ text: string }>)[0]!.text;
      })();
    });
    expect(await called).toBe('through the binary');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('"msg":"shutting down"');
    expect(run.stderr).toContain('"msg":"stopped"');
    expect(existsSync(join(dir, 'http.db'))).toBe(true);
  });

  it('SIGTERM drains: /readyz turns 503 at once, /livez stays 200, a new call is refused with 503 SERVER_DRAINING, the call in flight finishes, then the gateway stops', async () => {
    interface Seen { slow: string; readyBefore: number; readyAfter: { status: number; body: unknown }; live: number; refused: { status: number; connection: string | null; body: unknown } }
    let seen: Promise<Seen> | undefined;
    const run = await warden(['serve', '--http', '--port', '0', '--config', configFile('drain')], (stderr, child) => {
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/mcp)"[^\n]*"msg":"listening"/.exec(stderr)?.[1];
      if (url === undefined || seen) return;
      seen = (async () => {
        const origin = new URL(url).origin;
        const readyBefore = (await fetch(`${origin}/readyz`)).status;
        const client = new Client({ name: 'cli-test', version: '1' });
        await client.connect(new StreamableHTTPClientTransport(new URL(url)));
        // The slow tool reports progress after its first step: the call is then surely in flight.
        let progressed!: () => void;
        const released = new Promise<void>((resolve) => (progressed = resolve));
        const pending = client.callTool({ name: 'db__slow', arguments: { steps: 3, delayMs: 400 } }, undefined, { onprogress: () => progressed() });
        await released;
        const stopped = new Promise<void>((resolve) => child.stderr!.on('data', (c: Buffer) => c.toString().includes('"msg":"shutting down"') && resolve()));
        child.kill('SIGTERM');
        await stopped;
        // Each on a connection of its own: the drain closes idle keep-alive sockets, and fetch's
        // pool may hand out one whose close it has not read yet (a client-side race).
        const ready = await onNewConnection(`${origin}/readyz`);
        const readyAfter = { status: ready.status, body: JSON.parse(ready.text) as unknown };
        const live = (await onNewConnection(`${origin}/livez`)).status;
        const fresh = await onNewConnection(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'late', version: '1' } } }),
        });
        const refused = { status: fresh.status, connection: fresh.connection, body: JSON.parse(fresh.text) as unknown };
        const result = await pending;
        return { slow: (result.content as Array<{ text: string }>)[0]!.text, readyBefore, readyAfter, live, refused };
      })();
    });
    const observed = await seen!;
    expect(observed.slow).toBe('done after 3');
    expect(observed.readyBefore).toBe(200);
    expect(observed.readyAfter).toMatchObject({ status: 503, body: { ready: false, audit: 'ok', draining: true } });
    expect(observed.live).toBe(200);
    expect(observed.refused).toMatchObject({ status: 503, connection: 'close', body: { error: { data: { code: 'SERVER_DRAINING' } } } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('"msg":"stopped"');
  });

  it('serve --stdio speaks MCP on stdin/stdout and exits when the client closes', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'serve', '--stdio', '--config', configFile('stdio')], cwd: ROOT, stderr: 'ignore' });
    const client = new Client({ name: 'cli-test', version: '1' });
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('db__whoami');
    const result = await client.callTool({ name: 'db__whoami', arguments: {} });
    expect((result.content as Array<{ text: string }>)[0]!.text).toBe('db');
    await client.close();
  });
});

/** One HTTP request on a connection opened for it (no pooled keep-alive socket). */
function onNewConnection(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; connection: string | null; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection ?? null, text }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
