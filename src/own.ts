/**
 * Client and upstream input is data. A plain object looked up with `obj[key]` or `key in obj`
 * answers for Object.prototype's members too (`constructor`, `toString`, `__proto__`), and
 * assigning `obj["__proto__"] = x` on a plain object sets its prototype instead of storing a key
 * (issue 13, holes 1 and 2). Lookups keyed by input and copies of it with more fields go through these.
 */

/** `record[key]` only when it is the record's own property; never an inherited member. */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** An object without a prototype: every key, `__proto__` included, is stored as an own key. */
export function dataObject<T = unknown>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * `{ ...data, ...extra }`: a copy with more fields, for the pipeline's context as each stage adds
 * to it and for client or upstream data with keys the gateway sets (a forwarded request's
 * `_meta`). Every key of `data` is kept as data, `__proto__` included, and `extra` wins.
 *
 * Why not the spread: on Node 20 (V8 11.3) a warm `{ ...data, key }` (or a spread and then an
 * assignment) gives every copy a hidden class of its own where the key is new to the data (Node 24
 * reuses one), an old-generation map that kept the whole request alive past the young generation
 * (docs/architecture.md, "Hidden classes on the call path"). Object.assign into `{}` follows
 * cached transitions on both versions; it would set the prototype for an own `__proto__` key, so
 * such data takes the spread.
 */
export function copyWith<T extends object, E extends object>(data: T | null | undefined, extra: E): T & E {
  // null, like undefined, adds nothing, as in the spread (a client may send `"_meta": null`).
  if (data !== undefined && data !== null && Object.hasOwn(data, '__proto__')) return { ...data, ...extra };
  return Object.assign({}, data, extra) as T & E;
}
