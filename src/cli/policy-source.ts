/**
 * Where `policy explain` and `policy replay` take a policy set from: `-d PATH...` with
 * `--entrypoint`, or the `policy` section of a gateway config (`--config`), as `warden serve`
 * would load it.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { WardenError } from '../errors.ts';

export interface PolicySource {
  /** Absolute paths. */
  paths: string[];
  entrypoint: string;
}

export function policySource(flags: { data?: string[] | undefined; config?: string | undefined; entrypoint?: string | undefined }, dataFlag = '-d'): PolicySource {
  if (flags.config !== undefined) {
    if (flags.data && flags.data.length > 0) throw new WardenError('USAGE', `give either ${dataFlag} or --config, not both`);
    const config = loadConfig(flags.config);
    return { paths: config.policy.paths.map((path) => resolve(config.baseDir, path)), entrypoint: flags.entrypoint ?? config.policy.entrypoint };
  }
  if (!flags.data || flags.data.length === 0) throw new WardenError('USAGE', `${dataFlag} PATH (the policies) or --config FILE is required`);
  return { paths: flags.data.map((path) => resolve(path)), entrypoint: flags.entrypoint ?? 'data.mcp.authz' };
}

/** `data.mcp.authz` -> ['mcp', 'authz'] (USAGE unless it is a plain dotted data path). */
export function entrypointPath(entrypoint: string): string[] {
  if (!/^data(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(entrypoint)) throw new WardenError('USAGE', `--entrypoint: expected a path such as data.mcp.authz, got "${entrypoint}"`);
  return entrypoint.split('.').slice(1);
}
