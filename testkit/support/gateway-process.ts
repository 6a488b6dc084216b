/**
 * The gateway as production runs it: `node bin/warden.js serve` as a child process, over the real
 * authenticator, policy engine and audit store that `serve` wires. `startGatewayHttp` waits for
 * its pino `listening` line; `gatewayStdioEntry` is an `mcpServers` entry a client starts;
 * `startRawStdio` drives `--stdio` with raw lines. `writeGatewayConfig` writes the smallest config
 * that forwards everything (auth disabled, an allow-all policy, an audit file in the same dir).
 * (The gateway core in process, with in-test engines: gateway.ts.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startListeningProcess, type ListeningProcess } from '../../src/cli/launch-process.ts';
import type { McpServerEntry } from '../../src/config/schema.ts';
import { connectClient } from '../fixtures/client.ts';

/**
 * The CLI: in a test run, the bundle the run built from this checkout's sources
 * (bundles.global.ts); elsewhere (benches) bin/warden.js, what `npm start` and a user's `warden` run.
 */
export const WARDEN = process.env.WARDEN_TEST_CLI ?? fileURLToPath(new URL('../../bin/warden.js', import.meta.url));

export interface GatewayConfigOptions {
  strategy?: 'always' | 'conflict' | 'none';
  /** The `integrity` section (tool pinning); the gateway's defaults otherwise. */
  integrity?: Record<string, unknown>;
  /** The `approvals` section (issue 15); the gateway's defaults otherwise. */
  approvals?: Record<string, unknown>;
  /** The policy's Rego text (package mcp.authz); allow-all otherwise. */
  policy?: string;
}

/** Writes `warden.config.json` (and its policy) into `dir`; returns the config path. */
export function writeGatewayConfig(dir: string, mcpServers: Record<string, McpServerEntry>, options: GatewayConfigOptions = {}): string {
  const policy = join(dir, 'allow-all.rego');
  writeFileSync(policy, options.policy ?? 'package mcp.authz\n\n# Fixture policy: everything is allowed, so only forwarding is under test.\nallow := true\n');
  const config = {
    mcpServers,
    namespacing: { strategy: options.strategy ?? 'always' },
    auth: { mode: 'disabled' },
    policy: { paths: [policy], watch: false },
    audit: { path: join(dir, 'audit.db') },
    ...(options.integrity ? { integrity: options.integrity } : {}),
    ...(options.approvals ? { approvals: options.approvals } : {}),
  };
  const path = join(dir, 'warden.config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** The gateway as a stdio MCP server: an `mcpServers` entry a client can start; `nodeArgs` go to node itself. */
export function gatewayStdioEntry(configPath: string, env: Record<string, string> = {}, nodeArgs: string[] = []): McpServerEntry {
  return { command: process.execPath, args: [...nodeArgs, WARDEN, 'serve', '--config', configPath, '--stdio'], env };
}

/**
 * Starts `warden serve --http --port 0` and waits for its pino `listening` line; stderr is kept.
 * `nodeArgs` go to node itself (the bench's `--cpu-prof`, which NODE_OPTIONS refuses). `port`: for
 * a config that must name the gateway's URL before it starts (an OAuth audience, a redirect URI).
 */
/** `cli`: another build of the CLI (bench/http-ab.ts puts two side by side). */
export function startGatewayHttp(configPath: string, env: Record<string, string> = {}, nodeArgs: string[] = [], port = 0, cli = WARDEN): Promise<ListeningProcess> {
  const args = [...nodeArgs, cli, 'serve', '--config', configPath, '--http', '--port', String(port)];
  return startListeningProcess(process.execPath, args, env, pinoListeningUrl, { keepStderr: true });
}

/** The URL of the gateway's pino `listening` line. */
export function pinoListeningUrl(line: string): string | undefined {
  try {
    const record = JSON.parse(line) as { msg?: unknown; url?: unknown };
    return record.msg === 'listening' && typeof record.url === 'string' ? record.url : undefined;
  } catch {
    return undefined;
  }
}

async function listToolNames(client: Client): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    names.push(...page.tools.map((tool) => tool.name));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return names;
}

/**
 * Resolves once the gateway lists `tool`. The gateway may start degraded when an upstream is
 * slow to come up (a loaded machine) and add its tools later; a test
 * or benchmark that called at once would measure that start-up race instead of the gateway.
 */
export async function waitForTool(client: Client, tool: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = await listToolNames(client);
    if (names.includes(tool)) return;
    if (Date.now() > deadline) throw new Error(`the gateway did not list ${tool} within ${timeoutMs} ms (it lists: ${names.join(', ') || 'nothing'})`);
    await sleep(100);
  }
}

/** waitForTool over a short-lived client of its own, for callers that hand the URL to another tool. */
export async function waitForGatewayTool(entry: McpServerEntry, tool: string, timeoutMs?: number): Promise<void> {
  const client = await connectClient(entry);
  try {
    await waitForTool(client, tool, timeoutMs);
  } finally {
    await client.close();
  }
}

export interface WardenRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `warden ...args` to its exit (a refused start, a CLI command). `killAfterMs`: a run that
 * should have ended but did not (a `serve` that started after all) is SIGKILLed then.
 */
export function runWarden(args: string[], options: { env?: Record<string, string>; cwd?: string; killAfterMs?: number } = {}): Promise<WardenRun> {
  const child = spawn(process.execPath, [WARDEN, ...args], { env: { ...process.env, ...options.env }, ...(options.cwd ? { cwd: options.cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
  return new Promise((resolve) => child.once('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr }))));
}

/** The gateway over stdio driven by raw NDJSON lines: a test controls every byte a client sends and sees every line the gateway writes. */
export interface RawStdio {
  /** Writes one line; resolves the first message the gateway writes with this id. */
  send(line: string, id: unknown): Promise<Record<string, any>>;
  /** Writes one line and waits for nothing (a notification). */
  write(line: string): void;
  /** Every message the gateway wrote so far. */
  lines: Array<Record<string, any>>;
  close(): Promise<void>;
}

/** `era`: 'old' opens with initialize (2025-11-25); 'new' sends nothing first, so the first request picks 2026-07-28. */
export async function startRawStdio(config: string, env: Record<string, string> = {}, era: 'old' | 'new' = 'old'): Promise<RawStdio> {
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
    write: (line) => void child.stdin!.write(`${line}\n`),
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  if (era === 'new') return stdio;
  await stdio.send('{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}', 'init');
  child.stdin!.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  return stdio;
}
