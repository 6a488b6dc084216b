import { userInfo } from 'node:os';
import { z } from 'zod';
import { type ChainKey, chainKey, rotateChainKey } from '../audit/index.ts';
import { loadConfig } from '../config/index.ts';
import { WardenError } from '../errors.ts';
import { parseFlags } from './args.ts';
import { auditTargetOf } from './audit-target.ts';
import { renderJson } from './render.ts';

/**
 * `warden audit keys rotate [--replica ID]`: the chain key changes in place (src/audit/key-rotation.ts).
 * The current key comes from `--config` (audit.chain_key) or WARDEN_AUDIT_CHAIN_KEY, the new one
 * from WARDEN_AUDIT_NEW_CHAIN_KEY: never a flag (a command line is visible to every local user).
 */
export const KEYS_USAGE = `keys rotate [--replica ID] [--json]   (new key from WARDEN_AUDIT_NEW_CHAIN_KEY; stop the gateway
          first, then start it with the new key as audit.chain_key and the old one in
          audit.retired_chain_keys so verify can check the rows before the rotation)`;

type Source = { db?: string | undefined; config?: string | undefined };

/** The keys rotated out: audit.retired_chain_keys of `--config`, else WARDEN_AUDIT_RETIRED_CHAIN_KEYS (comma-separated). */
export function retiredKeysOf(source: Source): ChainKey[] {
  const secrets = source.config !== undefined ? loadConfig(source.config).audit.retired_chain_keys : (process.env.WARDEN_AUDIT_RETIRED_CHAIN_KEYS ?? '').split(',');
  return secrets.filter((secret) => secret !== '').map(chainKey);
}

export interface KeysIo {
  write(text: string): void;
  now: () => Date;
  /** The current chain key for the database the flags name. */
  keyOf(source: Source): ChainKey | undefined;
}

export async function keysCommand(args: string[], io: KeysIo): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'rotate') throw new WardenError('USAGE', `keys: expected "rotate", got ${action === undefined ? 'nothing' : `"${action}"`}`);
  const options = parseFlags(
    rest,
    { db: { type: 'string' }, config: { type: 'string' }, replica: { type: 'string' }, json: { type: 'boolean' } },
    z.object({ db: z.string().min(1).optional(), config: z.string().min(1).optional(), replica: z.string().min(1).optional(), json: z.boolean().default(false) }),
  );
  const newSecret = process.env.WARDEN_AUDIT_NEW_CHAIN_KEY ?? '';
  if (newSecret.length < 32) throw new WardenError('USAGE', 'keys rotate: set WARDEN_AUDIT_NEW_CHAIN_KEY to the new chain key (32 characters or more, e.g. openssl rand -hex 32)');
  const from = io.keyOf(options);
  if (from === undefined) throw new WardenError('AUDIT_CHAIN_KEY', 'keys rotate: the current chain key is needed (audit.chain_key of --config, or WARDEN_AUDIT_CHAIN_KEY)');
  const to = chainKey(newSecret);
  const result = await rotateChainKey(auditTargetOf(options), { replica: options.replica, now: io.now, from, to, by: `os:${userInfo().username}` });
  io.write(options.json ? renderJson(result) : `rotated the chain key from ${result.fromKeyId} to ${result.toKeyId} after seq ${result.seq}${result.replica ? ` (replica ${result.replica})` : ''}; start the gateway with the new key, and keep the old one in audit.retired_chain_keys\n`);
}
