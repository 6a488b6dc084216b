import type pg from 'pg';
import type { ChainKey, EventRow } from '../chain.ts';
import { type ChainAnchor, type ChainHead, type ChainMark, type ChainProblem, type WalkResult, startWalk } from '../chain-walk.ts';
import { inTransaction } from './connection.ts';
import { readKeying } from './appender.ts';
import { toEventRow } from './rows.ts';

/**
 * `warden audit verify` on PostgreSQL: every replica's chain walked alone (chain-walk.ts), all in
 * one REPEATABLE READ snapshot, so replicas writing meanwhile cause no false alarm. The heads each
 * chain's `witness` rows recorded for the other replicas are marks those chains must still hold,
 * checked like `--expect` marks: a chain deleted whole shows as `missing`, one cut short (its head
 * moved back with it) as `truncated`, one rewritten as `rewritten`.
 */
export interface ReplicaMark extends ChainMark {
  replica: string;
}

export interface ChainReport extends WalkResult {
  replica: string;
  ok: boolean;
}

export interface PostgresVerifyReport {
  ok: boolean;
  chains: ChainReport[];
  /** The first problem found, with its replica. */
  problem: (ChainProblem & { replica: string }) | null;
}

const PAGE_ROWS = 5000;

export async function verifyPostgres(
  client: pg.Client,
  { expected = [], key, retiredKeys = [] }: { expected?: readonly ReplicaMark[]; key?: ChainKey; retiredKeys?: readonly ChainKey[] } = {},
): Promise<PostgresVerifyReport> {
  return inTransaction(
    client,
    async () => {
      const replicas = (
        await client.query<{ replica_id: string }>(
          'SELECT replica_id FROM chain_head UNION SELECT replica_id FROM chain_anchor UNION SELECT DISTINCT replica_id FROM events ORDER BY replica_id',
        )
      ).rows.map((row) => row.replica_id);
      const marks = new Map<string, ReplicaMark[]>();
      const witnessedBy = new Map<string, string>();
      for (const mark of [...expected, ...(await witnessedMarks(client, witnessedBy))]) marks.set(mark.replica, [...(marks.get(mark.replica) ?? []), mark]);

      const chains: ChainReport[] = [];
      for (const replica of replicas) chains.push(await verifyOne(client, replica, marks.get(replica) ?? [], key, retiredKeys));
      for (const [replica, list] of marks) {
        if (replicas.includes(replica)) continue;
        const first = list.sort((a, b) => a.seq - b.seq)[0]!;
        const source = witnessedBy.get(replica);
        chains.push({
          replica, ok: false, rows: 0, firstSeq: null, lastSeq: null, lastHash: null, anchor: null,
          problem: {
            seq: 1, kind: 'missing',
            message: `the chain of replica ${replica} is gone from the database (head included), but ${source ? `replica ${source} witnessed` : 'a mark records'} it at seq ${first.seq}`,
          },
        });
      }
      const broken = chains.find((chain) => !chain.ok);
      return { ok: broken === undefined, chains, problem: broken ? { replica: broken.replica, ...broken.problem! } : null };
    },
    'ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}

/** Every head recorded by a witness row, newest per witnessed replica and seq. */
async function witnessedMarks(client: pg.Client, witnessedBy: Map<string, string>): Promise<ReplicaMark[]> {
  const rows = (await client.query<{ replica_id: string; data: string }>("SELECT replica_id, data FROM events WHERE kind = 'witness' ORDER BY replica_id, seq")).rows;
  const marks = new Map<string, ReplicaMark>();
  for (const row of rows) {
    const heads = (JSON.parse(row.data) as { heads?: Record<string, ChainMark> }).heads ?? {};
    for (const [replica, head] of Object.entries(heads)) {
      marks.set(`${replica}\u0000${head.seq}`, { replica, seq: head.seq, hash: head.hash });
      witnessedBy.set(replica, row.replica_id);
    }
  }
  return [...marks.values()];
}

async function verifyOne(client: pg.Client, replica: string, expected: readonly ChainMark[], key: ChainKey | undefined, retiredKeys: readonly ChainKey[]): Promise<ChainReport> {
  const one = async <T>(sql: string, params: unknown[]): Promise<T | undefined> => (await client.query(sql, params)).rows[0] as T | undefined;
  const anchor = await one<{ seq: string; hash: string; removed: string }>('SELECT seq, hash, removed FROM chain_anchor WHERE replica_id = $1', [replica]);
  const head = await one<{ seq: string; hash: string; time: string }>('SELECT seq, hash, time FROM chain_head WHERE replica_id = $1', [replica]);
  const walk = startWalk({
    anchor: anchor && ({ seq: Number(anchor.seq), hash: anchor.hash, removed: Number(anchor.removed) } satisfies ChainAnchor),
    head: head && ({ seq: Number(head.seq), hash: head.hash, time: head.time } satisfies ChainHead),
    keying: await readKeying(client, replica),
    key,
    retiredKeys,
    expected,
  });
  let after = -1;
  walking: for (;;) {
    const page = (await client.query('SELECT * FROM events WHERE replica_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [replica, after, PAGE_ROWS])).rows.map(toEventRow);
    for (const row of page) {
      if (!walk.step(row)) break walking;
      after = row.seq;
    }
    if (page.length < PAGE_ROWS) break;
  }
  const needs = walk.lookups();
  const owner = needs.hashOwner === undefined ? undefined : await one<{ seq: string }>('SELECT seq FROM events WHERE replica_id = $1 AND hash = $2 LIMIT 1', [replica, needs.hashOwner]);
  const hashes = (await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM events WHERE replica_id = $1 AND seq = ANY($2::bigint[])', [replica, needs.hashesAt])).rows;
  const row = needs.rowAt === undefined ? undefined : await one<Pick<EventRow, 'kind' | 'data'>>('SELECT kind, data FROM events WHERE replica_id = $1 AND seq = $2', [replica, needs.rowAt]);
  const result = walk.finish({
    hashOwner: owner && Number(owner.seq),
    hashesAt: new Map(hashes.map((h) => [Number(h.seq), h.hash])),
    row,
  });
  return { replica, ok: result.problem === null, ...result };
}
