/**
 * The evaluator core: a callback-driven backtracking interpreter. Each construct calls its
 * continuation once per solution; a continuation returning true stops the search. Variables live
 * in a flat frame (`Env`) indexed by compiler-assigned slots and are unbound on the way back, so
 * no bindings object is copied. Virtual documents (refs.ts), calls (calls.ts), `with` (with.ts)
 * and value-building terms (terms.ts) live beside this file.
 */
import type { Body, Expr, Term } from '../ast.ts';
import type { CompiledPolicy } from '../compiler/compile.ts';
import { RegoError } from '../errors.ts';
import type { Location } from '../errors.ts';
import type { Limits } from '../limits.ts';
import { RObject, RSet, equals } from '../value.ts';
import type { Value } from '../value.ts';
import type { BuiltinContext } from '../builtins/types.ts';
import type { BuiltinError } from '../errors.ts';
import type { Env, EvalContext, K, VK } from './context.ts';
import { evalRef } from './refs.ts';
import { evalCall, evalCallExpr } from './calls.ts';
import { evalWith } from './with.ts';
import { evalComposite } from './terms.ts';
import type { Tracer } from './tracer.ts';

interface EvalOptions {
  strict: boolean;
  limits: Limits;
  nowNs: bigint;
  print: (message: string, loc: Location) => void;
  /** Observes expressions and rule values (tracer.ts); undefined in the gateway's hot path. */
  tracer?: Tracer | undefined;
}

export class Evaluator {
  ctx: EvalContext;
  steps = 0;
  depth = 0;
  /** First built-in error (strict mode reports it after evaluation). */
  firstError: RegoError | undefined;
  readonly builtinContext: BuiltinContext;
  readonly tracer: Tracer | undefined;

  constructor(
    readonly policy: CompiledPolicy,
    ctx: EvalContext,
    readonly options: EvalOptions,
  ) {
    this.ctx = ctx;
    this.tracer = options.tracer;
    this.builtinContext = { memo: new Map(), nowNs: options.nowNs, strict: options.strict };
  }

  body(body: Body, env: Env, k: K, i = 0): boolean {
    if (i === body.length) return k();
    return this.expr(body[i]!, env, i + 1 === body.length ? k : () => this.body(body, env, k, i + 1));
  }

  /** One step of the budget: each expression entered and each variable binding (enumeration). */
  tick(loc: Location): void {
    if (++this.steps > this.options.limits.maxSteps) {
      throw new RegoError('eval_budget_error', `evaluation step budget of ${this.options.limits.maxSteps} exceeded`, [loc]);
    }
  }

  expr(expr: Expr, env: Env, k: K): boolean {
    this.tick(expr.loc);
    if (this.tracer !== undefined) return this.traced(this.tracer, expr, env, k);
    if (expr.with.length > 0) return evalWith(this, expr, env, k);
    return this.exprNoWith(expr, env, k);
  }

  /** `expr` under a tracer: reports the entry, and the failure when no solution reached `k`. */
  private traced(tracer: Tracer, expr: Expr, env: Env, k: K): boolean {
    tracer.enter(expr, env);
    let solved = false;
    const next: K = () => {
      solved = true;
      return k();
    };
    const stop = expr.with.length > 0 ? evalWith(this, expr, env, next) : this.exprNoWith(expr, env, next);
    if (!solved) tracer.fail(expr, env);
    return stop;
  }

  exprNoWith(expr: Expr, env: Env, k: K): boolean {
    switch (expr.kind) {
      case 'term':
        if (expr.term.type === 'call') return evalCallExpr(this, expr.term, env, k);
        return this.term(expr.term, env, (value) => (value === false ? false : k()));
      case 'unify':
        return this.unifyTerms(expr.lhs, expr.rhs, env, k);
      case 'not':
        return this.expr(expr.expr, env, () => true) ? false : k();
      case 'some':
        return k();
      case 'somein':
        return this.term(expr.domain, env, (domain) =>
          eachMember(domain, (key, value) => this.unify(expr.value, value, env, () => (expr.key ? this.unify(expr.key, key, env, k) : k()))),
        );
      case 'every':
        return this.every(expr, env, k);
      // OPA's experimental `and` / `or`: each operand is its own scope, and the expression
      // succeeds at most once (bindings do not escape; logic_operators/iteration cases).
      case 'and':
        for (const operand of expr.operands) if (!this.body(operand, env, () => true)) return false;
        return k();
      case 'or':
        for (const operand of expr.operands) if (this.body(operand, env, () => true)) return k();
        return false;
    }
  }

  private every(expr: Extract<Expr, { kind: 'every' }>, env: Env, k: K): boolean {
    // An undefined domain, or one that is not a collection, makes `every` undefined (OPA's
    // every/non-iter cases); an empty collection makes it true.
    let holds = false;
    this.term(expr.domain, env, (domain) => {
      holds = true;
      if (domain === null || typeof domain !== 'object') {
        holds = false;
        return true;
      }
      eachMember(domain, (key, value) => {
        const ok = this.unify(expr.value, value, env, () => (expr.key ? this.unify(expr.key, key, env, () => this.body(expr.body, env, () => true)) : this.body(expr.body, env, () => true)));
        if (!ok) holds = false;
        return !holds;
      });
      return !holds;
    });
    return holds ? k() : false;
  }

  /** Evaluates a term, calling `k` with each of its values. */
  term(term: Term, env: Env, k: VK): boolean {
    switch (term.type) {
      case 'scalar':
        return k(term.value);
      case 'var': {
        if (term.slot === -1) {
          if (term.name === 'input') return this.ctx.input === undefined ? false : k(this.ctx.input);
          return evalRef(this, { type: 'ref', head: term, path: [], loc: term.loc }, env, k);
        }
        const value = env[term.slot!];
        return value === undefined ? false : k(value);
      }
      case 'ref':
        return evalRef(this, term, env, k);
      case 'call':
        return evalCall(this, term, env, k);
      case 'value':
        return k(term.value);
      case 'fnref':
        return false;
      default:
        return evalComposite(this, term, env, k);
    }
  }

  /** Unifies a term (a pattern that may hold unbound vars) with a value. */
  unify(term: Term, value: Value, env: Env, k: K): boolean {
    switch (term.type) {
      case 'var': {
        if (term.slot === -1) return this.term(term, env, (v) => equals(v, value) && k());
        const slot = term.slot!;
        const bound = env[slot];
        if (bound !== undefined) return equals(bound, value) ? k() : false;
        this.tick(term.loc);
        env[slot] = value;
        try {
          return k();
        } finally {
          env[slot] = undefined;
        }
      }
      case 'array':
        if (!Array.isArray(value) || value.length !== term.items.length) return false;
        return this.unifyItems(term.items, value, 0, env, k);
      case 'object': {
        if (!(value instanceof RObject) || value.size !== term.entries.length) return false;
        return this.unifyEntries(term.entries, value, 0, env, k);
      }
      case 'scalar':
        return equals(term.value, value) ? k() : false;
      default:
        return this.term(term, env, (v) => (equals(v, value) ? k() : false));
    }
  }

  private unifyItems(items: Term[], values: Value[], i: number, env: Env, k: K): boolean {
    if (i === items.length) return k();
    return this.unify(items[i]!, values[i]!, env, () => this.unifyItems(items, values, i + 1, env, k));
  }

  private unifyEntries(entries: [Term, Term][], object: RObject, i: number, env: Env, k: K): boolean {
    if (i === entries.length) return k();
    const [keyTerm, valueTerm] = entries[i]!;
    return this.term(keyTerm, env, (key) => {
      const value = object.get(key);
      return value === undefined ? false : this.unify(valueTerm, value, env, () => this.unifyEntries(entries, object, i + 1, env, k));
    });
  }

  /** `a = b`: evaluates whichever side can be evaluated and matches the other against it. */
  unifyTerms(a: Term, b: Term, env: Env, k: K): boolean {
    if (a.type === 'array' && b.type === 'array') {
      if (a.items.length !== b.items.length) return false;
      return this.unifyTermLists(a.items, b.items, 0, env, k);
    }
    if (a.type === 'object' && b.type === 'object' && !this.canEval(a, env) && !this.canEval(b, env)) {
      if (a.entries.length !== b.entries.length) return false;
      return this.unifyObjectTerms(a.entries, b.entries, 0, env, k);
    }
    if (this.canEval(b, env)) return this.term(b, env, (value) => this.unify(a, value, env, k));
    if (this.canEval(a, env)) return this.term(a, env, (value) => this.unify(b, value, env, k));
    throw new RegoError('eval_type_error', 'unification of two unbound terms', [a.loc]);
  }

  private unifyTermLists(a: Term[], b: Term[], i: number, env: Env, k: K): boolean {
    if (i === a.length) return k();
    const left = a[i]!;
    const right = b[i]!;
    if (!this.canEval(left, env) && !this.canEval(right, env)) {
      // Neither side is ready yet: try the rest first (`[x, y] = [y, 1]`).
      const rest = this.unifyTermLists(a.slice(i + 1), b.slice(i + 1), 0, env, () => this.unifyTerms(left, right, env, k));
      return rest;
    }
    return this.unifyTerms(left, right, env, () => this.unifyTermLists(a, b, i + 1, env, k));
  }

  private unifyObjectTerms(a: [Term, Term][], b: [Term, Term][], i: number, env: Env, k: K): boolean {
    if (i === a.length) return k();
    const [keyTerm, valueTerm] = a[i]!;
    return this.term(keyTerm, env, (key) => {
      for (const [otherKey, otherValue] of b) {
        let matched = false;
        const stop = this.term(otherKey, env, (candidate) => {
          if (!equals(candidate, key)) return false;
          matched = true;
          return this.unifyTerms(valueTerm, otherValue, env, () => this.unifyObjectTerms(a, b, i + 1, env, k));
        });
        if (matched) return stop;
      }
      return false;
    });
  }

  /** Whether a term can be evaluated now: its non-ref variables are bound. */
  canEval(term: Term, env: Env): boolean {
    switch (term.type) {
      case 'var':
        return term.slot === -1 || env[term.slot!] !== undefined;
      case 'ref':
        return this.canEval(term.head, env);
      case 'array':
      case 'set':
        return term.items.every((item) => this.canEval(item, env));
      case 'object':
        return term.entries.every(([key, value]) => this.canEval(key, env) && this.canEval(value, env));
      default:
        return true;
    }
  }

  /** Runs a nested rule or function evaluation under the depth limit. */
  nested<T>(loc: Location, run: () => T): T {
    if (++this.depth > this.options.limits.maxDepth) {
      this.depth = 0;
      throw new RegoError('eval_budget_error', `evaluation depth limit of ${this.options.limits.maxDepth} exceeded`, [loc]);
    }
    try {
      return run();
    } finally {
      this.depth--;
    }
  }

  conflict(message: string, at: { loc: Location }): never {
    throw new RegoError('eval_conflict_error', message, [at.loc]);
  }

  /** A failed built-in call is undefined; strict mode remembers the first error. */
  builtinFailed(error: BuiltinError, loc: Location): false {
    if (this.options.strict && !this.firstError) this.firstError = new RegoError(error.code, error.message, [loc]);
    return false;
  }

  /** Calls `each` once per solution of a body (comprehensions collect their results this way). */
  collect(body: Body, env: Env, each: () => void): void {
    this.body(body, env, () => {
      each();
      return false;
    });
  }
}

/**
 * Enumerates (key, value) of a collection: array index/element, object key/value, set member
 * twice. Objects and sets in sorted order, as OPA iterates them: comprehensions and "first
 * solution" answers depend on it.
 */
export function eachMember(collection: Value, visit: (key: Value, value: Value) => boolean): boolean {
  if (Array.isArray(collection)) {
    for (let i = 0; i < collection.length; i++) if (visit(i, collection[i]!)) return true;
    return false;
  }
  if (collection instanceof RObject) {
    if (collection.size === 1) {
      for (const [key, value] of collection.entries()) return visit(key, value);
    }
    for (const [key, value] of collection.orderedEntries()) if (visit(key, value)) return true;
    return false;
  }
  if (collection instanceof RSet) {
    for (const member of collection.ordered()) if (visit(member, member)) return true;
  }
  return false;
}
