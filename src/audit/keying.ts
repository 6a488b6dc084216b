import { WardenError } from '../errors.ts';
import type { ChainKey } from './chain.ts';

/**
 * Where a keyed chain's HMAC starts and with which key (both backends record it beside the chain:
 * migrations/sqlite/0004, migrations/postgres/0001). One writer holds one key: a gateway, prune or
 * verify with no key or another key is refused on a keyed chain, so the chain never continues
 * under a key its readers cannot check.
 */
export interface Keying {
  keyId: string;
  fromSeq: number;
}

/** Why `key` cannot continue or check a log keyed as `keying`, or undefined when it can. */
export function keyMismatch(keying: Keying | undefined, key: ChainKey | undefined): string | undefined {
  if (keying === undefined) return undefined;
  if (key === undefined) return `the audit log is keyed from seq ${keying.fromSeq} (key id ${keying.keyId}): configure audit.chain_key (or WARDEN_AUDIT_CHAIN_KEY for the audit command)`;
  if (key.id !== keying.keyId) return `the audit log is keyed with key id ${keying.keyId}, the chain key given has id ${key.id}`;
  return undefined;
}

export function assertKeyFits(keying: Keying | undefined, key: ChainKey | undefined): void {
  const mismatch = keyMismatch(keying, key);
  if (mismatch !== undefined) throw new WardenError('AUDIT_CHAIN_KEY', mismatch);
}

/** The key row `seq` is hashed with: none before the keying starts. */
export function keyAt(keying: Keying | undefined, key: ChainKey | undefined, seq: number): ChainKey | undefined {
  return keying !== undefined && seq >= keying.fromSeq ? key : undefined;
}
