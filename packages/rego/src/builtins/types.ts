import type { Value } from '../value.ts';

/**
 * The built-in function seam. Each file in builtins/ groups built-ins as OPA's docs do
 * (strings.ts, regex.ts, aggregates.ts, ...) and exports a `Builtin[]` list; index.ts collects them
 * into one registry the compiler and evaluator read. A built-in never sees the evaluator: it gets
 * evaluated argument values and a small context.
 */
export interface BuiltinContext {
  /**
   * Per-query memo for non-deterministic built-ins (time.now_ns, rand.intn, uuid.rfc4122,
   * opa.runtime): OPA returns the same value for the same call within one query.
   */
  readonly memo: Map<string, Value>;
  /** Nanoseconds since the epoch at the start of the query (injected: tests pin it). */
  readonly nowNs: bigint;
  /** Strict built-in errors: the evaluator decides what a thrown BuiltinError does. */
  readonly strict: boolean;
}

export interface Builtin {
  /** Dotted name as written in Rego: `count`, `strings.replace_n`, `io.jwt.decode_verify`. */
  readonly name: string;
  /** Number of input arguments (the output argument is not counted). */
  readonly arity: number;
  /**
   * Returns the result, or undefined when the call is undefined (e.g. `to_number("x")` is an error,
   * but `object.get` with a missing key and no default is not a case: it returns the default).
   * Throws BuiltinError for operand type errors and failures.
   */
  readonly impl: (args: Value[], ctx: BuiltinContext) => Value | undefined;
  /**
   * Relations (OPA's `walk`) enumerate several results: impl returns an array of results and the
   * evaluator unifies the output with each in turn.
   */
  readonly relation?: boolean;
  /** A call must not be answered from a cache across queries (time, rand, uuid, http). */
  readonly nondeterministic?: boolean;
  /** OPA's deprecated built-ins (`any`, `re_match`, `cast_*`, ...): Rego v0 modules only. */
  readonly deprecated?: boolean;
}
