import { isAbsolute, resolve } from 'node:path';
import { auditConfigSchema, type AuditConfig } from './config.ts';
import { POSTGRES_URL, type PostgresSettings } from './postgres/connection.ts';

/** Which audit database a command works on: a SQLite file, or PostgreSQL with its connection settings. */
export type AuditTarget = { backend: 'sqlite'; path: string } | { backend: 'postgres'; settings: PostgresSettings };

/** `--db PATH|URL`: a postgres:// URL (default settings otherwise), else a SQLite file. */
export function auditTargetAt(where: string): AuditTarget {
  return POSTGRES_URL.test(where) ? { backend: 'postgres', settings: { ...auditConfigSchema.parse({}), url: where } } : { backend: 'sqlite', path: where };
}

/** The database of an `audit` config section; a relative path is relative to the config file's directory, as `warden serve` resolves it. */
export function configuredAuditTarget(audit: AuditConfig, baseDir: string): AuditTarget {
  if (audit.backend === 'postgres') return { backend: 'postgres', settings: { ...audit, url: audit.url! } };
  return { backend: 'sqlite', path: isAbsolute(audit.path) ? audit.path : resolve(baseDir, audit.path) };
}
