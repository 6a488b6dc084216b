import { WardenError } from '../errors.ts';
import type { ChainKey } from './chain.ts';

/**
 * Where a keyed chain's HMAC starts and with which key (both backends record it beside the chain:
 * migrations/sqlite/0004, migrations/postgres/0001), and the rotations since (`warden audit keys
 * rotate`; migrations/sqlite/0008, migrations/postgres/0006). One writer holds one key: a
 * gateway, prune or rotation with no key or another than the current one is refused on a keyed
 * chain, so the chain never continues under a key its readers cannot check.
 */
export interface Keying {
  keyId: string;
  fromSeq: number;
  /**
   * Later keys, in seq order: from `fromSeq` on, rows are under `keyId`. The row just before
   * each is the `key_rotation` row naming both keys, itself under the key it retires, so only a
   * holder of that key can have begun the rotation.
   */
  rotations?: KeyEpoch[];
}

export interface KeyEpoch {
  keyId: string;
  fromSeq: number;
}

/** Every key period of a keyed chain, first to current. */
export function epochsOf(keying: Keying): KeyEpoch[] {
  return [{ keyId: keying.keyId, fromSeq: keying.fromSeq }, ...(keying.rotations ?? [])];
}

/** The key id new rows are appended under. */
export function currentKeyId(keying: Keying): string {
  return epochsOf(keying).at(-1)!.keyId;
}

/** Why `key` cannot continue a log keyed as `keying`, or undefined when it can. */
export function keyMismatch(keying: Keying | undefined, key: ChainKey | undefined): string | undefined {
  if (keying === undefined) return undefined;
  if (key === undefined) return `the audit log is keyed from seq ${keying.fromSeq} (key id ${currentKeyId(keying)}): configure audit.chain_key (or WARDEN_AUDIT_CHAIN_KEY for the audit command)`;
  const current = currentKeyId(keying);
  if (key.id !== current) {
    const retired = epochsOf(keying).some((epoch) => epoch.keyId === key.id);
    return `the audit log is keyed with key id ${current}, the chain key given has id ${key.id}${retired ? ' (a key rotated out: give the current one, and the old one as a retired key to verify)' : ''}`;
  }
  return undefined;
}

export function assertKeyFits(keying: Keying | undefined, key: ChainKey | undefined): void {
  const mismatch = keyMismatch(keying, key);
  if (mismatch !== undefined) throw new WardenError('AUDIT_CHAIN_KEY', mismatch);
}

/** The key a writer appends row `seq` under: none before the keying starts. */
export function keyAt(keying: Keying | undefined, key: ChainKey | undefined, seq: number): ChainKey | undefined {
  return keying !== undefined && seq >= keying.fromSeq ? key : undefined;
}

/** The key id row `seq` was hashed under (verify), or undefined before the keying. */
export function keyIdAt(keying: Keying | undefined, seq: number): string | undefined {
  if (keying === undefined || seq < keying.fromSeq) return undefined;
  let id = keying.keyId;
  for (const epoch of keying.rotations ?? []) if (seq >= epoch.fromSeq) id = epoch.keyId;
  return id;
}
