import type Database from 'better-sqlite3';
import { type ChainKey, type EventRow, GENESIS_HASH, rowHash } from '../chain.ts';
import { type Keying, keyAt, keyingReader, keyMismatch } from './keying.ts';
import { checkDecisionIndex, type IndexProblem } from './verify-index.ts';

/**
 * `warden audit verify`: walks the chain from its start (genesis, or the prune anchor) to the
 * recorded head and names the first bad sequence number and what is wrong with it; then checks
 * the query index against the rows (verify-index.ts). All reads run in one read transaction, so
 * a gateway writing meanwhile cannot cause a false alarm.
 */
export type ChainProblemKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'rewritten' | 'key';

export interface ChainProblem {
  seq: number;
  kind: ChainProblemKind;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The hash of the last row: with lastSeq, the mark to keep off the host and pass back as `expected`. */
  lastHash: string | null;
  /** Where the chain starts after a prune. */
  anchor: { seq: number; removed: number } | null;
  problem: ChainProblem | null;
  /** The query index disagrees with the (intact) log. */
  index: IndexProblem | null;
}

export interface ChainMark {
  seq: number;
  hash: string;
}

/** The first row whose link to its predecessor breaks, with what the walk expected. */
interface BrokenLink {
  row: EventRow;
  beforePrevious: string | null;
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
}

export function verifyChain(db: Database.Database, { expected = [], key }: VerifyOptions = {}): VerifyReport {
  return db.transaction((): VerifyReport => {
    const keying = keyingReader(db)();
    const anchor = db.prepare('SELECT seq, hash, removed FROM chain_anchor WHERE id = 1').get() as (ChainMark & { removed: number }) | undefined;
    const head = db.prepare('SELECT seq, hash, time FROM chain_head WHERE id = 1').get() as (ChainMark & { time: string }) | undefined;
    let expectedSeq = (anchor?.seq ?? 0) + 1;
    let expectedPrev = anchor?.hash ?? GENESIS_HASH;
    let beforePrevious: string | null = null;
    let rows = 0;
    let firstSeq: number | null = null;
    // A key that cannot check this log stops the walk before it starts.
    let problem: ChainProblem | null = keyProblem(keying, key);
    let broken: BrokenLink | null = null;

    const walk = problem ? [] : (db.prepare('SELECT * FROM events ORDER BY seq').iterate() as IterableIterator<EventRow>);
    for (const row of walk) {
      rows += 1;
      firstSeq ??= row.seq;
      if (row.seq < expectedSeq) {
        problem = { seq: row.seq, kind: 'inserted', message: `row ${row.seq} lies before the prune anchor at seq ${expectedSeq - 1}` };
        break;
      }
      if (row.seq > expectedSeq) {
        const range = row.seq - 1 === expectedSeq ? `row ${expectedSeq} is` : `rows ${expectedSeq}..${row.seq - 1} are`;
        problem = { seq: expectedSeq, kind: 'deleted', message: `${range} missing` };
        break;
      }
      if (rowHash(row.prev_hash, row, keyAt(keying, key, row.seq)) !== row.hash) {
        problem = { seq: row.seq, kind: 'edited', message: `row ${row.seq} (${row.kind}) does not match its hash: its content was changed` };
        break;
      }
      if (row.prev_hash !== expectedPrev) {
        broken = { row, beforePrevious };
        break;
      }
      beforePrevious = expectedPrev;
      expectedPrev = row.hash;
      expectedSeq += 1;
    }
    // The iterator is closed now, so the connection may run the lookups a diagnosis needs.
    if (broken) problem = diagnoseLink(db, broken);
    const lastSeq = expectedSeq - 1;
    if (!problem && head) problem = compareWithHead(head, lastSeq, expectedPrev);
    if (!problem && keying) problem = checkKeyingStart(db, keying, anchor, lastSeq);
    if (!problem) problem = compareWithMarks(db, expected, anchor, lastSeq);
    const index = problem ? null : checkDecisionIndex(db);

    return {
      ok: problem === null && index === null,
      rows,
      firstSeq,
      lastSeq: rows > 0 ? lastSeq : null,
      lastHash: rows > 0 ? expectedPrev : null,
      anchor: anchor ? { seq: anchor.seq, removed: anchor.removed } : null,
      problem,
      index,
    };
  })();
}

function diagnoseLink(db: Database.Database, { row, beforePrevious }: BrokenLink): ChainProblem {
  if (beforePrevious !== null && row.prev_hash === beforePrevious) {
    return { seq: row.seq - 1, kind: 'inserted', message: `row ${row.seq - 1} is not part of the chain: row ${row.seq} links to row ${row.seq - 2}` };
  }
  const linked = db.prepare('SELECT seq FROM events WHERE hash = ?').get(row.prev_hash) as { seq: number } | undefined;
  if (linked) {
    return { seq: row.seq, kind: 'reordered', message: `row ${row.seq} was written after row ${linked.seq} but stands at position ${row.seq}` };
  }
  return {
    seq: row.seq,
    kind: 'deleted',
    message: `row ${row.seq} links to a row that is no longer in the log (a row before it was deleted and the rest renumbered, or row ${row.seq - 1} was rewritten with a recomputed hash)`,
  };
}

/** chain_head moves in the same transaction as every append: the log must end exactly there. */
function compareWithHead(head: ChainMark & { time: string }, lastSeq: number, lastHash: string): ChainProblem | null {
  if (head.seq > lastSeq) {
    return { seq: lastSeq + 1, kind: 'truncated', message: `the log ends at seq ${lastSeq} but the checkpoint of ${head.time} records seq ${head.seq}: rows ${lastSeq + 1}..${head.seq} were cut off` };
  }
  if (head.seq < lastSeq) {
    return { seq: head.seq + 1, kind: 'inserted', message: `rows ${head.seq + 1}..${lastSeq} were appended after the checkpoint of ${head.time} (seq ${head.seq}) without moving it` };
  }
  if (head.hash !== lastHash) {
    return { seq: lastSeq, kind: 'edited', message: `row ${lastSeq} does not match the checkpoint of ${head.time}: it was rewritten` };
  }
  return null;
}

function compareWithMarks(db: Database.Database, marks: readonly ChainMark[], anchor: ChainMark | undefined, lastSeq: number): ChainProblem | null {
  const hashAt = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck();
  for (const mark of [...marks].sort((a, b) => a.seq - b.seq)) {
    if (anchor && mark.seq < anchor.seq) continue;
    const hash = anchor?.seq === mark.seq ? anchor.hash : (hashAt.get(mark.seq) as string | undefined);
    if (hash === undefined && mark.seq > lastSeq) {
      return { seq: lastSeq + 1, kind: 'truncated', message: `the log ends at seq ${lastSeq} but seq ${mark.seq} was recorded earlier: rows were cut off and the head moved back` };
    }
    if (hash !== mark.hash) {
      return { seq: mark.seq, kind: 'rewritten', message: `row ${mark.seq} no longer has the hash recorded earlier (${mark.hash.slice(0, 12)}...): the log was rewritten at or before it with recomputed hashes` };
    }
  }
  return null;
}

/** A keyed log needs its key; a key given for a log that records no keying means it was stripped. */
function keyProblem(keying: Keying | undefined, key: ChainKey | undefined): ChainProblem | null {
  const mismatch = keyMismatch(keying, key);
  if (mismatch !== undefined) return { seq: keying!.fromSeq, kind: 'key', message: mismatch };
  if (key !== undefined && keying === undefined) {
    return { seq: 1, kind: 'key', message: 'a chain key was given but the log records no keying: it was never keyed, or its keying record was removed and the chain recomputed without the key' };
  }
  return null;
}

/**
 * The keying must start at a startup row that names the key (under the key). Moved later, the
 * rows before it could have been recomputed without the key; moved past the end, nothing is keyed.
 */
function checkKeyingStart(db: Database.Database, keying: Keying, anchor: ChainMark | undefined, lastSeq: number): ChainProblem | null {
  if (anchor && keying.fromSeq <= anchor.seq) return null;
  const row = db.prepare('SELECT kind, data FROM events WHERE seq = ?').get(keying.fromSeq) as Pick<EventRow, 'kind' | 'data'> | undefined;
  const names = row?.kind === 'startup' && (JSON.parse(row.data) as { chain_key_id?: unknown }).chain_key_id === keying.keyId;
  if (names && keying.fromSeq <= lastSeq) return null;
  return { seq: keying.fromSeq, kind: 'key', message: `the keying is recorded from seq ${keying.fromSeq}, but no startup row there began it: the keying record was moved` };
}

