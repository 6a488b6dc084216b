import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioTransportV2 } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../../testkit/fixtures/client.ts';
import { fixtureCommand } from '../../../testkit/fixtures/spawn.ts';
import { auditRows } from '../../../testkit/support/audit.ts';
import { stdioEntryWithToken, startGateway, tempDir, writeGatewayDir, type GatewayDir, type RunningGateway } from '../../../testkit/support/worlds/security.ts';
import { newSigningKey, signToken } from '../../../testkit/support/tokens.ts';

/**
 * One `/mcp` for both eras, chosen per request from the body (issue 11): a 2026-07-28 request is
 * served statelessly, a 2025-11-25 client keeps its initialize + session. Real clients of each
 * era (the v1 SDK client, the v2 client negotiating the new era) and raw POSTs for the spec's
 * refusals, against `warden serve --http` with JWT, Rego and the SQLite audit on. The policy
 * reads input.request.protocol_version: `add` is offered to new-era callers only.
 */
const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw-test-client', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const POLICY = `package mcp.authz

default allow := false

old_era_add if {
	input.tool.upstream_name == "add"
	input.request.protocol_version != "${MODERN}"
}

allow if {
	input.principal.sub == "alice"
	not old_era_add
}
`;

let dir: GatewayDir;
let gateway: RunningGateway;
let token: string;
let callsFile: string;

beforeAll(async () => {
  const key = await newSigningKey('era-key');
  const root = tempDir();
  callsFile = join(root, 'calls.json');
  const sink = fixtureCommand('kitchen-sink', 'stdio');
  dir = writeGatewayDir({ dir: root, key, mcpServers: { sink: { ...sink, env: { KITCHEN_SINK_CALLS_FILE: callsFile } } } });
  writeFileSync(dir.policy, POLICY);
  gateway = await startGateway(dir);
  token = await signToken(key);
});

afterAll(async () => {
  if (process.env.ERA_DEBUG) console.log(gateway?.stderr.filter((l) => /"level":[456]/.test(l)).join('\n'));
  await gateway?.close();
  if (dir) rmSync(dir.dir, { recursive: true, force: true });
});

const upstreamCalls = (): number => {
  try {
    return (JSON.parse(readFileSync(callsFile, 'utf8')) as { total: number }).total;
  } catch {
    return 0;
  }
};

let nextId = 1;
async function post(method: string, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const modernHeaders = (method: string, name?: string) => ({ 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) });

async function waitForTools(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { body } = await post('tools/list', { _meta: ENVELOPE }, modernHeaders('tools/list'));
    if ((body.result?.tools as Array<{ name: string }> | undefined)?.some((t) => t.name === 'sink__echo')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the gateway never listed sink__echo');
}

describe('one /mcp for both eras', () => {
  beforeAll(waitForTools, 60_000);

  it('answers server/discover with the new era only, statelessly', async () => {
    const { status, body } = await post('server/discover', { _meta: ENVELOPE }, modernHeaders('server/discover'));
    expect(status).toBe(200);
    expect(body.result).toMatchObject({ resultType: 'complete', supportedVersions: [MODERN], capabilities: { tools: {} } });
  });

  it('marks a per-caller list private and uncached, and passes results through with resultType', async () => {
    const list = await post('tools/list', { _meta: ENVELOPE }, modernHeaders('tools/list'));
    expect(list.body.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
    const names = (list.body.result.tools as Array<{ name: string }>).map((t) => t.name);
    expect(names).toContain('sink__add');
    const call = await post('tools/call', { name: 'sink__add', arguments: { a: 2, b: 3 }, _meta: ENVELOPE }, modernHeaders('tools/call', 'sink__add'));
    expect(call.status).toBe(200);
    expect(call.body.result.resultType).toBe('complete');
    expect(call.body.result.content[0].text).toContain('5');
  });

  it('refuses an Mcp-Name that disagrees with the body with 400 / -32020, and forwards nothing', async () => {
    const before = upstreamCalls();
    const { status, body } = await post('tools/call', { name: 'sink__echo', arguments: { message: 'x' }, _meta: ENVELOPE }, modernHeaders('tools/call', 'sink__add'));
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: -32020, data: { code: 'REQUEST_HEADER_MISMATCH' } });
    expect(body.id).toBeTypeOf('number');
    const missing = await post('tools/call', { name: 'sink__echo', arguments: { message: 'x' }, _meta: ENVELOPE }, { 'mcp-protocol-version': MODERN });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe(-32020);
    expect(missing.body.error.message).toContain('Mcp-Method');
    expect(upstreamCalls()).toBe(before);
  });

  it('refuses an unsupported version with 400 / -32022 naming the supported ones', async () => {
    const meta = { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' };
    const { status, body } = await post('tools/list', { _meta: meta }, { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: -32022, data: { supported: [MODERN], requested: '2099-01-01', code: 'PROTOCOL_VERSION_UNSUPPORTED' } });
  });

  it('refuses a malformed _meta envelope precisely (the key and the problem)', async () => {
    const { 'io.modelcontextprotocol/clientCapabilities': _dropped, ...meta } = ENVELOPE;
    const { status, body } = await post('tools/list', { _meta: meta }, modernHeaders('tools/list'));
    expect(status).toBe(400);
    expect(body.error.code).toBe(-32602);
    expect(body.error.data.envelope).toEqual({ key: 'io.modelcontextprotocol/clientCapabilities', problem: 'missing' });
  });

  it('serves a v2 client in the new era and a v1 client in the old era at once; the policy sees each era', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const modern = new ClientV2({ name: 'v2-client', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await modern.connect(new HttpTransportV2(new URL(gateway.url), { requestInit: { headers } }));
    const legacy = await connectClient({ type: 'http', url: gateway.url, headers });
    try {
      expect(modern.getProtocolEra()).toBe('modern');
      const modernTools = (await modern.listTools()).tools.map((t) => t.name);
      const legacyTools = (await legacy.listTools()).tools.map((t) => t.name);
      expect(modernTools).toContain('sink__add');
      expect(legacyTools).toContain('sink__echo');
      expect(legacyTools).not.toContain('sink__add');
      const echoed = await modern.callTool({ name: 'sink__echo', arguments: { message: 'from v2' } });
      expect(JSON.stringify(echoed.content)).toContain('from v2');
      // The v2 client without negotiation speaks the old era: the policy sees it as one.
      const v2Legacy = new ClientV2({ name: 'v2-legacy-client', version: '1.0.0' });
      await v2Legacy.connect(new HttpTransportV2(new URL(gateway.url), { requestInit: { headers } }));
      try {
        expect(v2Legacy.getProtocolEra()).toBe('legacy');
        expect((await v2Legacy.listTools()).tools.map((t) => t.name)).not.toContain('sink__add');
        expect(JSON.stringify((await v2Legacy.callTool({ name: 'sink__echo', arguments: { message: 'v2 old era' } })).content)).toContain('v2 old era');
      } finally {
        await v2Legacy.close();
      }
      await expect(legacy.callTool({ name: 'sink__add', arguments: { a: 1, b: 2 } })).rejects.toThrow(/Unknown tool: sink__add/);
    } finally {
      await modern.close();
      await legacy.close();
    }
  });

  it('records the era in every decision row', async () => {
    const decisions = auditRows(dir.audit).filter((row) => row.kind === 'decision');
    const versions = new Set(decisions.map((row) => (JSON.parse(row.data) as { protocol_version?: string }).protocol_version));
    expect(versions).toEqual(new Set([MODERN, '2025-11-25']));
  });
});

describe('warden serve --stdio in the era its client opens with', () => {
  it('serves a v2 client that negotiates the new era, and a v1 client in the old era', async () => {
    const entry = stdioEntryWithToken(dir, token) as { command: string; args: string[]; env: Record<string, string> };
    const modern = new ClientV2({ name: 'v2-stdio-client', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await modern.connect(new StdioTransportV2({ command: entry.command, args: entry.args, env: entry.env, stderr: 'ignore' }));
    try {
      expect(modern.getProtocolEra()).toBe('modern');
      let tools: string[] = [];
      for (let i = 0; i < 300 && !tools.includes('sink__add'); i++) {
        tools = (await modern.listTools()).tools.map((t) => t.name);
        if (!tools.includes('sink__add')) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(tools).toContain('sink__add');
      const added = await modern.callTool({ name: 'sink__add', arguments: { a: 20, b: 22 } });
      expect(JSON.stringify(added.content)).toContain('42');
    } finally {
      await modern.close();
    }
    const legacy = await connectClient(entry, {}, { stderr: 'ignore' });
    try {
      const echoed = await legacy.callTool({ name: 'sink__echo', arguments: { message: 'old era on stdio' } });
      expect(JSON.stringify(echoed.content)).toContain('old era on stdio');
    } finally {
      await legacy.close();
    }
    // The v2 client without negotiation speaks the old era (initialize + session), like a 2025 client.
    const v2Legacy = new ClientV2({ name: 'v2-legacy-stdio-client', version: '1.0.0' });
    await v2Legacy.connect(new StdioTransportV2({ command: entry.command, args: entry.args, env: entry.env, stderr: 'ignore' }));
    try {
      expect(v2Legacy.getProtocolEra()).toBe('legacy');
      const echoed = await v2Legacy.callTool({ name: 'sink__echo', arguments: { message: 'v2 old era on stdio' } });
      expect(JSON.stringify(echoed.content)).toContain('v2 old era on stdio');
    } finally {
      await v2Legacy.close();
    }
  }, 120_000);
});
