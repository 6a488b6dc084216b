import type pg from 'pg';
import type { EventFields } from '../chain.ts';
import type { EventEncoder } from '../events.ts';

/**
 * Cross-witness rows. Each chain verifies alone, so a whole chain deleted or cut short (head
 * included) would leave nothing broken behind. So every replica records, from time to time and at
 * start, the other replicas' heads in its own chain (a `witness` row: `{ heads: { id: { seq, hash } } }`),
 * and verify checks every witnessed head against the chain it names (postgres/verify.ts).
 */
export async function witnessRow(client: pg.Client, replica: string, encoder: EventEncoder, at: Date): Promise<EventFields | undefined> {
  const heads = (
    await client.query<{ replica_id: string; seq: string; hash: string }>('SELECT replica_id, seq, hash FROM chain_head WHERE replica_id <> $1 AND seq > 0 ORDER BY replica_id', [replica])
  ).rows;
  if (heads.length === 0) return undefined;
  const witnessed = Object.create(null) as Record<string, { seq: number; hash: string }>;
  for (const head of heads) witnessed[head.replica_id] = { seq: Number(head.seq), hash: head.hash };
  return encoder.other('witness', at, { heads: witnessed });
}
