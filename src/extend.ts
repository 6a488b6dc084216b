/**
 * `extend(base, extra)`: a new object with `base`'s own enumerable properties and then `extra`'s,
 * which is what `{ ...base, ...extra }` gives, for the gateway's own objects on the call path
 * (the pipeline's context as each stage adds to it, a decision with its input).
 *
 * Why not the spread: on Node 20 (V8 11.3) a warm `{ ...base, key }` gives every copy a hidden
 * class of its own (Node 24 reuses one), an old-generation map that kept the whole request alive
 * past the young generation (docs/architecture.md, "Hidden classes on the call path").
 * Object.assign into a fresh `{}` follows cached transitions on both versions.
 *
 * Only for objects whose keys the gateway chose, never for data a client or an upstream sent:
 * Object.assign sets properties, so an own `__proto__` key would set the copy's prototype
 * instead of being kept (own.ts). A copy of data opens with a field before its spread instead
 * (downstream/modern.ts), or goes through own.ts's `copyWith`.
 */
export function extend<A extends object, B extends object>(base: A, extra: B): A & B {
  return Object.assign({}, base, extra);
}
