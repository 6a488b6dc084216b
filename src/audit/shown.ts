import { sha256Hex } from './chain.ts';
import type { PinSql } from './pins.ts';

/**
 * "What each caller was shown" (issue 15): every list answer is one `shown` row of the chain
 * (principal, method, count, `names_sha256`), and the names themselves live once per distinct
 * list in `shown_names` (migrations/sqlite/0007, migrations/postgres/0005), keyed by that digest.
 * The same list shown to a thousand callers costs a thousand small rows and one copy of the
 * names; the digest in the hashed row vouches for the side table (a names row that does not hash
 * to its key is reported, never trusted). One SQL text for both backends (`PinSql` runs it).
 */
export function namesDigest(names: readonly string[]): string {
  return sha256Hex(JSON.stringify(names));
}

/** How many digests the writer remembers as stored; past that it forgets them all and starts again. */
const REMEMBERED = 4096;

export interface ShownNamesWriter {
  /** Stores the names under their digest unless already stored; resolves once they are. */
  store(digest: string, names: readonly string[]): Promise<void>;
}

export function shownNamesWriter(sql: PinSql): ShownNamesWriter {
  const stored = new Set<string>();
  return {
    async store(digest, names) {
      // Most answers repeat a list already stored: no statement at all then.
      if (stored.has(digest)) return;
      await sql.run('INSERT INTO shown_names (digest, names) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING', [digest, JSON.stringify(names)]);
      if (stored.size >= REMEMBERED) stored.clear();
      stored.add(digest);
    },
  };
}

/** One list answer as `warden audit shown` reports it. */
export interface ShownRecord {
  time: string;
  sessionId: string | null;
  requestId: string | null;
  sub: string | null;
  iss: string | null;
  method: string;
  cursor: string | null;
  count: number;
  namesSha256: string;
  /** null: the side table has no names under the digest, or names that do not hash to it. */
  names: string[] | null;
  problem?: string;
}

export interface ShownQuery {
  sub: string;
  /** The moment asked about: the answers at or before it count. */
  at: Date;
  /** How far back an answer still counts (a session that listed long before `at`). */
  since: Date;
}

/**
 * What `sub` had been shown as of `at`: per session, list method and page, the newest answer in
 * [since, at]. A client keeps the last list it was given until it asks again (or hears
 * `list_changed` and asks again), so that answer is what the caller could see at `at`.
 */
export async function shownAt(sql: PinSql, query: ShownQuery): Promise<ShownRecord[]> {
  const { rows } = await sql.run(
    `SELECT time, session_id, request_id, sub, iss, method, data FROM events
     WHERE kind = 'shown' AND sub = ? AND time >= ? AND time <= ? ORDER BY time DESC`,
    [query.sub, query.since.toISOString(), query.at.toISOString()],
  );
  const newest = new Map<string, ShownRecord>();
  for (const row of rows) {
    const data = JSON.parse(row.data as string) as { count: number; names_sha256: string; cursor: string | null };
    const key = JSON.stringify([row.session_id, row.method, data.cursor]);
    if (newest.has(key)) continue;
    newest.set(key, {
      time: row.time as string,
      sessionId: row.session_id as string | null,
      requestId: row.request_id as string | null,
      sub: row.sub as string | null,
      iss: row.iss as string | null,
      method: row.method as string,
      cursor: data.cursor,
      count: data.count,
      namesSha256: data.names_sha256,
      names: null,
    });
  }
  const records = [...newest.values()];
  const digests = [...new Set(records.map((record) => record.namesSha256))];
  const names = new Map<string, string>();
  if (digests.length > 0) {
    const found = await sql.run(`SELECT digest, names FROM shown_names WHERE digest IN (${digests.map(() => '?').join(', ')})`, digests);
    for (const row of found.rows) names.set(row.digest as string, row.names as string);
  }
  for (const record of records) {
    const text = names.get(record.namesSha256);
    const list = text === undefined ? undefined : (JSON.parse(text) as string[]);
    if (list === undefined) record.problem = 'the names of this answer are missing from shown_names';
    else if (namesDigest(list) !== record.namesSha256 || list.length !== record.count) record.problem = 'the names stored for this answer do not match its row (shown_names was edited)';
    else record.names = list;
  }
  return records.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
}
