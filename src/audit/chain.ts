import { createHmac, hash } from 'node:crypto';

/**
 * The hash chain. Every row stores the previous row's hash and its own:
 *   hash = sha256(prev_hash "\n" canonical(row fields))
 * or, from where a keyed log's keying starts (migrations/sqlite/0004), HMAC-SHA256 of the same bytes
 * under the chain key.
 * The sequence number is deliberately left out of the hash: it is only the row's position,
 * while the prev_hash links define the order. That is what lets `verify` tell a reordered row
 * (its content still hashes right, but it links to a row that stands elsewhere) from an edited one.
 */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Every kind of row. `witness`: PostgreSQL, the other replicas' chain heads recorded in this
 * replica's chain (postgres/witness.ts); `tool_pin`: a pinned tool or prompt definition was first
 * seen, seen changed, approved or revoked (src/integrity/); `shown`: one list answer, who was shown
 * how many names and their digest (names in `shown_names`; shown.ts); `key_rotation`: `warden audit
 * keys rotate`, the chain key changes after this row, which is under the old key (keying.ts).
 */
export const EVENT_KINDS = [
  'decision', 'outcome', 'authn_failure', 'policy_reload', 'shadow_disagreement', 'config_loaded', 'config_reload', 'startup', 'shutdown', 'prune', 'witness', 'tool_pin',
  'shown', 'key_rotation',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

/** The columns of one `events` row, minus seq and the chain fields. */
export interface EventFields {
  kind: EventKind;
  time: string;
  request_id: string | null;
  session_id: string | null;
  sub: string | null;
  iss: string | null;
  method: string | null;
  public_name: string | null;
  upstream: string | null;
  upstream_name: string | null;
  decision: 'allow' | 'deny' | null;
  decision_id: string | null;
  outcome: string | null;
  code: string | null;
  /** Canonical JSON of the rest of the event (already redacted). */
  data: string;
}

export interface EventRow extends EventFields {
  seq: number;
  prev_hash: string;
  hash: string;
}

/** Fixed column order of the canonical encoding; changing it breaks every existing chain. */
export const HASHED_COLUMNS = [
  'kind', 'time', 'request_id', 'session_id', 'sub', 'iss', 'method', 'public_name', 'upstream',
  'upstream_name', 'decision', 'decision_id', 'outcome', 'code', 'data',
] as const satisfies readonly (keyof EventFields)[];

/** A chain key: the secret, and its id (a hash of it) that the database may store. */
export interface ChainKey {
  secret: Buffer;
  id: string;
}

export function chainKey(secret: string): ChainKey {
  return { secret: Buffer.from(secret, 'utf8'), id: hash('sha256', `mcp-warden audit chain key\n${secret}`, 'hex').slice(0, 16) };
}

/** `key`: the chain key when this row lies in the keyed part of the log. */
export function rowHash(prevHash: string, f: EventFields, key?: ChainKey): string {
  // Spelled out rather than mapped over HASHED_COLUMNS: this runs for every row on the write
  // path. The order must stay that of HASHED_COLUMNS (checked by test/unit/audit/chain.test.ts).
  const encoded = JSON.stringify([
    f.kind, f.time, f.request_id, f.session_id, f.sub, f.iss, f.method, f.public_name, f.upstream,
    f.upstream_name, f.decision, f.decision_id, f.outcome, f.code, f.data,
  ]);
  const text = `${prevHash}\n${encoded}`;
  if (key) return createHmac('sha256', key.secret).update(text).digest('hex');
  // One-shot crypto.hash: a third of createHash's cost on inputs this small (measured ~1 vs ~3 µs).
  return hash('sha256', text, 'hex');
}

/** JSON with object keys sorted at every depth, so equal values always encode to equal bytes. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

/**
 * The copy is an ordinary object: JSON.stringify writes one with fast properties about twice as
 * fast as a prototype-less dictionary (a fifth of the PostgreSQL writer's encoding time, bench
 * profile), and both list their keys in the same order (array-index keys first, numerically),
 * so the bytes and the hashes of existing chains do not change. A `__proto__` key of the
 * arguments is data to store and hash: defined as an own property, never assigned (a setter).
 *
 * A value that already is what the copy would be is returned as it is, not copied: an array
 * none of whose items change, and an ordinary object (Object.prototype, no own `toJSON`) whose
 * keys Object.keys lists in ascending order and none of whose values change. JSON.stringify then
 * writes the same bytes from the original: it lists an object's keys in Object.keys order, and
 * ascending keys are the order the copy would be given (array-index keys ascend numerically in
 * both). Most values are such already: the redactor's canonical copies (redact.ts), and short
 * argument objects. A decision row's encoding copied its policy input twice before (redactor,
 * then here): 12.1 -> 10.7 us per decision row (A/B in one process, 2026-12-07).
 */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return sortItems(value);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const keys = Object.keys(value);
    const record = value as Record<string, unknown>;
    if (Object.getPrototypeOf(value) === Object.prototype && ascendingWithoutToJson(keys)) return sortValues(record, keys);
    const sorted: Record<string, unknown> = {};
    for (const key of keys.sort()) putOwn(sorted, key, sortKeys(record[key]));
    return sorted;
  }
  return value;
}

/** `record`'s keys are in sorted order already: a copy only from the first value that changes. */
function sortValues(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  let sorted: Record<string, unknown> | undefined;
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index]!;
    const original = record[key];
    const item = sortKeys(original);
    if (sorted === undefined && item !== original) {
      sorted = {};
      for (const before of keys.slice(0, index)) putOwn(sorted, before, record[before]);
    }
    if (sorted !== undefined) putOwn(sorted, key, item);
  }
  return sorted ?? record;
}

function sortItems(items: unknown[]): unknown[] {
  if (Object.hasOwn(items, 'toJSON')) return items.map(sortKeys);
  let copy: unknown[] | undefined;
  for (let index = 0; index < items.length; index += 1) {
    const item = sortKeys(items[index]);
    if (copy === undefined && item !== items[index]) copy = items.slice(0, index);
    copy?.push(item);
  }
  return copy ?? items;
}

/** Sets `target[key]`, a `__proto__` key as an own property (data), never through the setter. */
export function putOwn(target: Record<string, unknown>, key: string, item: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value: item, enumerable: true, writable: true, configurable: true });
  else target[key] = item;
}

/** Whether Object.keys order already is the sorted order, and JSON.stringify will not call an own toJSON. */
function ascendingWithoutToJson(keys: readonly string[]): boolean {
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index]!;
    if (key === 'toJSON' || (index > 0 && !(keys[index - 1]! < key))) return false;
  }
  return true;
}

export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}
