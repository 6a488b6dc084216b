import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaller, type Caller } from '../../../testkit/support/rpc.ts';
import { startWorld, waitForCatalog, type World } from '../../../testkit/support/worlds/security.ts';

/**
 * `GET /metrics` scraped from a real `warden serve --http` process (Rego engine, SQLite audit,
 * three kitchen-sink upstreams): the admin port serves it, the MCP port does not unless
 * `server.metrics` says so, and what the calls did shows up under Prometheus names, with no
 * principal, argument or tool name in any label.
 */
let world: World;
let alice: Caller;
let bob: Caller;
let adminUrl: string;

const SECRET_ARGUMENT = 'argument-value-never-in-metrics';

beforeAll(async () => {
  world = await startWorld({ server: { admin_port: 0 } });
  const line = world.gateway.stderr.map((l) => JSON.parse(l) as { msg?: string; url?: string }).find((r) => r.msg === 'admin listening (/metrics, /readyz)');
  adminUrl = line!.url!;
  alice = await openCaller(world.gateway.url, await world.token());
  bob = await openCaller(world.gateway.url, await world.token({ sub: 'bob' }));
  await waitForCatalog(alice, ['stdio__echo', 'http__echo', 'sse__echo']);
});
afterAll(() => world?.close());

async function scrape(base: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(new URL('/metrics', base));
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one series, by its name and exact label set; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (Object.entries(labels).every(([k, v]) => present.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('is served on server.admin_port, and not on the MCP port while server.metrics is off', async () => {
    const admin = await scrape(adminUrl);
    expect(admin.status).toBe(200);
    expect(admin.type).toMatch(/^text\/plain; version=0\.0\.4/);
    // Off on the MCP port: the path is like any other there, behind the auth edge.
    expect((await scrape(world.gateway.url)).status).toBe(401);
    const withToken = await fetch(new URL('/metrics', world.gateway.url), { headers: { authorization: `Bearer ${alice.token}` } });
    expect(withToken.status).toBe(404);
  });

  it('answers a request target that is no URL 400, and one read as a host before 404, never 500', async () => {
    const statusOf = (path: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        const { hostname, port } = new URL(adminUrl);
        request({ host: hostname, port, path }, (res) => (res.resume(), resolve(res.statusCode))).on('error', reject).end();
      });
    expect(await statusOf('*')).toBe(400);
    expect(await statusOf('//[x')).toBe(404);
    expect(await statusOf('//metrics')).toBe(404);
  });

  it('counts requests by method, decision and code, with stage and end-to-end latency', async () => {
    const before = (await scrape(adminUrl)).text;
    const count = (text: string, decision: string, code: string) => sample(text, 'warden_requests_total', { method: 'tools/call', decision, code }) ?? 0;

    expect((await alice.send('tools/call', { name: 'http__echo', arguments: { message: SECRET_ARGUMENT } })).body?.result).toBeDefined();
    expect((await bob.send('tools/call', { name: 'http__echo', arguments: { message: 'hi' } })).body?.error?.data?.code).toBe('TOOL_NOT_FOUND');
    expect((await alice.send('tools/call', { name: 'stdio__echo', arguments: { message: 'a secret' } })).body?.error?.data?.code).toBe('POLICY_DENIED');
    expect((await alice.send('tools/call', { name: 'no_such_tool' })).body?.error?.data?.code).toBe('TOOL_NOT_FOUND');
    await alice.list('tools/list', 'tools');

    const { text } = await scrape(adminUrl);
    expect(count(text, 'allow', 'OK') - count(before, 'allow', 'OK')).toBe(1);
    expect(count(text, 'deny', 'POLICY_DENIED') - count(before, 'deny', 'POLICY_DENIED')).toBe(1);
    // Hidden (bob) and unknown (no_such_tool) are the same answer and the same series (hole 3).
    expect(count(text, 'deny', 'TOOL_NOT_FOUND') - count(before, 'deny', 'TOOL_NOT_FOUND')).toBe(2);
    expect(sample(text, 'warden_requests_total', { method: 'tools/list', decision: 'none', code: 'OK' })).toBeGreaterThan(0);

    for (const stage of ['authenticate', 'resolve', 'authorize', 'audit-decision', 'forward']) {
      expect(sample(text, 'warden_stage_duration_seconds_count', { stage }), stage).toBeGreaterThan(0);
    }
    expect(sample(text, 'warden_request_duration_seconds_count', { method: 'tools/call' })).toBeGreaterThanOrEqual(4);
    expect(sample(text, 'warden_upstream_request_duration_seconds_count', { upstream: 'http', outcome: 'ok' })).toBeGreaterThan(0);
  });

  it('reports upstreams, audit, policy and sessions', async () => {
    await alice.send('tools/call', { name: 'sse__echo', arguments: { message: 'hi' } });
    const { text } = await scrape(adminUrl);
    for (const upstream of ['stdio', 'http', 'sse']) {
      expect(sample(text, 'warden_upstream_state', { upstream, state: 'ready' }), upstream).toBe(1);
      expect(sample(text, 'warden_upstream_state', { upstream, state: 'waiting' }), upstream).toBe(0);
    }
    expect(sample(text, 'warden_audit_rows_written_total')).toBeGreaterThan(0);
    expect(sample(text, 'warden_audit_commit_duration_seconds_count')).toBeGreaterThan(0);
    expect(sample(text, 'warden_audit_write_failures_total')).toBe(0);
    expect(sample(text, 'warden_audit_queue_depth')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'warden_policy_evaluations_total', { result: 'allow' })).toBeGreaterThan(0);
    expect(sample(text, 'warden_policy_evaluations_total', { result: 'deny' })).toBeGreaterThan(0);
    expect(text).toMatch(/^warden_policy_revision_info\{revision="sha256:[0-9a-f]{64}"\} 1$/m);
    expect(sample(text, 'warden_sessions_open', { era: 'legacy' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'warden_sessions_open', { era: 'modern' })).toBe(0);
  });

  it('names no principal, argument value or tool in any label', async () => {
    const { text } = await scrape(adminUrl);
    const labels = text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    for (const leak of ['alice', 'bob', SECRET_ARGUMENT, 'http__echo', 'no_such_tool', 'secret']) expect(labels).not.toContain(leak);
  });
});
