/**
 * What an evaluation can report to an observer: the test runner's failure lines and coverage,
 * and `warden policy explain`. The evaluator calls a tracer only when one is given; without one
 * the hot path pays a single property test per expression (bench/rego.bench.ts, before/after).
 */
import type { Expr } from '../ast.ts';
import type { CompiledRule } from '../compiler/rule-tree.ts';
import type { Env } from './context.ts';

export interface Tracer {
  /** An expression is about to be evaluated; `env` holds the bindings made before it. */
  enter(expr: Expr, env: Env): void;
  /** An expression gave no (further) solution; `env` holds the bindings made before it. */
  fail(expr: Expr, env: Env): void;
  /** A rule (or its `else` branch, or a default) produced a value. */
  exit(rule: CompiledRule): void;
}
