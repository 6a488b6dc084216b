import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadComposites } from '../../../src/composites/index.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { UpstreamCatalog } from '../../../src/gateway/upstream-catalog.ts';
import { createLogger } from '../../../src/log.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { relayServer } from '../../../testkit/fixtures/spawn.ts';

/**
 * The one builder of catalog + upstreams that `serve` (through Gateway) and `tools` share, with
 * real relay upstreams over stdio: what each listing does to the catalog, and when a start fails.
 */
const { dir, cleanup } = tempDir('warden-upstream-catalog-');
const built: UpstreamCatalog[] = [];
afterAll(async () => {
  await Promise.all(built.map((b) => b.upstreams.close()));
  cleanup();
});

async function build(name: string, config: Record<string, unknown>, seen: string[] = []): Promise<UpstreamCatalog> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const resolved = loadConfig(file, {});
  const composites = await loadComposites(resolved.composites, resolved.compositeModules);
  const catalog = new UpstreamCatalog(resolved, composites, {
    log: createLogger('silent'),
    clientInfo: { name: 'upstream-catalog-test', version: 'test' },
    events: {
      onListing: (upstream, _listing, changed, reason) => void seen.push(`${upstream} ${reason} ${changed === undefined ? 'refused' : changed.join(',')}`),
      onNotification: () => undefined,
      onServerRequest: () => Promise.reject(new Error('not in this test')),
    },
  });
  built.push(catalog);
  return catalog;
}

describe('UpstreamCatalog', () => {
  it('puts every listing into the catalog as it arrives, beside the composite tools, and starts degraded when an upstream is down', async () => {
    const seen: string[] = [];
    const composite = { name: 'echo_twice', description: 'Echo two times', steps: [{ id: 'one', tool: 'db__echo', arguments: { message: 'a' } }] };
    const catalog = await build('ok', { mcpServers: { db: relayServer('db'), gone: { type: 'http', url: 'http://127.0.0.1:9/mcp' } }, composites: [composite], upstream_defaults: { reconnect_initial_ms: 60_000 } }, seen);
    expect(catalog.catalog.snapshot.toolList.map((t) => t.publicName)).toEqual(['echo_twice']);
    await expect(catalog.start()).resolves.toEqual({ connected: ['db'], down: ['gone'] });
    expect(seen).toEqual(['db connected tools,resources,prompts']);
    const tools = catalog.catalog.snapshot.toolList;
    expect(tools.find((t) => t.publicName === 'db__echo')).toMatchObject({ upstream: 'db', originalName: 'echo' });
    expect(tools.find((t) => t.publicName === 'echo_twice')).toMatchObject({ upstream: 'warden', notes: ['composite'] });
  });

  it('refuses to start when the first listings make the catalog invalid, and keeps the listing it had', async () => {
    const seen: string[] = [];
    const catalog = await build('clash', { mcpServers: { a: relayServer('a'), b: relayServer('b') }, namespacing: { strategy: 'none' } }, seen);
    await expect(catalog.start()).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: 'namespacing.strategy "none": tool "echo" is offered by both "a" and "b"; use rename or hide' });
    expect(seen.map((line) => line.split(' ').slice(1).join(' ')).sort()).toEqual(['connected refused', 'connected tools,resources,prompts']);
    expect(catalog.catalog.snapshot.toolList.filter((t) => t.originalName === 'echo')).toHaveLength(1);
  });
});
