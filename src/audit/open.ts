import { isAbsolute, resolve } from 'node:path';
import type { AuditConfig } from './config.ts';
import { openPostgresAuditStore } from './postgres/store.ts';
import type { Logger } from '../log.ts';
import { postgresSessionState } from './postgres/session-state.ts';
import { memorySessionState, type SessionStateStore } from './session-state.ts';
import type { AuditStore } from './sink.ts';
import { type AuditStoreOptions, openAuditStore } from './sqlite/store.ts';
import type { ConsoleReader } from './console-reader.ts';
import { openPostgresConsoleReader } from './postgres/console-reader.ts';
import { openConsoleReader } from './sqlite/console-reader.ts';

/**
 * The store `audit.backend` names: SQLite (a file beside the config, the default) or PostgreSQL.
 * Both refuse to open with a WardenError whose code decides the exit code.
 */
export async function openConfiguredAuditStore(config: AuditConfig, baseDir: string, options: AuditStoreOptions = {}): Promise<AuditStore> {
  const beside = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  const { checkpoint } = config;
  const resolved: AuditConfig = {
    ...config,
    ...(checkpoint === undefined
      ? {}
      : { checkpoint: { ...checkpoint, private_key_file: beside(checkpoint.private_key_file), ...(checkpoint.file === undefined ? {} : { file: beside(checkpoint.file) }) } }),
  };
  if (config.backend === 'postgres') return openPostgresAuditStore(resolved, options);
  return openAuditStore({ ...resolved, path: beside(config.path) }, options);
}

/** The console's read-only view of the gateway's own trail (console-reader.ts), on either backend. */
export async function openConfiguredConsoleReader(config: AuditConfig, baseDir: string): Promise<ConsoleReader> {
  if (config.backend === 'postgres') return openPostgresConsoleReader(config);
  return openConsoleReader(isAbsolute(config.path) ? config.path : resolve(baseDir, config.path));
}

/** Where old-era sessions keep what may change: the shared database on PostgreSQL, this process otherwise. */
export function openConfiguredSessionState(config: AuditConfig, log: Logger): SessionStateStore {
  return config.backend === 'postgres' ? postgresSessionState(config, log) : memorySessionState();
}
