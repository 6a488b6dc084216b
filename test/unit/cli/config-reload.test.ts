import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { reloadConfig } from '../../../src/cli/config-reload.ts';
import { buildServices } from '../../../src/cli/serve.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { Gateway } from '../../../src/gateway/gateway.ts';
import { registry, setMetricsEnabled } from '../../../src/metrics/metrics.ts';
import type { PolicyInput } from '../../../src/policy/contract.ts';
import { tempDir } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';
import { devToken } from '../../../testkit/support/tokens.ts';

/**
 * SIGHUP's work (reloadConfig) on the services `warden serve` builds: a real SQLite audit store,
 * Rego engine and JWT authenticator. The whole file is validated before anything changes; a broken
 * one keeps the running policy and is recorded with its file and JSON path; a good one reloads the
 * policy files, applies `auth` and `limits` live and records the sections that differ and those
 * that need a restart. One audit row and one metric per reload.
 */
const { dir, cleanup } = tempDir('config-reload');
afterAll(() => {
  setMetricsEnabled(false);
  cleanup();
});

const input: PolicyInput = { method: 'tools/list', request: { id: '1', session: 's', transport: 'stdio', protocol_version: '2025-11-25' }, now: new Date().toISOString() };
const reloadRows = (db: string) =>
  (new Database(db, { readonly: true }).prepare("SELECT data FROM events WHERE kind = 'config_reload' ORDER BY seq").all() as Array<{ data: string }>).map(
    (r) => JSON.parse(r.data) as { ok: boolean; error: string | null; changed: string[]; restart_needed: string[] },
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
    const gateway = new Gateway(config, { ...services, log: silentLogger, version: 'test' });
    try {
      // Broken: the policy file changes too, but nothing is applied while the config is refused.
      writeFileSync(join(dir, 'authz.rego'), 'package mcp.authz\n\nallow := false\n');
      writeFileSync(file, JSON.stringify({ ...good, server: { port: 'eighty' } }));
      await reloadConfig(config, { ...services, gateway, log: silentLogger });
      expect((await services.policy.evaluate(input)).allow).toBe(true);
      const [refused] = reloadRows(join(dir, 'audit.db'));
      expect(refused).toMatchObject({ ok: false });
      expect(refused!.error).toContain('warden.config.json: server.port');
      expect(await reloadsMetric('failed')).toBe(1);

      // Good: the policy files are reloaded, the changed section is named.
      writeFileSync(file, JSON.stringify({ ...good, server: { session_idle_ms: 1000 } }));
      await reloadConfig(config, { ...services, gateway, log: silentLogger });
      expect((await services.policy.evaluate(input)).allow).toBe(false);
      expect(reloadRows(join(dir, 'audit.db'))[1]).toMatchObject({ ok: true, changed: ['server'], restart_needed: ['server'], error: null });
      expect(await reloadsMetric('ok')).toBe(1);
      expect(readFileSync(file, 'utf8')).toContain('session_idle_ms');
    } finally {
      await gateway.close();
      await services.close();
    }
  });

  it('applies auth issuers and limits live, each reload against the config the last one left running', async () => {
    const file = join(dir, 'live.config.json');
    const db = join(dir, 'live.db');
    writeFileSync(join(dir, 'allow.rego'), 'package mcp.authz\n\nallow := true\n');
    const issuer = (iss: string) => ({ issuer: iss, audience: 'mcp-warden', public_key_file: join(import.meta.dirname, '../../../examples/keys/dev-only-public.pem'), algorithms: ['RS256'] });
    const base = { mcpServers: {}, auth: { issuers: [issuer('https://another-idp.invalid')] }, policy: { paths: ['allow.rego'], watch: false }, audit: { path: db } };
    writeFileSync(file, JSON.stringify(base));
    let running = loadConfig(file, {});
    const services = await buildServices(running, silentLogger);
    const gateway = new Gateway(running, { ...services, log: silentLogger, version: 'test' });
    const token = await devToken('alice', ['analyst']);
    const subject = { principalKey: 'alice', sub: 'alice', roles: ['analyst'], tool: 'db__query', upstream: 'db' };
    const admitted = async () => gateway.limits.admit(subject, Date.now(), new AbortController().signal).then((release) => (release(), true), () => false);
    try {
      await expect(services.authenticator.authenticate(token)).rejects.toMatchObject({ code: 'AUTH_ISSUER' });
      expect(await admitted()).toBe(true);

      // The dev issuer is trusted and a rate rule allows one call at once: both apply at once.
      writeFileSync(file, JSON.stringify({ ...base, auth: { issuers: [issuer('https://dev-idp.mcp-warden.invalid')] }, limits: { rate: [{ name: 'slow', rate: 0.001, burst: 1 }] } }));
      running = await reloadConfig(running, { ...services, gateway, log: silentLogger });
      expect(await services.authenticator.authenticate(token)).toMatchObject({ sub: 'alice' });
      expect(await admitted()).toBe(true);
      expect(await admitted()).toBe(false);
      expect(reloadRows(db).at(-1)).toMatchObject({ ok: true, changed: ['auth', 'limits'], restart_needed: [] });

      // A key file that does not exist: the new authenticator cannot be built, nothing changes.
      writeFileSync(file, JSON.stringify({ ...base, auth: { issuers: [{ ...issuer('https://dev-idp.mcp-warden.invalid'), public_key_file: 'missing.pem' }] } }));
      running = await reloadConfig(running, { ...services, gateway, log: silentLogger });
      expect(reloadRows(db).at(-1)).toMatchObject({ ok: false });
      expect(await services.authenticator.authenticate(token)).toMatchObject({ sub: 'alice' });
      expect(await admitted()).toBe(false);
    } finally {
      await gateway.close();
      await services.close();
    }
  });
});
