import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOutbox } from '../../../examples/servers/comms.ts';
import { devToken } from '../../../testkit/support/tokens.ts';

/**
 * The example deployment end to end, as `npm start` runs it: real processes (db over stdio,
 * analytics over Streamable HTTP, comms over legacy SSE), real JWTs signed with the DEV-ONLY key,
 * the default Rego policies, and the SQLite audit trail read back through `warden audit`.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WARDEN = join(ROOT, 'bin/warden.js');

function startExample(state: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [WARDEN, 'example', '--port', '0', '--analytics-port', '0', '--comms-port', '0', '--state', state], {
    cwd: ROOT,
    env: { ...process.env, WARDEN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /"url":"([^"]+)"[^\n]*"msg":"listening"/.exec(stderr);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`warden example exited with ${code}: ${stderr.slice(-2000)}`)));
  });
}

function audit(db: string, ...args: string[]): { status: number; stdout: string } {
  const result = spawnSync(process.execPath, [WARDEN, 'audit', ...args, '--db', db], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status ?? -1, stdout: result.stdout };
}

describe('example deployment (npm start)', () => {
  const state = mkdtempSync(join(tmpdir(), 'warden-example-'));
  const db = join(state, 'example-audit.db');
  const clients: Client[] = [];
  let gateway: { child: ChildProcess; url: string };

  const connect = async (token: string) => {
    const client = new Client({ name: 'e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  };
  const toolNames = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();

  beforeAll(async () => {
    gateway = await startExample(state);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    gateway?.child.kill('SIGTERM');
    await new Promise((resolve) => gateway?.child.once('exit', resolve));
    rmSync(state, { recursive: true, force: true });
  });

  it('two principals see different tool lists', async () => {
    const alice = await connect(await devToken('alice', ['analyst']));
    const bob = await connect(await devToken('bob', ['ops']));
    expect(await toolNames(alice)).toEqual(['analytics__generate_report', 'comms__send_email', 'db__get_sales', 'db__query', 'weekly_sales_report']);
    expect(await toolNames(bob)).toContain('comms__list_outbox');
    expect(await toolNames(alice)).not.toContain('comms__list_outbox');
  });

  it('the weekly report workflow runs, mails the report, and every step is audited and chained', async () => {
    const alice = await connect(await devToken('alice', ['analyst']));
    const result = await alice.callTool({ name: 'weekly_sales_report', arguments: { week_start: '2026-11-16' } });
    expect(result.isError).toBeFalsy();
    const text = (result.content as { text: string }[])[0]!.text;
    expect(text).toContain('Sent the sales report for the week of 2026-11-16 to sales@example.com.');
    const mails = readOutbox(join(state, 'outbox.jsonl'));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: 'sales@example.com', subject: 'Weekly sales report, week of 2026-11-16' });
    expect(mails[0]!.body).toContain('Sales report, week of 2026-11-16');

    const rows = JSON.parse(audit(db, 'query', '--sub', 'alice', '--tool', '*', '--json').stdout) as Array<Record<string, unknown>>;
    const calls = rows.filter((r) => r.method === 'tools/call' && r.decision === 'allow');
    expect(calls.map((r) => [r.tool, r.outcome]).sort()).toEqual([
      ['analytics__generate_report', 'ok'],
      ['comms__send_email', 'ok'],
      ['db__get_sales', 'ok'],
      ['weekly_sales_report', 'ok'],
    ]);
    // The workflow step of each step's decision lives in the row's data document.
    const reader = new Database(db, { readonly: true });
    try {
      const steps = reader
        .prepare("SELECT public_name AS tool, json_extract(data, '$.workflow.step') AS step FROM events WHERE kind = 'decision' AND sub = 'alice' AND json_extract(data, '$.workflow.name') = 'weekly_sales_report'")
        .all();
      expect(steps).toEqual(
        expect.arrayContaining([
          { tool: 'db__get_sales', step: 'fetch' },
          { tool: 'analytics__generate_report', step: 'analyse' },
          { tool: 'comms__send_email', step: 'mail' },
        ]),
      );
      expect(steps).toHaveLength(3);
    } finally {
      reader.close();
    }
    expect(audit(db, 'verify').status).toBe(0);
  });

  it('[composite:step-authorized-as-caller] a principal allowed the workflow but denied a step gets the step named, and no mail is sent', async () => {
    const before = readOutbox(join(state, 'outbox.jsonl')).length;
    const carol = await connect(await devToken('carol', ['reporter']));
    const error = await carol.callTool({ name: 'weekly_sales_report', arguments: { week_start: '2026-11-09' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).data).toMatchObject({ code: 'WORKFLOW_STEP_FAILED', step: 'mail', tool: 'comms__send_email', completed: ['fetch', 'analyse'] });
    expect(readOutbox(join(state, 'outbox.jsonl'))).toHaveLength(before);
  });

  it('reports readiness without a token, naming no upstream', async () => {
    const response = await fetch(new URL('/readyz', gateway.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ready: true, audit: 'ok', draining: false, upstreams: { connected: 3, total: 3, circuits: { open: 0, half_open: 0 } }, policy_revision: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
  });

  it('a caller without a token is refused with 401 and a WWW-Authenticate challenge', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="/);
  });
});
