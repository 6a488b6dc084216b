/**
 * Safety: reorders each body so that every expression runs only once the variables it reads are
 * bound, and reports what can never be bound (`rego_unsafe_var_error: var x is unsafe`), as OPA's
 * compiler does (compile.go: checkSafetyRuleBodies / reorderBodyForSafety).
 *
 * An expression *needs* the variables it reads and *binds* those it can produce: unification
 * pattern variables, variables in ref positions (`xs[i]` enumerates `i`), `some .. in` targets and
 * a call's output argument.
 */
import type { Body, Expr, Term } from '../ast.ts';
import { RegoError } from '../errors.ts';
import type { Location } from '../errors.ts';

type ArityOf = (name: string) => number | undefined;

interface Analysis {
  needs: Set<number>;
  binds: Set<number>;
}

export class Safety {
  /** Slot -> name and location, for error messages. */
  readonly names = new Map<number, { name: string; loc: Location }>();

  constructor(private readonly arityOf: ArityOf) {}

  /** Reorders `body` given the slots bound before it; returns the slots bound after it. */
  reorder(body: Body, bound: Set<number>): { body: Body; bound: Set<number> } {
    const remaining = [...body];
    const ordered: Body = [];
    const nowBound = new Set(bound);
    while (remaining.length > 0) {
      const index = remaining.findIndex((expr) => this.ready(expr, nowBound));
      if (index < 0) this.unsafe(remaining, nowBound);
      const [expr] = remaining.splice(index, 1);
      const analysis = this.analyzeExpr(expr!, nowBound);
      ordered.push(this.nested(expr!, nowBound));
      for (const slot of analysis.binds) nowBound.add(slot);
    }
    return { body: ordered, bound: nowBound };
  }

  /** Throws for the first unsafe variable, named as OPA names it. */
  private unsafe(remaining: Body, bound: Set<number>): never {
    const errors: RegoError[] = [];
    const reported = new Set<string>();
    for (const expr of remaining) {
      for (const slot of this.analyzeExpr(expr, bound).needs) {
        if (bound.has(slot)) continue;
        const info = this.names.get(slot);
        // Compiler-made variables are never named in an error: the user's own are reported.
        if (!info || !isUserVar(info.name)) continue;
        const name = info.name;
        if (reported.has(name)) continue;
        reported.add(name);
        errors.push(new RegoError('rego_unsafe_var_error', `var ${name} is unsafe`, [info?.loc ?? expr.loc]));
      }
    }
    throw errors[0] ?? new RegoError('rego_unsafe_var_error', 'body is unsafe', [remaining[0]!.loc]);
  }

  /** Orders nested bodies (comprehensions, every, and/or operands) with the outer slots bound. */
  private nested(expr: Expr, bound: Set<number>): Expr {
    const term = (t: Term): Term => this.nestedTerm(t, bound);
    const withs = expr.with.map((w) => ({ ...w, value: term(w.value) }));
    switch (expr.kind) {
      case 'term':
        return { ...expr, with: withs, term: term(expr.term) };
      case 'unify':
        return { ...expr, with: withs, lhs: term(expr.lhs), rhs: term(expr.rhs) };
      case 'not':
        return { ...expr, with: withs, expr: this.nested(expr.expr, bound) };
      case 'somein':
        return { ...expr, with: withs, domain: term(expr.domain) };
      case 'every': {
        const inner = new Set(bound);
        for (const t of [expr.key, expr.value]) if (t) for (const s of patternSlots(t)) inner.add(s);
        return { ...expr, with: withs, domain: term(expr.domain), body: this.reorder(expr.body, inner).body };
      }
      case 'and':
      case 'or':
        return { ...expr, with: withs, operands: expr.operands.map((operand) => this.reorder(operand, bound).body) };
      default:
        return { ...expr, with: withs };
    }
  }

  private nestedTerm(term: Term, bound: Set<number>): Term {
    switch (term.type) {
      case 'arraycomp':
      case 'setcomp': {
        const result = this.reorder(term.body, bound);
        this.check(term.head, result.bound);
        return { ...term, head: this.nestedTerm(term.head, result.bound), body: result.body };
      }
      case 'objectcomp': {
        const result = this.reorder(term.body, bound);
        this.check(term.key, result.bound);
        this.check(term.value, result.bound);
        return { ...term, key: this.nestedTerm(term.key, result.bound), value: this.nestedTerm(term.value, result.bound), body: result.body };
      }
      case 'ref':
        return { ...term, head: this.nestedTerm(term.head, bound), path: term.path.map((p) => this.nestedTerm(p, bound)) };
      case 'array':
      case 'set':
        return { ...term, items: term.items.map((i) => this.nestedTerm(i, bound)) };
      case 'object':
        return { ...term, entries: term.entries.map(([k, v]) => [this.nestedTerm(k, bound), this.nestedTerm(v, bound)] as [Term, Term]) };
      case 'call':
        return { ...term, args: term.args.map((a) => this.nestedTerm(a, bound)) };
      case 'template':
        return { ...term, parts: term.parts.map((p) => (typeof p === 'string' ? p : this.nestedTerm(p, bound))) };
      case 'with':
        return { ...term, term: this.nestedTerm(term.term, bound), with: term.with.map((w) => ({ ...w, value: this.nestedTerm(w.value, bound) })) };
      default:
        return term;
    }
  }

  /**
   * Head terms (rule values, comprehension heads) must only read bound variables; variables in
   * ref positions (`q := xs[_]`) enumerate when the head is evaluated.
   */
  check(term: Term, bound: Set<number>): void {
    const analysis = this.analyzeTerm(term);
    for (const slot of analysis.needs) {
      if (bound.has(slot)) continue;
      const info = this.names.get(slot);
      // Wildcards are not named in `names`: a head that is `_` reads one (`p := _`).
      if (!info) throw new RegoError('rego_unsafe_var_error', 'var _ is unsafe', [term.loc]);
      if (!isUserVar(info.name)) continue;
      throw new RegoError('rego_unsafe_var_error', `var ${info.name} is unsafe`, [info.loc]);
    }
  }

  private ready(expr: Expr, bound: Set<number>): boolean {
    const analysis = this.analyzeExpr(expr, bound);
    for (const slot of analysis.needs) if (!bound.has(slot)) return false;
    return true;
  }

  analyzeExpr(expr: Expr, bound: Set<number>): Analysis {
    const result = this.analyzeKind(expr, bound);
    if (expr.hoisted) {
      // Moved out of a negation (negation.ts): safety is that of the negated expression as
      // written, so the user's variables it reads must be bound before; only the fresh variable
      // and wildcards are bound here.
      for (const slot of result.binds) {
        if (!isUserVar(this.names.get(slot)?.name)) continue;
        result.binds.delete(slot);
        result.needs.add(slot);
      }
    }
    for (const w of expr.with) for (const slot of this.analyzeTerm(w.value).needs) result.needs.add(slot);
    for (const w of expr.with) for (const slot of this.analyzeTerm(w.value).binds) result.needs.add(slot);
    return result;
  }

  private analyzeKind(expr: Expr, bound: Set<number>): Analysis {
    switch (expr.kind) {
      case 'term':
        return this.analyzeTerm(expr.term);
      case 'unify':
        return this.analyzeUnify(expr.lhs, expr.rhs, bound, expr.assign);
      case 'not': {
        // Everything a negated expression reads must be bound outside it (wildcards aside).
        const inner = this.analyzeExpr(expr.expr, bound);
        const needs = new Set([...inner.needs, ...[...inner.binds].filter((s) => this.names.has(s))]);
        return { needs, binds: new Set() };
      }
      case 'some':
        return { needs: new Set(), binds: new Set() };
      case 'somein': {
        const domain = this.analyzeTerm(expr.domain);
        const binds = new Set(domain.binds);
        for (const t of [expr.key, expr.value]) if (t) for (const s of patternSlots(t)) binds.add(s);
        for (const t of [expr.key, expr.value]) if (t) for (const s of this.nonPatternNeeds(t)) domain.needs.add(s);
        return { needs: domain.needs, binds };
      }
      case 'every': {
        const domain = this.analyzeTerm(expr.domain);
        const needs = new Set([...domain.needs, ...domain.binds, ...this.closureNeeds(expr)]);
        return { needs, binds: new Set() };
      }
      case 'and':
      case 'or':
        return { needs: this.closureNeeds(expr), binds: new Set() };
    }
  }

  /** Slots a nested body reads that are not its own (declared inside it). */
  private closureNeeds(expr: Expr): Set<number> {
    return new Set('closure' in expr ? expr.closure : []);
  }

  private analyzeUnify(lhs: Term, rhs: Term, bound: Set<number>, assign = false): Analysis {
    const pairs = pairTerms(lhs, rhs);
    if (pairs) {
      // Element-wise: `[x, 1] = [2, y]` and `{"a": x} = {"a": 1}` bind both sides.
      const needs = new Set<number>();
      const binds = new Set<number>();
      const nowBound = new Set(bound);
      const pending = pairs;
      for (let progress = true; progress && pending.length > 0; ) {
        progress = false;
        for (let i = 0; i < pending.length; i++) {
          const [a, b] = pending[i]!;
          const part = this.analyzeUnify(a, b, nowBound);
          if ([...part.needs].every((s) => nowBound.has(s))) {
            part.binds.forEach((s) => {
              binds.add(s);
              nowBound.add(s);
            });
            pending.splice(i--, 1);
            progress = true;
          }
        }
      }
      for (const [a, b] of pending) this.analyzeUnify(a, b, nowBound).needs.forEach((s) => needs.add(s));
      return { needs, binds };
    }
    const left = this.analyzeTerm(lhs);
    const right = this.analyzeTerm(rhs);
    const leftPattern = patternSlots(lhs);
    const rightPattern = patternSlots(rhs);
    const needs = new Set([...this.nonPatternNeeds(lhs), ...this.nonPatternNeeds(rhs)]);
    const binds = new Set([...left.binds, ...right.binds, ...leftPattern, ...rightPattern]);
    // One side must be computable: all of its pattern variables bound.
    const leftGround = leftPattern.every((s) => bound.has(s));
    const rightGround = rightPattern.every((s) => bound.has(s));
    // `x := y`: the right side is what must be known (OPA names `y`, not `x`).
    if (!leftGround && !rightGround) for (const s of assign || leftPattern.length > rightPattern.length ? rightPattern : leftPattern) needs.add(s);
    return { needs, binds };
  }

  /** Needs of a pattern term outside its pattern variables (object keys, refs, calls). */
  private nonPatternNeeds(term: Term): Set<number> {
    switch (term.type) {
      case 'var':
        return new Set();
      case 'array':
        return new Set(term.items.flatMap((item) => [...this.nonPatternNeeds(item)]));
      case 'object':
        return new Set(term.entries.flatMap(([k, v]) => [...this.analyzeTerm(k).needs, ...this.analyzeTerm(k).binds, ...this.nonPatternNeeds(v)]));
      default:
        return this.analyzeTerm(term).needs;
    }
  }

  analyzeTerm(term: Term): Analysis {
    const needs = new Set<number>();
    const binds = new Set<number>();
    const visit = (t: Term, inRef: boolean): void => {
      switch (t.type) {
        case 'var':
          if (t.slot === undefined || t.slot < 0) return;
          // Wildcards stay anonymous: a `_` inside `not` is local to it.
          if (t.name !== '_') this.names.set(t.slot, { name: t.name, loc: t.loc });
          (inRef ? binds : needs).add(t.slot);
          return;
        case 'ref':
          visit(t.head, false);
          for (const part of t.path) visit(part, true);
          return;
        case 'array':
        case 'set':
          t.items.forEach((item) => visit(item, inRef));
          return;
        case 'object':
          t.entries.forEach(([k, v]) => {
            visit(k, inRef);
            visit(v, inRef);
          });
          return;
        case 'call': {
          const arity = this.arityOf(t.name);
          t.args.forEach((arg, i) => {
            if (arity !== undefined && i === arity && i === t.args.length - 1) {
              for (const s of patternSlots(arg)) binds.add(s);
              for (const s of this.nonPatternNeeds(arg)) needs.add(s);
            } else visit(arg, false);
          });
          return;
        }
        case 'template':
          t.parts.forEach((part) => typeof part !== 'string' && visit(part, false));
          return;
        case 'with':
          visit(t.term, false);
          t.with.forEach((w) => visit(w.value, false));
          return;
        case 'arraycomp':
        case 'setcomp':
        case 'objectcomp':
          for (const slot of t.closure ?? []) needs.add(slot);
          return;
        default:
          return;
      }
    };
    visit(term, false);
    return { needs, binds };
  }
}

/** A variable the user wrote: not a wildcard, not one the compiler made (`$...`). */
function isUserVar(name: string | undefined): boolean {
  return name !== undefined && name !== '_' && !name.startsWith('$');
}

/** Matching parts of two array literals (by index) or object literals (by scalar key). */
function pairTerms(lhs: Term, rhs: Term): [Term, Term][] | undefined {
  if (lhs.type === 'array' && rhs.type === 'array' && lhs.items.length === rhs.items.length) {
    return lhs.items.map((item, i) => [item, rhs.items[i]!]);
  }
  if (lhs.type !== 'object' || rhs.type !== 'object' || lhs.entries.length !== rhs.entries.length) return undefined;
  const pairs: [Term, Term][] = [];
  for (const [key, value] of lhs.entries) {
    if (key.type !== 'scalar') return undefined;
    const other = rhs.entries.find(([k]) => k.type === 'scalar' && k.value === key.value);
    if (!other) return undefined;
    pairs.push([value, other[1]]);
  }
  return pairs;
}

export function patternSlots(term: Term): number[] {
  switch (term.type) {
    case 'var':
      return term.slot !== undefined && term.slot >= 0 ? [term.slot] : [];
    case 'array':
      return term.items.flatMap(patternSlots);
    case 'object':
      return term.entries.flatMap(([, v]) => patternSlots(v));
    default:
      return [];
  }
}
