import { type ChainKey, type EventRow, GENESIS_HASH, rowHash } from './chain.ts';
import { type Keying, epochsOf, keyIdAt, keyMismatch } from './keying.ts';

/**
 * The walk `warden audit verify` makes over one hash chain, for both backends: rows are fed in
 * seq order from the chain's start (genesis, or the prune anchor) and the first bad sequence
 * number is named with what is wrong with it. No I/O here: after the walk, `lookups()` says which
 * few rows the diagnosis needs and the backend's reader fetches them (SQLite synchronously inside
 * its read transaction, PostgreSQL in its snapshot) and passes them to `finish`.
 */
export type ChainProblemKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'rewritten' | 'key' | 'missing';

export interface ChainProblem {
  seq: number;
  kind: ChainProblemKind;
  message: string;
  /** The mark (an `--expect`, a witnessed head, a signed checkpoint) the chain no longer holds. */
  mark?: ChainMark;
}

export interface ChainMark {
  seq: number;
  hash: string;
}

export interface ChainAnchor extends ChainMark {
  removed: number;
}

export interface ChainHead extends ChainMark {
  time: string;
}

export interface WalkResult {
  rows: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The hash of the last row: with lastSeq, the mark to keep off the host and pass back as `expected`. */
  lastHash: string | null;
  /** Where the chain starts after a prune. */
  anchor: { seq: number; removed: number } | null;
  problem: ChainProblem | null;
}

/** What the diagnosis needs looked up after the walk. */
interface WalkLookups {
  /** The seq of the row whose hash a broken link points to. */
  hashOwner?: string;
  /** Hashes at these seqs (marks to compare). */
  hashesAt: number[];
  /** The row at this seq (where the keying starts). */
  rowAt?: number;
}

interface WalkFound {
  hashOwner?: number | undefined;
  hashesAt: ReadonlyMap<number, string>;
  row?: Pick<EventRow, 'kind' | 'data'> | undefined;
}

interface ChainWalk {
  /** Feeds the next row; false once the walk stopped (no more rows are needed). */
  step(row: EventRow): boolean;
  lookups(): WalkLookups;
  finish(found: WalkFound): WalkResult;
}

interface WalkStart {
  anchor: ChainAnchor | undefined;
  head: ChainHead | undefined;
  keying: Keying | undefined;
  key: ChainKey | undefined;
  /** Keys rotated out (`warden audit keys rotate`): the rows of their periods are checked with them. */
  retiredKeys?: readonly ChainKey[];
  /** Marks (seq and hash) recorded by earlier runs and kept outside the host. */
  expected: readonly ChainMark[];
}

export function startWalk({ anchor, head, keying, key, retiredKeys = [], expected }: WalkStart): ChainWalk {
  const keyring = new Map([...retiredKeys, ...(key ? [key] : [])].map((k) => [k.id, k]));
  const keyFor = (seq: number): ChainKey | undefined => {
    const id = keyIdAt(keying, seq);
    return id === undefined ? undefined : keyring.get(id);
  };
  // The row before each rotation must be the key_rotation row naming it (checked as the walk passes).
  const rotationRows = new Map((keying?.rotations ?? []).map((epoch, index) => [epoch.fromSeq - 1, { to: epoch.keyId, from: epochsOf(keying!)[index]!.keyId }]));
  let expectedSeq = (anchor?.seq ?? 0) + 1;
  let expectedPrev = anchor?.hash ?? GENESIS_HASH;
  let beforePrevious: string | null = null;
  let rows = 0;
  let firstSeq: number | null = null;
  // A key that cannot check this log stops the walk before it starts.
  let problem: ChainProblem | null = keyProblem(keying, key) ?? retiredKeyProblem(keying, keyring, anchor);
  let broken: { row: EventRow; beforePrevious: string | null } | null = null;
  const marks = [...expected].sort((a, b) => a.seq - b.seq).filter((mark) => !(anchor && mark.seq < anchor.seq));

  const stopped = (): boolean => problem !== null || broken !== null;

  return {
    step(row) {
      if (stopped()) return false;
      rows += 1;
      firstSeq ??= row.seq;
      if (row.seq < expectedSeq) {
        problem = { seq: row.seq, kind: 'inserted', message: `row ${row.seq} lies before the prune anchor at seq ${expectedSeq - 1}` };
      } else if (row.seq > expectedSeq) {
        const range = row.seq - 1 === expectedSeq ? `row ${expectedSeq} is` : `rows ${expectedSeq}..${row.seq - 1} are`;
        problem = { seq: expectedSeq, kind: 'deleted', message: `${range} missing` };
      } else if (rowHash(row.prev_hash, row, keyFor(row.seq)) !== row.hash) {
        problem = { seq: row.seq, kind: 'edited', message: `row ${row.seq} (${row.kind}) does not match its hash: its content was changed` };
      } else if (rotationRows.has(row.seq) && !namesRotation(row, rotationRows.get(row.seq)!)) {
        const { from, to } = rotationRows.get(row.seq)!;
        problem = {
          seq: row.seq + 1, kind: 'key',
          message: `the chain is recorded as rotated from key id ${from} to ${to} at seq ${row.seq + 1}, but row ${row.seq} is no key_rotation row of the retiring key naming it: the rotation was forged`,
        };
      } else if (row.prev_hash !== expectedPrev) {
        broken = { row, beforePrevious };
      } else {
        beforePrevious = expectedPrev;
        expectedPrev = row.hash;
        expectedSeq += 1;
      }
      return !stopped();
    },

    lookups() {
      const needsKeyingRow = keying !== undefined && !(anchor && keying.fromSeq <= anchor.seq);
      return {
        ...(broken && !(broken.beforePrevious !== null && broken.row.prev_hash === broken.beforePrevious) ? { hashOwner: broken.row.prev_hash } : {}),
        hashesAt: marks.map((mark) => mark.seq),
        ...(needsKeyingRow ? { rowAt: keying.fromSeq } : {}),
      };
    },

    finish(found) {
      if (broken) problem = diagnoseLink(broken.row, broken.beforePrevious, found.hashOwner);
      const lastSeq = expectedSeq - 1;
      if (!problem && head) problem = compareWithHead(head, lastSeq, expectedPrev);
      if (!problem && keying) problem = checkKeyingStart(keying, anchor, lastSeq, found.row);
      if (!problem) problem = compareWithMarks(marks, anchor, lastSeq, found.hashesAt);
      else {
        // A mark before the break that no longer holds is the earlier finding: the rows up to
        // it were rewritten with recomputed hashes, and the break is where the rewrite ended.
        const stop = problem.seq;
        problem = compareWithMarks(marks.filter((mark) => mark.seq < stop), anchor, lastSeq, found.hashesAt) ?? problem;
      }
      return {
        rows,
        firstSeq,
        lastSeq: rows > 0 ? lastSeq : null,
        lastHash: rows > 0 ? expectedPrev : null,
        anchor: anchor ? { seq: anchor.seq, removed: anchor.removed } : null,
        problem,
      };
    },
  };
}

function diagnoseLink(row: EventRow, beforePrevious: string | null, linkedSeq: number | undefined): ChainProblem {
  if (beforePrevious !== null && row.prev_hash === beforePrevious) {
    return { seq: row.seq - 1, kind: 'inserted', message: `row ${row.seq - 1} is not part of the chain: row ${row.seq} links to row ${row.seq - 2}` };
  }
  if (linkedSeq !== undefined) {
    return { seq: row.seq, kind: 'reordered', message: `row ${row.seq} was written after row ${linkedSeq} but stands at position ${row.seq}` };
  }
  return {
    seq: row.seq,
    kind: 'deleted',
    message: `row ${row.seq} links to a row that is no longer in the log (a row before it was deleted and the rest renumbered, or row ${row.seq - 1} was rewritten with a recomputed hash)`,
  };
}

/** The head moves in the same transaction as every append: the log must end exactly there. */
function compareWithHead(head: ChainHead, lastSeq: number, lastHash: string): ChainProblem | null {
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

function compareWithMarks(marks: readonly ChainMark[], anchor: ChainMark | undefined, lastSeq: number, hashesAt: ReadonlyMap<number, string>): ChainProblem | null {
  for (const mark of marks) {
    const hash = anchor?.seq === mark.seq ? anchor.hash : hashesAt.get(mark.seq);
    if (hash === undefined && mark.seq > lastSeq) {
      return { seq: lastSeq + 1, kind: 'truncated', message: `the log ends at seq ${lastSeq} but seq ${mark.seq} was recorded earlier: rows were cut off and the head moved back`, mark };
    }
    if (hash !== mark.hash) {
      return { seq: mark.seq, kind: 'rewritten', message: `row ${mark.seq} no longer has the hash recorded earlier (${mark.hash.slice(0, 12)}...): the log was rewritten at or before it with recomputed hashes`, mark };
    }
  }
  return null;
}

function namesRotation(row: EventRow, rotation: { from: string; to: string }): boolean {
  if (row.kind !== 'key_rotation') return false;
  const data = JSON.parse(row.data) as { from_key_id?: unknown; to_key_id?: unknown };
  return data.from_key_id === rotation.from && data.to_key_id === rotation.to;
}

/** Every key period with rows left (after the prune anchor) needs its key. */
function retiredKeyProblem(keying: Keying | undefined, keyring: ReadonlyMap<string, ChainKey>, anchor: ChainMark | undefined): ChainProblem | null {
  if (keying === undefined) return null;
  const epochs = epochsOf(keying);
  for (const [index, epoch] of epochs.entries()) {
    const next = epochs[index + 1];
    if (next !== undefined && anchor !== undefined && next.fromSeq - 1 <= anchor.seq) continue;
    if (!keyring.has(epoch.keyId)) {
      return {
        seq: Math.max(epoch.fromSeq, (anchor?.seq ?? 0) + 1), kind: 'key',
        message: `rows from seq ${epoch.fromSeq} are keyed with key id ${epoch.keyId}, rotated out since: give it as a retired key (audit.retired_chain_keys, or WARDEN_AUDIT_RETIRED_CHAIN_KEYS for the audit command)`,
      };
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
function checkKeyingStart(keying: Keying, anchor: ChainMark | undefined, lastSeq: number, row: Pick<EventRow, 'kind' | 'data'> | undefined): ChainProblem | null {
  if (anchor && keying.fromSeq <= anchor.seq) return null;
  const names = row?.kind === 'startup' && (JSON.parse(row.data) as { chain_key_id?: unknown }).chain_key_id === keying.keyId;
  if (names && keying.fromSeq <= lastSeq) return null;
  return { seq: keying.fromSeq, kind: 'key', message: `the keying is recorded from seq ${keying.fromSeq}, but no startup row there began it: the keying record was moved` };
}
