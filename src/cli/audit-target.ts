import { auditConfigSchema, auditTargetAt, configuredAuditTarget, type AuditTarget } from '../audit/index.ts';
import { loadConfig } from '../config/index.ts';

/**
 * Which audit database a command reads: `--db` (a path, or a postgres:// URL), else
 * `audit.path`/`audit.url` of `--config` through the gateway's own loader (a path relative to the
 * config file's directory, as `warden serve` resolves it), else the default file in the working
 * directory.
 */
export function auditTargetOf(source: { db?: string | undefined; config?: string | undefined }): AuditTarget {
  if (source.db !== undefined) return auditTargetAt(source.db);
  if (source.config !== undefined) {
    const config = loadConfig(source.config);
    return configuredAuditTarget(config.audit, config.baseDir);
  }
  return auditTargetAt(auditConfigSchema.parse({}).path);
}
