/**
 * Where `policy explain` and `policy replay` take a policy set from: `-d PATH...` with
 * `--entrypoint`, or the `policy` section of a gateway config (`--config`), as `warden serve`
 * would load it.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { WardenError } from '../errors.ts';

export interface PolicySource {
  /** Absolute paths. */
  paths: string[];
  entrypoint: string;
  /** Rego v0 modules: `--v0-compatible`, or the config's `policy.v0_compatible`. */
  v0Compatible: boolean;
}

export function policySource(
  flags: { data?: string[] | undefined; config?: string | undefined; entrypoint?: string | undefined; 'v0-compatible'?: boolean | undefined },
  dataFlag = '-d',
): PolicySource {
  const v0 = flags['v0-compatible'] === true;
  if (flags.config !== undefined) {
    if (flags.data && flags.data.length > 0) throw new WardenError('USAGE', `give either ${dataFlag} or --config, not both`);
    const config = loadConfig(flags.config);
    return { paths: config.policy.paths.map((path) => resolve(config.baseDir, path)), entrypoint: flags.entrypoint ?? config.policy.entrypoint, v0Compatible: v0 || config.policy.v0_compatible };
  }
  if (!flags.data || flags.data.length === 0) throw new WardenError('USAGE', `${dataFlag} PATH (the policies) or --config FILE is required`);
  return { paths: flags.data.map((path) => resolve(path)), entrypoint: flags.entrypoint ?? 'data.mcp.authz', v0Compatible: v0 };
}

/** `data.mcp.authz` -> ['mcp', 'authz'] (USAGE unless it is a plain dotted data path). */
export function entrypointPath(entrypoint: string): string[] {
  if (!/^data(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(entrypoint)) throw new WardenError('USAGE', `--entrypoint: expected a path such as data.mcp.authz, got "${entrypoint}"`);
  return entrypoint.split('.').slice(1);
}
