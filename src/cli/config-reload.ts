import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { AuditStore } from '../audit/index.ts';
import { type Authenticator, type SwappableAuthenticator, createAuthenticator } from '../auth/index.ts';
import { loadComposites } from '../composites/index.ts';
import { loadConfig, type ResolvedConfig } from '../config/index.ts';
import { asWardenError } from '../errors.ts';
import type { Gateway, GatewayReload } from '../gateway/index.ts';
import { upstreamLimits } from '../limits/index.ts';
import type { Logger } from '../log.ts';
import { metrics } from '../metrics/index.ts';
import type { ReloadablePolicyEngine } from '../policy/index.ts';

/** What a reload changes in the running gateway. */
export interface ReloadTargets {
  audit: AuditStore;
  policy: ReloadablePolicyEngine;
  authenticator: SwappableAuthenticator;
  /** Its limits, upstreams, catalog (namespacing) and composites. */
  gateway: Gateway;
  log: Logger;
  /** Told the files a config about to be applied was read from, before its row is written (the watch moves with them). */
  watchSources?: (sources: readonly string[]) => void;
}

/** Sections a reload applies to the running gateway; the others take effect at the next start. */
const LIVE_SECTIONS: ReadonlySet<keyof ResolvedConfig> = new Set(['sources', 'auth', 'limits', 'upstreams', 'upstreamDefaults', 'namespacing', 'composites', 'compositeModules']);

/** Sections the gateway's own reload (upstream connections, catalog, composites) applies. */
const GATEWAY_SECTIONS: ReadonlySet<keyof ResolvedConfig> = new Set(['upstreams', 'upstreamDefaults', 'namespacing', 'composites', 'compositeModules']);

/**
 * SIGHUP or an edit of the config file: the whole file is read, validated and built again
 * before anything changes: composites, a new authenticator when `auth` changed (its key files and
 * JWKS must load), and the gateway's new upstream connections and catalog (gateway.prepareReload:
 * added and changed upstreams connected or down as at start, unchanged ones untouched). A broken
 * file keeps the running config and says why (file and JSON path, as at start). A good one then
 * swaps in the gateway's part (clients whose lists changed get list_changed), the authenticator
 * and the limits, and reloads the policy files; the sections that differ but cannot change live
 * are named in the log and in the row (`restart_needed`). Either way one `config_reload` audit row
 * and one metric. Calls in flight finish on what they started with: each swap happens between
 * uses, and a removed upstream's connection closes once its calls are answered.
 * Returns the config now running, which the next reload compares against.
 */
export async function reloadConfig(running: ResolvedConfig, targets: ReloadTargets): Promise<ResolvedConfig> {
  const time = new Date().toISOString();
  const { audit, log } = targets;
  let next: ResolvedConfig;
  let changed: Array<keyof ResolvedConfig>;
  let authenticator: Authenticator | undefined;
  let gateway: GatewayReload | undefined;
  let restartNeeded: Array<keyof ResolvedConfig>;
  let applied: ResolvedConfig;
  try {
    next = loadConfig(running.file);
    targets.watchSources?.(next.sources);
    const composites = await loadComposites(next.composites, next.compositeModules);
    changed = (Object.keys(next) as Array<keyof ResolvedConfig>).filter((key) => !isDeepStrictEqual(next[key], running[key]));
    if (changed.includes('auth') && next.auth.mode === running.auth.mode) {
      authenticator = await createAuthenticator(next.auth, { baseDir: next.baseDir, logger: log });
    }
    // Last, so only its own commit can still refuse the reload once its connections are open.
    if (changed.some((section) => GATEWAY_SECTIONS.has(section))) gateway = await targets.gateway.prepareReload(next, composites);
    restartNeeded = changed.filter((section) => !LIVE_SECTIONS.has(section) || (section === 'auth' && authenticator === undefined));
    // The sections that need a restart stay as they run, so the next reload names them again.
    applied = { ...next, ...Object.fromEntries(restartNeeded.map((section) => [section, running[section]])) };
    gateway?.commit(applied);
  } catch (error) {
    targets.watchSources?.(running.sources);
    await gateway?.abandon();
    await authenticator?.close();
    const failure = asWardenError(error, 'CONFIG_INVALID');
    log.error({ code: failure.code, ...failure.details }, `config reload refused, keeping the running config: ${failure.message}`);
    metrics.configReload(false);
    await audit.recordLifecycle({ kind: 'config_reload', time, file: running.file, ok: false, error: failure.message }).catch((e: unknown) => log.error({ err: e }, 'recording a config reload failed'));
    return running;
  }
  if (gateway) log.info({ ...gateway.upstreams }, 'config reload: upstreams, namespacing and composites applied');
  if (authenticator) await targets.authenticator.replace(authenticator);
  if (changed.includes('limits')) targets.gateway.limits.reconfigure(next.limits, (upstream) => upstreamLimits(next.limits, upstream).max_concurrent);
  if (restartNeeded.length > 0) log.warn({ sections: restartNeeded }, 'config reload: these sections changed and take effect at the next start');
  metrics.configReload(true);
  await audit
    .recordLifecycle({ kind: 'config_reload', time, file: running.file, ok: true, sha256: createHash('sha256').update(readFileSync(running.file)).digest('hex'), changed, restartNeeded })
    .catch((e: unknown) => log.error({ err: e }, 'recording a config reload failed'));
  await targets.policy.reload('signal');
  return applied;
}
