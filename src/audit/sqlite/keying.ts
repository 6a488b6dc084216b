import type Database from 'better-sqlite3';
import { WardenError } from '../../errors.ts';
import type { ChainKey } from '../chain.ts';

/**
 * Where a keyed log's HMAC chain starts (migrations/sqlite/0004) and with which key. One writer holds
 * one key: a gateway, prune or verify with no key or another key is refused on a keyed log, so
 * the chain never continues under a key its readers cannot check.
 */
export interface Keying {
  keyId: string;
  fromSeq: number;
}

export function keyingReader(db: Database.Database): () => Keying | undefined {
  const read = db.prepare('SELECT key_id AS keyId, from_seq AS fromSeq FROM chain_key WHERE id = 1');
  return () => read.get() as Keying | undefined;
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

/** Keys the chain from the next row appended on (the startup row the store is about to write). */
export function startKeying(db: Database.Database, key: ChainKey): void {
  db.prepare('INSERT INTO chain_key (id, key_id, from_seq) VALUES (1, ?, coalesce((SELECT seq FROM chain_head WHERE id = 1), 0) + 1)').run(key.id);
}
