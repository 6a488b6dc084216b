/**
 * A visitor over every term and expression of a body, nested bodies included (comprehensions,
 * `every`, `and`/`or` operands, `not`, `with` values). Compiler passes that look at or annotate
 * nodes anywhere in a rule use it instead of each writing its own recursion.
 */
import type { Body, Expr, Term } from '../ast.ts';

interface Visitor {
  term?: (term: Term) => void;
  expr?: (expr: Expr) => void;
}

export function walkBody(body: Body, visitor: Visitor): void {
  for (const expr of body) walkExpr(expr, visitor);
}

function walkExpr(expr: Expr, visitor: Visitor): void {
  visitor.expr?.(expr);
  const term = (t: Term): void => walkTerm(t, visitor);
  for (const w of expr.with) term(w.value);
  switch (expr.kind) {
    case 'term':
      return term(expr.term);
    case 'unify':
      term(expr.lhs);
      return term(expr.rhs);
    case 'not':
      return walkExpr(expr.expr, visitor);
    case 'somein':
      for (const t of [expr.key, expr.value, expr.domain]) if (t) term(t);
      return;
    case 'every':
      for (const t of [expr.key, expr.value, expr.domain]) if (t) term(t);
      return walkBody(expr.body, visitor);
    case 'and':
    case 'or':
      return expr.operands.forEach((operand) => walkBody(operand, visitor));
    default:
      return;
  }
}

export function walkTerm(t: Term, visitor: Visitor): void {
  visitor.term?.(t);
  const term = (inner: Term): void => walkTerm(inner, visitor);
  switch (t.type) {
    case 'arraycomp':
    case 'setcomp':
      walkBody(t.body, visitor);
      return term(t.head);
    case 'objectcomp':
      walkBody(t.body, visitor);
      term(t.key);
      return term(t.value);
    case 'ref':
      term(t.head);
      return t.path.forEach(term);
    case 'array':
    case 'set':
      return t.items.forEach(term);
    case 'object':
      return t.entries.forEach(([k, v]) => (term(k), term(v)));
    case 'call':
      return t.args.forEach(term);
    case 'template':
      return t.parts.forEach((part) => typeof part !== 'string' && term(part));
    case 'with':
      term(t.term);
      return t.with.forEach((w) => term(w.value));
    default:
      return;
  }
}
