import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { auditRows, waitFor } from '../../../testkit/support/audit.ts';
import { pythonSdk } from '../../../testkit/support/python-sdk.ts';
import { freePort } from '../../../testkit/support/servers.ts';
import { newSigningKey, signToken } from '../../../testkit/support/tokens.ts';
import { startGateway, stdioEntryWithToken, tempDir, writeGatewayDir, type GatewayDir, type RunningGateway } from '../../../testkit/support/worlds/security.ts';

/**
 * The gateway between a client and servers built on another SDK than its own: the official Python
 * SDK (`mcp` 2.3.0, testkit/support/python-sdk.ts), whose client negotiates 2026-07-28 by
 * server/discover ("auto") or 2025-11-25 by initialize ("legacy"), and whose server speaks both.
 * `warden serve` (JWT, Rego, SQLite audit) over Streamable HTTP, stdio and legacy SSE, in front of
 * the Python upstream over stdio, Streamable HTTP and SSE (old era only) and the kitchen-sink
 * fixture. Each run of testkit/fixtures/python/client.py lists, echoes a payload through every
 * Python upstream, answers a question (elicitation) each asks, calls a hidden tool, a missing one
 * and one with a number beyond double precision, takes progress and log messages, reads a resource
 * and gets a prompt, answers sampling and roots, hears a tool list change, and gives up on a slow
 * call. It found bugs, each with a regression test of its own that needs no Python: the numbers
 * refusal named no field, over HTTP no id, and over legacy SSE came where no client waits
 * (holes/numbers.test.ts); a question the policy denied counted as the upstream's failure and
 * opened its circuit, and a new-era upstream's question reached a new-era caller undecided
 * (upstreams/input-required.test.ts); results named the upstream instead of the gateway
 * (gateway/identity.test.ts); a new-era stdio cancellation was dropped (holes/cancellation.test.ts);
 * on Node 24 a new-era stdio request with a raw U+2028 was cut in two (downstream/stdio-lines.test.ts).
 */
const sdk = pythonSdk();
const python = 'python' in sdk ? sdk.python : '';
const FIXTURES = fileURLToPath(new URL('../../../testkit/fixtures/python/', import.meta.url));
const UPSTREAM = join(FIXTURES, 'upstream.py');
const CLIENT = join(FIXTURES, 'client.py');
const PYTHON_UPSTREAMS = ['pystdio', 'pyhttp', 'pysse'] as const;

// Written as JSON text: an object literal would make "__proto__" a prototype, not a key.
const PAYLOAD = '{"__proto__":{"constructor":"x"},"toString":[1,-2.5,1e-7],"big":9007199254740991,"nested":{"a":[{"b":null}],"é":"\\u2028 \\ud83d\\ude00"},"f":0.1}';
const POLICY = `package mcp.authz

default allow := false

allow if {
	input.principal.sub == "alice"
	not hidden
}

hidden if input.tool.upstream_name == "fail"
`;

let dir: GatewayDir;
let gateway: RunningGateway;
let token: string;
const servers: ChildProcess[] = [];

function startPythonServer(transport: 'streamable-http' | 'sse', port: number): void {
  const child = spawn(python, [UPSTREAM, transport, String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  servers.push(child);
}

beforeAll(async () => {
  if (!('python' in sdk)) return;
  const [httpPort, ssePort] = [await freePort(), await freePort()];
  startPythonServer('streamable-http', httpPort);
  startPythonServer('sse', ssePort);
  const key = await newSigningKey('python-sdk-key');
  dir = writeGatewayDir({
    dir: tempDir(),
    key,
    mcpServers: {
      sink: { ...fixtureCommand('kitchen-sink', 'stdio'), env: {} },
      pystdio: { command: python, args: [UPSTREAM, 'stdio'], env: {} },
      pyhttp: { type: 'http', url: `http://127.0.0.1:${httpPort}/mcp`, headers: {} },
      pysse: { type: 'sse', url: `http://127.0.0.1:${ssePort}/sse`, headers: {} },
    },
  });
  writeFileSync(dir.policy, POLICY);
  gateway = await startGateway(dir);
  token = await signToken(key);
  // The Python HTTP servers take a moment to listen; the gateway retries until all four are connected.
  await waitFor(
    async () => ((await (await fetch(new URL('/readyz', gateway.url))).json()) as { upstreams: { connected: number } }).upstreams.connected,
    (connected) => connected === 4,
    30_000,
  );
}, 90_000);

afterAll(async () => {
  await gateway?.close();
  for (const server of servers) server.kill();
  if (dir) rmSync(dir.dir, { recursive: true, force: true });
});

interface Run {
  protocol_version: string;
  tools: string[];
  calls: Array<{ text?: string[]; is_error?: boolean; server?: { name: string; version: string } | null; error?: { code: number; message: string; data: Record<string, unknown> } }>;
  asked: string[];
  resources: string[];
  prompts: string[];
  progress: { text: string[]; notified: Array<[number, number, string]>; logs: string[] };
  read: string[];
  prompt: string[];
  sampled: string[];
  roots_asked: number;
  list_change: { heard: string; tools_after: string[] };
  cancel: { gave_up: number | null; upstream_cancelled: number };
}

function runClient(plan: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Ended well before the test's own timeout, so a run that stops says where (its last "step:" line).
    execFile(python, [CLIENT, plan], { timeout: 45_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`the Python client failed (${error.signal ?? `exit ${String(error.code)}`}): ${stderr.split('\n').filter(Boolean).slice(-4).join(' | ')}`));
      else resolve(JSON.parse(stdout) as Run);
    });
  });
}

const call = (name: string, args: string) => `{"name":${JSON.stringify(name)},"arguments":${args}}`;
const CALLS = [
  ...PYTHON_UPSTREAMS.map((up) => call(`${up}__echo_json`, `{"payload":${PAYLOAD}}`)),
  ...PYTHON_UPSTREAMS.map((up) => call(`${up}__confirm`, `{"question":"deploy from ${up}?"}`)),
  call('sink__fail', '{}'),
  call('sink__nonexistent', '{}'),
  call('pystdio__echo_json', '{"payload":{"big":9007199254740993}}'),
  call('sink__sample', '{"prompt":"from python"}'),
  call('sink__roots', '{}'),
];

const CASES = [
  ['Streamable HTTP', 'auto', '2026-07-28', () => ({ url: gateway.url, token })],
  ['Streamable HTTP', 'legacy', '2025-11-25', () => ({ url: gateway.url, token })],
  ['stdio', 'auto', '2026-07-28', () => stdioEntryWithToken(dir, token)],
  ['stdio', 'legacy', '2025-11-25', () => stdioEntryWithToken(dir, token)],
  // The oldest clients' endpoint: SSE has no server/discover, so "auto" is the old era too.
  ['legacy SSE (/sse)', 'auto', '2025-11-25', () => ({ sse: gateway.url.replace(/\/mcp$/, '/sse'), token })],
] as const;

describe.skipIf(!('python' in sdk))(`the Python MCP SDK on both sides of the gateway${'missing' in sdk ? ` (skipped: ${sdk.missing})` : ''}`, () => {
  it.each(CASES)('a Python client over %s in mode %s (%s) lists, forwards, relays questions and refuses as for any client', async (transport, mode, version, gatewayOf) => {
    const firstSeq = auditRows(dir.audit).at(-1)?.seq ?? 0;
    const added = `python_${transport.replace(/\W/g, '_')}_${mode}`;
    const extras = {
      progress: { name: 'pysse__progress', arguments: { steps: 3 } },
      read: 'python://motd',
      prompt: { name: 'pyhttp__greet', arguments: { name: 'Ada' } },
      list_change: { name: 'sink__add_tool', arguments: { name: added } },
      cancel: { name: 'sink__slow', arguments: { steps: 100, delayMs: 100 }, counter: 'sink__calls' },
    };
    const plan = `{"gateway":${JSON.stringify(gatewayOf())},"mode":"${mode}","calls":[${CALLS.join(',')}],${JSON.stringify(extras).slice(1, -1)}}`;
    const run = await runClient(plan);

    expect(run.protocol_version).toBe(version);
    for (const up of PYTHON_UPSTREAMS) expect(run.tools).toEqual(expect.arrayContaining([`${up}__echo_json`, `${up}__confirm`]));
    expect(run.tools).toContain('sink__echo');
    expect(run.tools).not.toContain('sink__fail');

    // Each Python upstream answers with the payload exactly as it arrived (Python's json keeps it).
    for (const echoed of run.calls.slice(0, 3)) expect(JSON.parse(echoed.text![0]!)).toEqual(JSON.parse(PAYLOAD));
    // Every answer names the gateway, never the Python server that stamped its own (it does in
    // the new era); an old-era caller gets ours only where an upstream put one there.
    const servers = run.calls.slice(0, 6).map((answered) => answered.server?.name ?? null);
    expect(servers).toEqual(version === '2026-07-28' ? Array(6).fill('mcp-warden') : ['mcp-warden', 'mcp-warden', null, 'mcp-warden', 'mcp-warden', null]);
    expect(run.calls.slice(3, 6).map((answered) => answered.text)).toEqual(PYTHON_UPSTREAMS.map((up) => [`deploy from ${up}? -> yes`]));
    expect(run.asked).toEqual(PYTHON_UPSTREAMS.map((up) => `deploy from ${up}?`));

    // Progress and log messages of an old-era upstream reach the caller in its era; a resource and a prompt pass.
    expect(run.progress).toEqual({
      text: ['3 steps'],
      notified: [1, 2, 3].map((step) => [step, 3, `step ${step}`]),
      logs: [1, 2, 3].map((step) => `python step ${step} of 3`),
    });
    expect(run.resources).toContain('python://motd');
    expect(run.prompts).toEqual(expect.arrayContaining(PYTHON_UPSTREAMS.map((up) => `${up}__greet`)));
    expect(run.read).toEqual(['hello from python']);
    expect(run.prompt).toEqual(['Say hello to Ada.']);

    // An old-era upstream's sampling and roots requests, each decided, reach the caller in its era.
    expect(run.sampled).toEqual(['from python']);
    expect(run.calls[9]!.text).toEqual(['sampled (python-client): sampled by python']);
    expect(run.roots_asked).toBe(1);
    expect(JSON.parse(run.calls[10]!.text![0]!)).toEqual([{ uri: 'file:///srv/python', name: 'python' }]);
    // A tool list change reaches the caller the way its era hears one.
    expect(run.list_change.heard).toBe(version === '2026-07-28' ? 'ToolsListChanged' : 'notifications/tools/list_changed');
    expect(run.list_change.tools_after).toContain(`sink__${added}`);
    // The client gives up on a slow call (its own timeout, -32001); the cancellation reaches the upstream.
    expect(run.cancel).toEqual({ gave_up: -32001, upstream_cancelled: 1 });

    // A hidden tool and a missing one answer alike.
    const [hidden, missing, inexact] = run.calls.slice(6, 9).map((refused) => refused.error!);
    expect(hidden).toEqual({ code: -32602, message: 'Unknown tool: sink__fail', data: { code: 'TOOL_NOT_FOUND', name: 'sink__fail' } });
    expect(missing).toEqual({ code: -32602, message: 'Unknown tool: sink__nonexistent', data: { code: 'TOOL_NOT_FOUND', name: 'sink__nonexistent' } });
    expect(inexact?.data).toEqual({ code: 'REQUEST_NUMBER_INEXACT', field: 'params.arguments.payload.big' });

    // The audit stores what was forwarded, in the caller's era and the era spoken to each upstream.
    const rows = auditRows(dir.audit).filter((row) => row.seq > firstSeq && row.kind === 'decision');
    for (const up of PYTHON_UPSTREAMS) {
      const echo = rows.find((row) => row.public_name === `${up}__echo_json`)!;
      const data = JSON.parse(echo.data) as { arguments: unknown; protocol_version: string; upstream_protocol_version: string };
      expect(data.arguments).toEqual(JSON.parse(`{"payload":${PAYLOAD}}`));
      expect(data.protocol_version).toBe(version);
      expect(data.upstream_protocol_version).toBe(up === 'pysse' ? '2025-11-25' : '2026-07-28');
      expect(rows.filter((row) => row.method === 'elicitation/create' && row.upstream === up).map((row) => [row.decision, row.sub])).toEqual([['allow', 'alice']]);
    }
    expect(rows.filter((row) => row.public_name === 'sink__fail').map((row) => row.decision)).toEqual(['deny']);
  }, 60_000);
});
