/**
 * Client and upstream input is data. A plain object looked up with `obj[key]` or `key in obj`
 * answers for Object.prototype's members too (`constructor`, `toString`, `__proto__`), and
 * assigning `obj["__proto__"] = x` on a plain object sets its prototype instead of storing a key
 * (issue 13, holes 1 and 2). Every copy or lookup keyed by input goes through these two.
 */

/** `record[key]` only when it is the record's own property; never an inherited member. */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** An object without a prototype: every key, `__proto__` included, is stored as an own key. */
export function dataObject<T = unknown>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
