import type { PinKey, PinRecord, PinStore, SeenDefinition } from './sink.ts';

/**
 * The `tool_pins` table (migrations/*\/tool_pins.sql) over either backend: the SQL is written
 * once, with `?` placeholders, and each backend runs it (PostgreSQL numbers the placeholders).
 */
export interface PinSql {
  /** Runs one statement; `changes`: rows an UPDATE touched. */
  run(sql: string, params: readonly unknown[]): Promise<{ rows: Record<string, unknown>[]; changes: number }>;
}

const COLUMNS = 'kind, upstream, name, seen_digest, seen_definition, seen_flags, seen_at, approved_digest, approved_definition, decided_by, decided_at, note';
const KEY = 'kind = ? AND upstream = ? AND name = ?';

const keyParams = (key: PinKey): unknown[] => [key.kind, key.upstream, key.name];

function toRecord(row: Record<string, unknown>): PinRecord {
  return {
    kind: row.kind as PinRecord['kind'],
    upstream: row.upstream as string,
    name: row.name as string,
    seenDigest: row.seen_digest as string,
    seenDefinition: row.seen_definition as string,
    seenFlags: JSON.parse(row.seen_flags as string) as string[],
    seenAt: row.seen_at as string,
    approvedDigest: (row.approved_digest as string | null) ?? null,
    approvedDefinition: (row.approved_definition as string | null) ?? null,
    decidedBy: (row.decided_by as string | null) ?? null,
    decidedAt: (row.decided_at as string | null) ?? null,
    note: (row.note as string | null) ?? null,
  };
}

export function pinStore(sql: PinSql): PinStore {
  const read = async (key: PinKey): Promise<PinRecord> => {
    const { rows } = await sql.run(`SELECT ${COLUMNS} FROM tool_pins WHERE ${KEY}`, keyParams(key));
    return toRecord(rows[0]!);
  };
  return {
    async readPins() {
      const { rows } = await sql.run(`SELECT ${COLUMNS} FROM tool_pins ORDER BY upstream, kind, name`, []);
      return rows.map(toRecord);
    },
    async decisionsVersion() {
      const { rows } = await sql.run('SELECT version FROM tool_pin_decisions WHERE id = 1', []);
      return Number(rows[0]?.version ?? 0);
    },
    async readDecisions() {
      const { rows } = await sql.run('SELECT kind, upstream, name, approved_digest, decided_at FROM tool_pins', []);
      return rows.map((row) => ({
        kind: row.kind as PinRecord['kind'],
        upstream: row.upstream as string,
        name: row.name as string,
        approvedDigest: (row.approved_digest as string | null) ?? null,
        decidedAt: (row.decided_at as string | null) ?? null,
      }));
    },
    readPin: read,
    async recordSeen(seen: SeenDefinition) {
      const approved = seen.approvedBy === undefined ? [null, null, null, null] : [seen.digest, seen.definition, seen.approvedBy, seen.at];
      // An existing row keeps its approval: only an operator (approvePin) moves it.
      await sql.run(
        `INSERT INTO tool_pins (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (kind, upstream, name) DO UPDATE SET seen_digest = excluded.seen_digest, seen_definition = excluded.seen_definition,
           seen_flags = excluded.seen_flags, seen_at = excluded.seen_at`,
        [...keyParams(seen), seen.digest, seen.definition, JSON.stringify(seen.flags), seen.at, ...approved],
      );
      return read(seen);
    },
    async approvePin(key, digest, by, at, note) {
      const { changes } = await sql.run(
        `UPDATE tool_pins SET approved_digest = seen_digest, approved_definition = seen_definition, decided_by = ?, decided_at = ?, note = ?
         WHERE ${KEY} AND seen_digest = ?`,
        [by, at, note ?? null, ...keyParams(key), digest],
      );
      return changes > 0;
    },
    async revokePin(key, by, at, note) {
      // The last approved definition stays, so `tools diff` still shows what was withdrawn.
      const { changes } = await sql.run(`UPDATE tool_pins SET approved_digest = NULL, decided_by = ?, decided_at = ?, note = ? WHERE ${KEY}`, [by, at, note ?? null, ...keyParams(key)]);
      return changes > 0;
    },
  };
}
