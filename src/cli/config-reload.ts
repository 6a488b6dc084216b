import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { AuditStore } from '../audit/index.ts';
import { loadComposites } from '../composites/index.ts';
import { loadConfig, type ResolvedConfig } from '../config/index.ts';
import { asWardenError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { metrics } from '../metrics/index.ts';
import type { ReloadablePolicyEngine } from '../policy/index.ts';

/**
 * SIGHUP: the whole config file is read and validated again, composites included, before
 * anything changes. A broken file keeps the running config and says why (file and JSON path, as
 * at start); a good one reloads the policy files and names the config sections that differ from
 * the running ones: those take effect at the next start (applying them live is issue 13's open
 * part). Either way one `config_reload` audit row and one metric.
 * In-flight calls are untouched: the policy engine swaps its set atomically between decisions.
 */
export async function reloadConfig(running: ResolvedConfig, deps: { audit: AuditStore; policy: ReloadablePolicyEngine; log: Logger }): Promise<void> {
  const time = new Date().toISOString();
  let next: ResolvedConfig;
  try {
    next = loadConfig(running.file);
    await loadComposites(next.composites, next.compositeModules, next.baseDir);
  } catch (error) {
    const failure = asWardenError(error, 'CONFIG_INVALID');
    deps.log.error({ code: failure.code, ...failure.details }, `config reload refused, keeping the running config: ${failure.message}`);
    metrics.configReload(false);
    await deps.audit.recordLifecycle({ kind: 'config_reload', time, file: running.file, ok: false, error: failure.message }).catch((e: unknown) => deps.log.error({ err: e }, 'recording a config reload failed'));
    return;
  }
  const changed = (Object.keys(next) as Array<keyof ResolvedConfig>).filter((key) => !isDeepStrictEqual(next[key], running[key]));
  if (changed.length > 0) deps.log.warn({ sections: changed }, 'config reload: these sections changed and take effect at the next start');
  metrics.configReload(true);
  await deps.audit
    .recordLifecycle({ kind: 'config_reload', time, file: running.file, ok: true, sha256: createHash('sha256').update(readFileSync(running.file)).digest('hex'), changed })
    .catch((e: unknown) => deps.log.error({ err: e }, 'recording a config reload failed'));
  await deps.policy.reload('signal');
}
