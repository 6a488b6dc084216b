import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventRow, HASHED_COLUMNS, rowHash } from '../../../src/audit/chain.ts';
import { createIndexBatch } from '../../../src/audit/sqlite/decision-indexer.ts';
import { pruneBefore } from '../../../src/audit/sqlite/prune.ts';
import { openAuditStore } from '../../../src/audit/sqlite/store.ts';
import type { ChainMark } from '../../../src/audit/sqlite/verify.ts';
import { auditConfig, decision, outcomeOf, tempDir, tick, verifyTamperedCopy } from '../../../testkit/support/audit.ts';
import { silentLogger } from '../../../testkit/support/engines.ts';

const { dir, cleanup } = tempDir('tamper');
const pristine = join(dir, 'pristine.db');

beforeAll(async () => {
  // startup (1), then 4 decisions each followed by its outcome (2..9), then shutdown (10).
  const store = openAuditStore(auditConfig(pristine), { logger: silentLogger, now: tick });
  for (let i = 0; i < 4; i += 1) {
    const event = decision();
    await store.recordDecision(event);
    await store.recordOutcome(outcomeOf(event));
  }
  await store.close('test');
});
afterAll(cleanup);

const verifyAfter = (tamper: (db: Database.Database) => void, expected: ChainMark[] = []) => verifyTamperedCopy(pristine, tamper, { expected });

const row = (db: Database.Database, seq: number): EventRow => db.prepare('SELECT * FROM events WHERE seq = ?').get(seq) as EventRow;

/** Moves rows seq >= from one place up, through negative numbers so the primary key never collides. */
function shiftUp(db: Database.Database, from: number): void {
  db.prepare('UPDATE events SET seq = -(seq + 1) WHERE seq >= ?').run(from);
  db.prepare('UPDATE events SET seq = -seq WHERE seq < 0').run();
}

describe('audit verify - tamper evidence', () => {
  it('passes an untouched log', () => {
    const report = verifyAfter(() => {});
    expect(report).toEqual({ ok: true, rows: 10, firstSeq: 1, lastSeq: 10, lastHash: expect.stringMatching(/^[0-9a-f]{64}$/), anchor: null, problem: null, index: null });
  });

  // The chain is intact in each of these; the query index (derived, unchained) is what lies.
  const indexTampering: Array<[string, string, number, string]> = [
    ['a principal rewritten in a key', "UPDATE decision_keys SET sub = 'someone-else' WHERE seq = 4", 4, 'the query index entry of seq 4 does not match decision row 4'],
    ['a key deleted (the decision vanishes from queries)', 'DELETE FROM decision_keys WHERE seq = 6', 6, 'decision row 6 is missing from the query index'],
    ['a key invented for an outcome row', "INSERT INTO decision_keys (seq, time, decision) VALUES (5, '2026-01-01T00:00:00.000Z', 'deny')", 5, 'the query index entry of seq 5 does not match decision row 5'],
    ['a key for a row that does not exist', "INSERT INTO decision_keys (seq, time, decision) VALUES (99, '2026-01-01T00:00:00.000Z', 'allow')", 99, 'the query index entry of seq 99 does not match decision row 99'],
  ];
  it.each(indexTampering)('catches a query index that disagrees with the log: %s', (_title, sql, seq, message) => {
    const report = verifyAfter((db) => db.prepare(sql).run());
    expect(report).toMatchObject({ ok: false, problem: null, index: { seq } });
    expect(report.index?.message).toContain(message);
  });

  it('catches decisions hidden by moving the indexer mark past them', () => {
    const report = verifyAfter((db) => {
      db.prepare('DELETE FROM decision_keys WHERE seq >= 6').run();
      db.prepare('UPDATE decision_keys_through SET seq = 10').run();
    });
    expect(report).toMatchObject({ ok: false, index: { seq: 6 } });
  });

  it('accepts decisions the indexer has not reached yet (the query scans them)', () => {
    const report = verifyAfter((db) => {
      db.prepare('DELETE FROM decision_keys WHERE seq >= 6').run();
      db.prepare('UPDATE decision_keys_through SET seq = 5').run();
    });
    expect(report).toMatchObject({ ok: true, index: null });
  });

  it('catches an edited field', () => {
    const report = verifyAfter((db) => db.prepare("UPDATE events SET sub = 'mallory' WHERE seq = 4").run());
    expect(report.problem).toEqual({ seq: 4, kind: 'edited', message: 'row 4 (decision) does not match its hash: its content was changed' });
  });

  it('catches a deleted row', () => {
    const report = verifyAfter((db) => db.prepare('DELETE FROM events WHERE seq = 5').run());
    expect(report.problem).toEqual({ seq: 5, kind: 'deleted', message: 'row 5 is missing' });
  });

  it('catches a deleted row even when the rest was renumbered', () => {
    const report = verifyAfter((db) => {
      db.prepare('DELETE FROM events WHERE seq = 5').run();
      db.prepare('UPDATE events SET seq = seq - 1 WHERE seq > 5').run();
    });
    expect(report.problem).toMatchObject({ seq: 5, kind: 'deleted' });
    expect(report.problem?.message).toMatch(/^row 5 links to a row that is no longer in the log/);
  });

  it('catches an inserted row, even one whose own hash was computed correctly', () => {
    const report = verifyAfter((db) => {
      shiftUp(db, 5);
      const before = row(db, 4);
      const forged = { ...before, sub: 'mallory', decision_id: 'forged', request_id: 'forged' };
      const hash = rowHash(before.hash, forged);
      db.prepare(`INSERT INTO events (seq, ${HASHED_COLUMNS.join(', ')}, prev_hash, hash) VALUES (5, ${HASHED_COLUMNS.map(() => '?').join(', ')}, ?, ?)`).run(
        ...HASHED_COLUMNS.map((column) => forged[column]),
        before.hash,
        hash,
      );
    });
    expect(report.problem).toEqual({ seq: 5, kind: 'inserted', message: 'row 5 is not part of the chain: row 6 links to row 4' });
  });

  it('catches reordered rows', () => {
    const report = verifyAfter((db) => {
      const [a, b] = [row(db, 4), row(db, 5)];
      const columns = [...HASHED_COLUMNS, 'prev_hash', 'hash'] as const;
      const write = db.prepare(`UPDATE events SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE seq = ?`);
      write.run(...columns.map((c) => b[c]), 4);
      write.run(...columns.map((c) => a[c]), 5);
    });
    expect(report.problem).toEqual({ seq: 4, kind: 'reordered', message: 'row 4 was written after row 5 but stands at position 4' });
  });

  it('catches a truncated tail against the recorded checkpoint', () => {
    const report = verifyAfter((db) => db.prepare('DELETE FROM events WHERE seq > 7').run());
    expect(report.problem).toMatchObject({ seq: 8, kind: 'truncated' });
    expect(report.problem?.message).toMatch(/^the log ends at seq 7 but the checkpoint of \S+ records seq 10: rows 8\.\.10 were cut off$/);
  });

  it('catches a well-formed row appended behind the writer', () => {
    const report = verifyAfter((db) => {
      const last = row(db, 10);
      const forged = { ...last, kind: 'decision' as const, decision: 'allow' as const };
      db.prepare(`INSERT INTO events (seq, ${HASHED_COLUMNS.join(', ')}, prev_hash, hash) VALUES (11, ${HASHED_COLUMNS.map(() => '?').join(', ')}, ?, ?)`).run(
        ...HASHED_COLUMNS.map((column) => forged[column]),
        last.hash,
        rowHash(last.hash, forged),
      );
    });
    expect(report.problem).toMatchObject({ seq: 11, kind: 'inserted' });
  });
});

/**
 * Rewrites row `seq` with `change` and recomputes every hash from there on, the head and the
 * query index: what someone who can write the file can do (the chain has no secret).
 */
function rewriteFrom(db: Database.Database, seq: number, change: Partial<EventRow>): void {
  let prev = row(db, seq - 1).hash;
  const update = db.prepare('UPDATE events SET sub = ?, prev_hash = ?, hash = ? WHERE seq = ?');
  for (const current of db.prepare('SELECT * FROM events WHERE seq >= ? ORDER BY seq').all(seq) as EventRow[]) {
    const next = current.seq === seq ? { ...current, ...change } : current;
    const hash = rowHash(prev, next);
    update.run(next.sub, prev, hash, current.seq);
    prev = hash;
  }
  const last = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
  db.prepare('UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1').run(last.seq, last.hash);
  db.prepare('UPDATE decision_keys SET sub = (SELECT sub FROM events e WHERE e.seq = decision_keys.seq)').run();
}

describe('audit verify - marks kept off the host', () => {
  const pristineMark = (seq: number): ChainMark => {
    const db = new Database(pristine, { readonly: true });
    try {
      return { seq, hash: (db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(seq) as string) };
    } finally {
      db.close();
    }
  };

  it('a rewrite with every hash recomputed passes alone, and fails against a mark recorded before it', () => {
    const rewrite = (db: Database.Database) => rewriteFrom(db, 4, { sub: 'mallory' });
    expect(verifyAfter(rewrite)).toMatchObject({ ok: true, problem: null });
    const report = verifyAfter(rewrite, [pristineMark(2), pristineMark(10)]);
    expect(report.problem).toEqual({ seq: 10, kind: 'rewritten', message: expect.stringMatching(/^row 10 no longer has the hash recorded earlier \([0-9a-f]{12}\.\.\.\): the log was rewritten/), mark: pristineMark(10) });
  });

  it('a cut-off tail with the head moved back passes alone, and fails against a later mark', () => {
    const cut = (db: Database.Database) => {
      db.prepare('DELETE FROM events WHERE seq > 7').run();
      db.prepare('UPDATE chain_head SET seq = 7, hash = (SELECT hash FROM events WHERE seq = 7) WHERE id = 1').run();
      db.prepare('DELETE FROM decision_keys WHERE seq > 7').run();
      db.prepare('UPDATE decision_keys_through SET seq = 7').run();
    };
    expect(verifyAfter(cut)).toMatchObject({ ok: true });
    expect(verifyAfter(cut, [pristineMark(10)]).problem).toMatchObject({ seq: 8, kind: 'truncated' });
  });

  it('an untouched log matches the marks of an earlier run, and reports its own last one', () => {
    const report = verifyAfter(() => {}, [pristineMark(1), pristineMark(10)]);
    expect(report).toMatchObject({ ok: true, lastSeq: 10, lastHash: pristineMark(10).hash });
  });
});

describe('audit prune', () => {
  it('removes old rows, leaves an anchor, and verify still passes on what remains', () => {
    const report = verifyAfter((db) => {
      const cutoff = new Date(row(db, 6).time);
      const result = pruneBefore(db, cutoff, { now: () => new Date('2026-12-01T00:00:00Z') });
      expect(result).toEqual({ removed: 5, throughSeq: 5 });
      const prune = row(db, 11);
      expect(prune.kind).toBe('prune');
      expect(JSON.parse(prune.data)).toEqual({ through_seq: 5, removed: 5, older_than: cutoff.toISOString() });
    });
    expect(report).toEqual({ ok: true, rows: 6, firstSeq: 6, lastSeq: 11, lastHash: expect.stringMatching(/^[0-9a-f]{64}$/), anchor: { seq: 5, removed: 5 }, problem: null, index: null });
  });

  it('prunes in short chunks with the same result', () => {
    const report = verifyAfter((db) => {
      expect(pruneBefore(db, new Date(row(db, 6).time), { now: () => new Date('2026-12-01T00:00:00Z'), chunkRows: 2 })).toEqual({ removed: 5, throughSeq: 5 });
      expect(JSON.parse(row(db, 11).data)).toMatchObject({ through_seq: 5, removed: 5 });
    });
    expect(report).toEqual({ ok: true, rows: 6, firstSeq: 6, lastSeq: 11, lastHash: expect.stringMatching(/^[0-9a-f]{64}$/), anchor: { seq: 5, removed: 5 }, problem: null, index: null });
  });

  it('deletes the decision keys of the rows it removes, chunk by chunk, indexed or not yet', () => {
    const keys = (db: Database.Database): number[] => db.prepare('SELECT seq FROM decision_keys ORDER BY seq').pluck().all() as number[];
    const report = verifyAfter((db) => {
      // Decisions are rows 2, 4, 6, 8; the indexer has reached row 3 only.
      expect(keys(db)).toEqual([2, 4, 6, 8]);
      db.prepare('DELETE FROM decision_keys WHERE seq > 3').run();
      db.prepare('UPDATE decision_keys_through SET seq = 3').run();
      pruneBefore(db, new Date(row(db, 6).time), { now: () => new Date('2026-12-01T00:00:00Z'), chunkRows: 2 });
      expect(keys(db)).toEqual([]);
      createIndexBatch(db)(100);
      expect(keys(db)).toEqual([6, 8]);
    });
    expect(report.ok).toBe(true);
  });

  it('still catches a row deleted from what a prune left', () => {
    const report = verifyAfter((db) => {
      pruneBefore(db, new Date(row(db, 6).time));
      db.prepare('DELETE FROM events WHERE seq = 6').run();
    });
    expect(report.problem).toEqual({ seq: 6, kind: 'deleted', message: 'row 6 is missing' });
  });

  it('does nothing when no row is older than the cutoff', () => {
    const report = verifyAfter((db) => {
      expect(pruneBefore(db, new Date('2000-01-01T00:00:00Z'))).toEqual({ removed: 0, throughSeq: null });
    });
    expect(report.ok).toBe(true);
  });
});
