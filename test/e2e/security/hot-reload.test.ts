import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows } from '../../../testkit/support/audit.ts';
import { expectNothingForwarded, seen, startWorld, waitForCatalog, type World } from '../../../testkit/support/worlds/security.ts';
import { openCaller, type Caller } from '../../../testkit/support/rpc.ts';

/**
 * Hot reload through the running gateway process, no signal sent. The config file is rewritten
 * under it (server.watch_config, on by default): its `limits` apply live. The policy file is
 * rewritten (policy.watch: true): a broken set must keep the last good one (and say where it
 * broke); a good set must take effect, which also proves the watcher saw our writes.
 */
let world: World;
let alice: Caller;

beforeAll(async () => {
  world = await startWorld({ watch: true });
  alice = await openCaller(world.gateway.url, await world.token());
  await waitForCatalog(alice, ['http__echo']);
});
afterAll(() => world?.close());

const echo = () => alice.send('tools/call', { name: 'http__echo', arguments: { message: 'hi' } });

/** Resolves with the first gateway log line (pino JSON) matching `test` written after `from`. */
async function logLine(from: number, test: (record: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    for (const line of world.gateway.stderr.slice(from)) {
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (test(record)) return record;
      } catch {
        // not a log line
      }
    }
    if (Date.now() > deadline) throw new Error(`no matching log line; stderr:\n${world.gateway.stderr.slice(from).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function until<T>(probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = probe();
    if (value !== undefined || Date.now() > deadline) return value as T;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const configReloads = () => auditRows(world.dir.audit).filter((r) => r.kind === 'config_reload').map((r) => JSON.parse(r.data) as Record<string, unknown>);

describe('config hot reload', () => {
  it('an edit of the config file applies a new rate limit to the running gateway and is recorded; the edit back lifts it', async () => {
    expect((await echo()).body?.result).toBeDefined();
    expect((await echo()).body?.result).toBeDefined();
    const original = readFileSync(world.dir.config, 'utf8');
    const config = JSON.parse(original) as Record<string, unknown>;
    writeFileSync(world.dir.config, JSON.stringify({ ...config, limits: { rate: [{ name: 'one-per-hour', rate: 0.0003, burst: 1 }] } }));
    await expect.poll(() => configReloads().length, { timeout: 10_000 }).toBe(1);
    expect(configReloads()[0]).toMatchObject({ ok: true, changed: ['limits'], restart_needed: [] });
    expect((await echo()).body?.result).toBeDefined();
    expect((await echo()).body?.error).toMatchObject({ data: { code: 'RATE_LIMITED', rule: 'one-per-hour' } });

    writeFileSync(world.dir.config, original);
    await expect.poll(() => configReloads().length, { timeout: 10_000 }).toBe(2);
    expect((await echo()).body?.result).toBeDefined();
  });

  it('an edit that removes an upstream takes its tools away live, and the edit back connects it again', async () => {
    const tools = async () => (await alice.list('tools/list', 'tools')).map((tool) => tool.name as string);
    await waitForCatalog(alice, ['sse__echo']);
    const original = readFileSync(world.dir.config, 'utf8');
    const config = JSON.parse(original) as { mcpServers: Record<string, unknown> };
    const { sse: _removed, ...others } = config.mcpServers;
    const before = configReloads().length;
    writeFileSync(world.dir.config, JSON.stringify({ ...config, mcpServers: others }));
    await expect.poll(() => configReloads().length, { timeout: 10_000 }).toBe(before + 1);
    expect(configReloads().at(-1)).toMatchObject({ ok: true, changed: ['upstreams'], restart_needed: [] });
    expect((await tools()).filter((name) => name.startsWith('sse__'))).toEqual([]);
    expect((await echo()).body?.result).toBeDefined();

    writeFileSync(world.dir.config, original);
    await expect.poll(() => configReloads().length, { timeout: 10_000 }).toBe(before + 2);
    await waitForCatalog(alice, ['sse__echo']);
  });

  it('a separate mcpServers file is watched too: an edit of it alone reloads', async () => {
    const tools = async () => (await alice.list('tools/list', 'tools')).map((tool) => tool.name as string);
    const original = readFileSync(world.dir.config, 'utf8');
    const config = JSON.parse(original) as { mcpServers: Record<string, unknown> };
    const serversFile = join(dirname(world.dir.config), 'servers.mcp.json');
    writeFileSync(serversFile, JSON.stringify({ mcpServers: config.mcpServers }));
    const before = configReloads().length;
    writeFileSync(world.dir.config, JSON.stringify({ ...config, mcpServers: 'servers.mcp.json' }));
    await expect.poll(() => configReloads().length, { timeout: 10_000 }).toBe(before + 1);
    expect(configReloads().at(-1)).toMatchObject({ ok: true, changed: ['sources'], restart_needed: [] });

    // Only the servers file changes: the config file is untouched, so only its watch can see this.
    const { sse: _removed, ...others } = config.mcpServers;
    writeFileSync(serversFile, JSON.stringify({ mcpServers: others }));
    await expect.poll(() => configReloads().length, { timeout: 10_000 }).toBe(before + 2);
    expect(configReloads().at(-1)).toMatchObject({ ok: true, changed: ['upstreams'] });
    expect((await tools()).filter((name) => name.startsWith('sse__'))).toEqual([]);

    writeFileSync(world.dir.config, original);
    await expect.poll(() => configReloads().length, { timeout: 10_000 }).toBe(before + 3);
    expect(configReloads().at(-1)).toMatchObject({ ok: true, changed: ['sources', 'upstreams'] });
    await waitForCatalog(alice, ['sse__echo']);
  });
});

describe('policy hot reload', () => {
  it('[fail-closed:reload-keeps-last-good] a broken policy file keeps the last good set; a good one replaces it', async () => {
    expect((await echo()).body?.result).toEqual({ content: [{ type: 'text', text: 'hi' }] });
    // The config reloads above reloaded the policy too: only this test's rows count.
    const policyReloads = () => auditRows(world.dir.audit).filter((r) => r.kind === 'policy_reload').map((r) => JSON.parse(r.data) as { ok: boolean; error?: string });
    const earlier = policyReloads().length;

    let from = world.gateway.stderr.length;
    writeFileSync(world.dir.policy, 'package mcp.authz\n\nallow := true if {\n\tinput.principal.sub ==\n');
    const failed = await logLine(from, (r) => typeof r.msg === 'string' && r.msg.startsWith('policy reload failed, keeping the last good set'));
    expect(failed.msg).toMatch(/policy\.rego:\d+/); // the error names file:row
    // Still the last good set: alice's call goes through, and the upstream sees it.
    const before = world.upstreams.calls('http');
    expect((await echo()).body?.result).toEqual({ content: [{ type: 'text', text: 'hi' }] });
    expect(world.upstreams.calls('http')).toBe(before + 1);

    // A valid set that denies everything takes effect: the watcher works, so the above was no accident.
    from = world.gateway.stderr.length;
    writeFileSync(world.dir.policy, 'package mcp.authz\n\nallow := false\n\nreasons := {"maintenance"}\n');
    await logLine(from, (r) => r.msg === 'policy reloaded');
    // Both reloads are in the audit trail (written in the background, hence the wait).
    const reloads = await until(() => {
      const rows = policyReloads().slice(earlier);
      return rows.some((r) => r.ok) ? rows : undefined;
    });
    // (A file watcher may report one write twice; the order is what matters.)
    expect(reloads[0]!.ok).toBe(false);
    expect(reloads.at(-1)!.ok).toBe(true);
    expect(reloads[0]!.error).toMatch(/policy\.rego:\d+/);
    const denied = seen(world);
    const { body } = await echo();
    // Even listing is denied now, so the tool is hidden.
    expect(body?.error).toMatchObject({ code: -32602, data: { code: 'TOOL_NOT_FOUND' } });
    expectNothingForwarded(world, denied, 1);
  });
});
