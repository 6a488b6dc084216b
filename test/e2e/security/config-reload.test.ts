import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows } from '../../support/audit.ts';
import { startWorld, waitForCatalog, type World } from '../../support/worlds/security.ts';
import { openCaller, type Caller } from '../../support/rpc.ts';

/**
 * Config hot reload through the running gateway process (server.watch_config, on by default): the
 * config file is rewritten under it, no signal sent. The `limits` section applies live.
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

describe('config hot reload', () => {
  it('an edit of the config file applies a new rate limit to the running gateway, without a signal, and is recorded', async () => {
    expect((await echo()).body?.result).toBeDefined();
    expect((await echo()).body?.result).toBeDefined();
    const config = JSON.parse(readFileSync(world.dir.config, 'utf8')) as Record<string, unknown>;
    writeFileSync(world.dir.config, JSON.stringify({ ...config, limits: { rate: [{ name: 'one-per-hour', rate: 0.0003, burst: 1 }] } }));
    await expect.poll(() => auditRows(world.dir.audit).some((r) => r.kind === 'config_reload'), { timeout: 10_000 }).toBe(true);
    const reload = auditRows(world.dir.audit).find((r) => r.kind === 'config_reload')!;
    expect(JSON.parse(reload.data)).toMatchObject({ ok: true, changed: ['limits'], restart_needed: [] });
    expect((await echo()).body?.result).toBeDefined();
    expect((await echo()).body?.error).toMatchObject({ data: { code: 'RATE_LIMITED', rule: 'one-per-hour' } });
  });
});
