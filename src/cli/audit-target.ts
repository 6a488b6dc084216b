import { isAbsolute, resolve } from 'node:path';
import { auditConfigSchema, POSTGRES_URL, type AuditTarget } from '../audit/index.ts';
import { loadConfig } from '../config/index.ts';

/**
 * Which audit database a command reads: `--db` (a path, or a postgres:// URL), else
 * `audit.path`/`audit.url` of `--config` through the gateway's own loader (a path relative to the
 * config file's directory, as `warden serve` resolves it), else the default file in the working
 * directory.
 */
export function auditTargetOf(source: { db?: string | undefined; config?: string | undefined }): AuditTarget {
  const defaults = auditConfigSchema.parse({});
  if (source.db !== undefined) {
    return POSTGRES_URL.test(source.db) ? { backend: 'postgres', settings: { ...defaults, url: source.db } } : { backend: 'sqlite', path: source.db };
  }
  if (source.config !== undefined) {
    const config = loadConfig(source.config);
    if (config.audit.backend === 'postgres') return { backend: 'postgres', settings: { ...config.audit, url: config.audit.url! } };
    return { backend: 'sqlite', path: isAbsolute(config.audit.path) ? config.audit.path : resolve(config.baseDir, config.audit.path) };
  }
  return { backend: 'sqlite', path: defaults.path };
}
