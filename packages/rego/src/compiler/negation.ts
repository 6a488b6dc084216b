/**
 * What OPA's compiler moves out of a negated expression before it runs (issue 12, item 1).
 *
 * OPA rewrites every expression, negated or not, in two stages (v1/ast/compile.go):
 *   - RewriteExprTerms: a call nested in another call's arguments, in a ref, or in a composite
 *     becomes `call(args, __localN__)` placed before the expression;
 *   - RewriteEquals (modules only) turns `a == b` into `a = b`, then RewriteDynamicTerms binds each
 *     ref or comprehension that is an argument of a call (`__localN__ = input.x`) before the call;
 *     in a unification only refs nested in ref paths or composites move.
 * For a positive expression this changes nothing, but the moved expressions are not negated:
 * `not denied(input.team)` is `__local0__ = input.team; not denied(__local0__)`, undefined when
 * `input.team` is. We do the same here on resolved bodies, so a policy that denies "unless the
 * team is blocked" does not fail open when the team is missing.
 *
 * `import future.keywords.not` makes each negated expression a body of its own (the parser's
 * notBodies), so nothing moves out; that module keeps today's evaluation.
 */
import type { Expr, Term, VarTerm } from '../ast.ts';

interface HoistContext {
  /** A fresh, unnamed variable with its own frame slot. */
  fresh: (loc: Term['loc']) => VarTerm;
  /** Modules rewrite `==` to `=` first (RewriteEquals); the query compiler does not. */
  equalsIsUnify: boolean;
}

/**
 * The expressions OPA evaluates for `not <inner>`: the moved ones (each marked `hoisted`), then the
 * negation over the rewritten inner expression. Explicit `not { ... }` bodies are left alone.
 */
export function hoistNegation(expr: Extract<Expr, { kind: 'not' }>, ctx: HoistContext): Expr[] {
  const inner = expr.expr;
  if (inner.kind === 'and' || inner.kind === 'or' || inner.kind === 'not' || inner.kind === 'some' || inner.kind === 'somein') return [expr];
  const moved: Expr[] = [];
  const written = inner.with.length > 0 ? inner.with : expr.with;
  // expandExpr first moves calls out of the `with` values (they run without the modifiers).
  const plain = (term: Term): VarTerm => {
    const v = ctx.fresh(term.loc);
    moved.push({ kind: 'unify', lhs: v, rhs: term, assign: false, loc: term.loc, with: [], hoisted: true });
    return v;
  };
  const withs = written.map((w) => ({ ...w, value: w.value.type === 'fnref' ? w.value : expandCalls(w.value, plain) }));
  const bind = (term: Term): VarTerm => {
    const v = ctx.fresh(term.loc);
    moved.push({ kind: 'unify', lhs: v, rhs: term, assign: false, loc: term.loc, with: withs, hoisted: true });
    return v;
  };
  // Stage 1 (RewriteExprTerms): nested calls.
  const calls = (term: Term): Term => expandCalls(term, bind);
  // Stage 2 (RewriteDynamicTerms): refs and comprehensions in call arguments.
  const dynamic = (term: Term): Term => dynamicOne(term, bind);
  let rewritten: Expr;
  switch (inner.kind) {
    case 'term': {
      const term = inner.term;
      if (term.type === 'call' && term.name !== 'print') {
        const args = term.args.map(calls);
        const isEquality = ctx.equalsIsUnify && term.name === 'equal' && args.length === 2;
        const finalArgs = isEquality ? args.map((arg) => dynamicInTerm(arg, bind)) : args.map(dynamic);
        rewritten = { ...inner, term: { ...term, args: finalArgs } };
      } else {
        rewritten = { ...inner, term: dynamicInTerm(calls(term), bind) };
      }
      break;
    }
    case 'unify':
      rewritten = { ...inner, lhs: dynamicInTerm(calls(inner.lhs), bind), rhs: dynamicInTerm(calls(inner.rhs), bind) };
      break;
    case 'every':
      // expandExpr binds every domain to a fresh variable, negated or not.
      rewritten = { ...inner, domain: bind(calls(inner.domain)) };
      break;
  }
  if (inner.with.length > 0) rewritten = { ...rewritten, with: withs };
  return [...moved, inner.with.length > 0 ? { ...expr, expr: rewritten } : { ...expr, with: withs, expr: rewritten }];
}

/** RewriteExprTerms' expandExprTerm: calls become fresh variables; refs and composites recurse. */
function expandCalls(term: Term, bind: (term: Term) => VarTerm): Term {
  const walk = (t: Term): Term => expandCalls(t, bind);
  switch (term.type) {
    case 'call':
      if (term.name === 'print') return term;
      return bind({ ...term, args: term.args.map(walk) });
    case 'ref': {
      const path = term.path.map(walk);
      const head = term.head;
      const composite = head.type === 'call' || head.type === 'array' || head.type === 'set' || head.type === 'object' || head.type.endsWith('comp');
      return { ...term, head: composite ? bind(walk(head)) : head, path };
    }
    case 'array':
    case 'set':
      return { ...term, items: term.items.map(walk) };
    case 'object':
      return { ...term, entries: term.entries.map(([k, v]) => [walk(k), walk(v)] as [Term, Term]) };
    default:
      return term;
  }
}

/** A global document: `input`, `data`, or a ref rooted at one (rule names and imports resolve so). */
function isGlobalRef(term: Term): boolean {
  if (term.type === 'var') return term.slot === -1;
  return term.type === 'ref';
}

/** RewriteDynamicTerms' rewriteDynamicsOne: refs and comprehensions are bound first. */
function dynamicOne(term: Term, bind: (term: Term) => VarTerm): Term {
  switch (term.type) {
    case 'var':
      return isGlobalRef(term) ? bind(term) : term;
    case 'ref':
      return bind({ ...term, path: term.path.map((part) => dynamicOne(part, bind)) });
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return bind(term);
    case 'array':
    case 'set':
      return { ...term, items: term.items.map((item) => dynamicOne(item, bind)) };
    case 'object':
      return { ...term, entries: term.entries.map(([k, v]) => [dynamicOne(k, bind), dynamicOne(v, bind)] as [Term, Term]) };
    default:
      return term;
  }
}

/** rewriteDynamicsInTerm: a ref keeps itself but binds dynamic path parts; composites recurse. */
function dynamicInTerm(term: Term, bind: (term: Term) => VarTerm): Term {
  switch (term.type) {
    case 'ref':
      return { ...term, path: term.path.map((part) => dynamicOne(part, bind)) };
    case 'var':
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return term;
    default:
      return dynamicOne(term, bind);
  }
}
