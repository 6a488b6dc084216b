/**
 * The Rego syntax tree. Every node carries its location. The compiler annotates variables with
 * frame slots (`slot`) and refs to `data` with their resolved static prefix, so evaluation never
 * looks names up by string in the hot path.
 */
import type { Location } from './errors.ts';
import type { Value } from './value.ts';

export type Scalar = null | boolean | number | bigint | string;

export type Term =
  | { type: 'scalar'; value: Scalar; loc: Location }
  | VarTerm
  | RefTerm
  | { type: 'array'; items: Term[]; loc: Location }
  | { type: 'set'; items: Term[]; loc: Location }
  | { type: 'object'; entries: [Term, Term][]; loc: Location }
  | CallTerm
  | { type: 'arraycomp' | 'setcomp'; head: Term; body: Body; loc: Location; closure?: number[] }
  | { type: 'objectcomp'; key: Term; value: Term; body: Body; loc: Location; closure?: number[] }
  | { type: 'template'; parts: (string | Term)[]; loc: Location }
  /** A term under `with` modifiers: only inside a template string (`$"{p with input as x}"`). */
  | { type: 'with'; term: Term; with: With[]; loc: Location }
  /** A constant composite built at compile time (compiler/constants.ts). */
  | { type: 'value'; value: Value; loc: Location }
  /** A function named as a value, only as a `with` replacement (`with count as my_count`). */
  | { type: 'fnref'; name: string; loc: Location };

export interface VarTerm {
  type: 'var';
  name: string;
  loc: Location;
  /** Frame slot, assigned by the compiler; -1 for the roots `data` and `input`. */
  slot?: number;
}

export interface RefTerm {
  type: 'ref';
  head: Term;
  path: Term[];
  loc: Location;
}

export interface CallTerm {
  type: 'call';
  /** Dotted name as written (`count`, `data.lib.f`, `plus` for `+`). Resolved by the compiler. */
  name: string;
  args: Term[];
  loc: Location;
  /** An infix operator (`+`, `==`, `in`): always the built-in, never a rule of that name. */
  infix?: boolean;
}

export type ExprKind =
  | { kind: 'term'; term: Term }
  | { kind: 'unify'; lhs: Term; rhs: Term; assign: boolean }
  | { kind: 'not'; expr: Expr }
  | { kind: 'some'; vars: VarTerm[] }
  | { kind: 'somein'; key?: Term; value: Term; domain: Term }
  | { kind: 'every'; key?: Term; value: Term; domain: Term; body: Body; closure?: number[] }
  | { kind: 'or' | 'and'; operands: Body[]; closure?: number[] };

export type Expr = ExprKind & {
  loc: Location;
  with: With[];
  /** Moved out of a negation by the compiler (compiler/negation.ts): binds only its fresh variable. */
  hoisted?: true;
};

export interface With {
  target: Term;
  value: Term;
  loc: Location;
}

export type Body = Expr[];

/** Comprehensions and nested bodies record the outer slots they read (set by the compiler). */

export interface Import {
  path: Term;
  alias?: string;
  loc: Location;
}

export interface RuleHead {
  /** The head reference (`p`, `a.b.c`, `p[x]`) relative to the package. */
  ref: RefTerm | VarTerm;
  args?: Term[];
  /** `contains` rules: the member term. */
  key?: Term;
  value?: Term;
  assign: boolean;
}

export interface Rule {
  head: RuleHead;
  body: Body;
  isDefault: boolean;
  else?: Rule;
  loc: Location;
  file: string;
  /** METADATA blocks written above the rule (scope `rule` or `document`). */
  annotations?: Record<string, unknown>[];
}

export interface Module {
  file: string;
  /** Package path segments after `data`. */
  pkg: string[];
  pkgLoc: Location;
  imports: Import[];
  rules: Rule[];
  /** `import future.keywords.and` / `.or` (experimental keywords). */
  keywords: Set<string>;
  /**
   * `import future.keywords.not` (or all of `future.keywords`): each `not` negates its expression
   * as a body of its own, and `not { ... }` is allowed (OPA's notBodies).
   */
  notBodies: boolean;
  /** Parsed as Rego v0 (v0Compatible, no rego.v1 import): OPA's deprecated built-ins are callable. */
  v0: boolean;
  /** METADATA blocks above the package clause (scope `package` or `subpackages`). */
  annotations: Record<string, unknown>[];
}
