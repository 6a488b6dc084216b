import type Database from 'better-sqlite3';
import type { ChainKey, EventRow } from '../chain.ts';
import { type ChainAnchor, type ChainHead, type ChainMark, type WalkResult, startWalk } from '../chain-walk.ts';
import { keyingReader } from './keying.ts';
import { checkDecisionIndex, type IndexProblem } from './verify-index.ts';

export type { ChainMark } from '../chain-walk.ts';

/**
 * `warden audit verify` on SQLite: the chain walk (chain-walk.ts) from genesis or the prune
 * anchor to the recorded head, then the query index against the rows (verify-index.ts). All
 * reads run in one read transaction, so a gateway writing meanwhile cannot cause a false alarm.
 */
export interface VerifyReport extends WalkResult {
  ok: boolean;
  /** The query index disagrees with the (intact) log. */
  index: IndexProblem | null;
}

export interface VerifyOptions {
  /**
   * Marks (seq and hash) recorded by earlier runs and kept outside the host. Without a chain key,
   * someone who can write the file could rewrite it whole with recomputed hashes; a mark that no
   * longer matches shows that. Marks before a prune anchor cannot be checked.
   */
  expected?: readonly ChainMark[];
  /** The chain key of a keyed log (audit.chain_key). Given for a log that records no keying, it fails. */
  key?: ChainKey;
  /** Keys rotated out (audit.retired_chain_keys): the rows of their periods need them. */
  retiredKeys?: readonly ChainKey[];
}

export function verifyChain(db: Database.Database, { expected = [], key, retiredKeys = [] }: VerifyOptions = {}): VerifyReport {
  return db.transaction((): VerifyReport => {
    const walk = startWalk({
      anchor: db.prepare('SELECT seq, hash, removed FROM chain_anchor WHERE id = 1').get() as ChainAnchor | undefined,
      head: db.prepare('SELECT seq, hash, time FROM chain_head WHERE id = 1').get() as ChainHead | undefined,
      keying: keyingReader(db)(),
      key,
      retiredKeys,
      expected,
    });
    for (const row of db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>) {
      if (!walk.step(row)) break;
    }
    // The iterator is closed now, so the connection may run the lookups the diagnosis needs.
    const needs = walk.lookups();
    const hashAt = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck();
    const result = walk.finish({
      hashOwner: needs.hashOwner === undefined ? undefined : (db.prepare('SELECT seq FROM events WHERE hash = ?').pluck().get(needs.hashOwner) as number | undefined),
      hashesAt: new Map(needs.hashesAt.flatMap((seq) => {
        const hash = hashAt.get(seq) as string | undefined;
        return hash === undefined ? [] : [[seq, hash] as const];
      })),
      row: needs.rowAt === undefined ? undefined : (db.prepare('SELECT kind, data FROM events WHERE seq = ?').get(needs.rowAt) as Pick<EventRow, 'kind' | 'data'> | undefined),
    });
    const index = result.problem ? null : checkDecisionIndex(db);
    return { ok: result.problem === null && index === null, ...result, index };
  })();
}
