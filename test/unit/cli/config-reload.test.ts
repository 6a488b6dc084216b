import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { reloadConfig } from '../../../src/cli/config-reload.ts';
import { buildServices } from '../../../src/cli/serve.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { registry, setMetricsEnabled } from '../../../src/metrics/metrics.ts';
import type { PolicyInput } from '../../../src/policy/contract.ts';
import { tempDir } from '../../support/audit.ts';
import { silentLogger } from '../../support/engines.ts';

/**
 * SIGHUP's work (reloadConfig) on the services `warden serve` builds: a real SQLite audit store and
 * Rego engine. The whole file is validated before anything changes; a broken one keeps the running
 * policy and is recorded with its file and JSON path; a good one reloads the policy files and
 * records the sections that differ. One audit row and one metric per reload.
 */
const { dir, cleanup } = tempDir('config-reload');
afterAll(() => {
  setMetricsEnabled(false);
  cleanup();
});

const input: PolicyInput = { method: 'tools/list', request: { id: '1', session: 's', transport: 'stdio', protocol_version: '2025-11-25' }, now: new Date().toISOString() };
const reloadRows = (db: string) =>
  (new Database(db, { readonly: true }).prepare("SELECT data FROM events WHERE kind = 'config_reload' ORDER BY seq").all() as Array<{ data: string }>).map(
    (r) => JSON.parse(r.data) as { ok: boolean; error: string | null; changed: string[] },
  );
const reloadsMetric = async (result: string) => Number(/\{result="(\w+)"\} (\d+)/.exec((await registry.getSingleMetricAsString('warden_config_reloads_total')).split('\n').find((l) => l.includes(`"${result}"`)) ?? '')?.[2] ?? 0);

describe('config reload', () => {
  it('[fail-closed:reload-keeps-last-good] refuses a broken file whole, then applies a good one', async () => {
    setMetricsEnabled(true);
    const file = join(dir, 'warden.config.json');
    writeFileSync(join(dir, 'authz.rego'), 'package mcp.authz\n\nallow := true\n');
    const good = { mcpServers: {}, auth: { mode: 'disabled' }, policy: { paths: ['authz.rego'], watch: false }, audit: { path: 'audit.db' } };
    writeFileSync(file, JSON.stringify(good));
    const config = loadConfig(file, {});
    const services = await buildServices(config, silentLogger);
    try {
      // Broken: the policy file changes too, but nothing is applied while the config is refused.
      writeFileSync(join(dir, 'authz.rego'), 'package mcp.authz\n\nallow := false\n');
      writeFileSync(file, JSON.stringify({ ...good, server: { port: 'eighty' } }));
      await reloadConfig(config, { ...services, log: silentLogger });
      expect((await services.policy.evaluate(input)).allow).toBe(true);
      const [refused] = reloadRows(join(dir, 'audit.db'));
      expect(refused).toMatchObject({ ok: false });
      expect(refused!.error).toContain('warden.config.json: server.port');
      expect(await reloadsMetric('failed')).toBe(1);

      // Good: the policy files are reloaded, the changed section is named.
      writeFileSync(file, JSON.stringify({ ...good, server: { session_idle_ms: 1000 } }));
      await reloadConfig(config, { ...services, log: silentLogger });
      expect((await services.policy.evaluate(input)).allow).toBe(false);
      expect(reloadRows(join(dir, 'audit.db'))[1]).toMatchObject({ ok: true, changed: ['server'], error: null });
      expect(await reloadsMetric('ok')).toBe(1);
      expect(readFileSync(file, 'utf8')).toContain('session_idle_ms');
    } finally {
      await services.close();
    }
  });
});
