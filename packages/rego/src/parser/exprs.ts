/**
 * Expressions and bodies: `some`, `every`, `not`, unification and assignment, `k, v in xs`,
 * `with` modifiers, and the experimental `and` / `or` keywords (operands may be braced bodies).
 * Body expressions are separated by `;` or newlines.
 */
import type { Body, Expr, ExprKind, Term, VarTerm, With } from '../ast.ts';
import { Cursor, describe } from './cursor.ts';
import { parseTerm } from './terms.ts';

export function parseBody(p: Cursor, close: string): Body {
  const body: Body = [];
  while (!p.is(close)) {
    if (p.peek().kind === 'eof') p.fail(p.peek(), `unexpected eof token, expected ${close}`);
    body.push(parseExpr(p));
    if (p.accept(';')) continue;
    if (!p.is(close) && !p.peek().nl) p.fail(p.peek(), `unexpected ${describe(p.peek())}`);
  }
  const closing = p.expect(close);
  if (body.length === 0) p.fail(closing, 'found empty body');
  return body;
}

/** A query: body expressions up to the end of input. */
export function parseQuery(p: Cursor): Body {
  const body: Body = [];
  while (p.peek().kind !== 'eof') {
    body.push(parseExpr(p));
    if (p.accept(';')) continue;
    if (p.peek().kind !== 'eof' && !p.peek().nl) p.fail(p.peek(), `unexpected ${describe(p.peek())}`);
  }
  if (body.length === 0) p.fail(p.peek(), 'empty query');
  return body;
}

export function parseExpr(p: Cursor): Expr {
  const loc = p.loc();
  if (!logicEnabled(p)) return withModifiers(p, { ...parseExprKind(p), loc, with: [] });
  // `with` after a logic expression applies to all of it (logic_operators/with_modifier cases).
  return withModifiers(p, parseLogicOr(p));
}

function logicEnabled(p: Cursor): boolean {
  return p.keywords.has('and') || p.keywords.has('or');
}

function logicKeyword(p: Cursor, word: 'and' | 'or'): boolean {
  return p.keywords.has(word) && p.isKeyword(word) && !p.peek().nl;
}

/** `or` binds looser than `and`: `x or y and z` is `x or (y and z)`. */
function parseLogicOr(p: Cursor): Expr {
  const loc = p.loc();
  const first = parseLogicAnd(p);
  const operands = [first];
  while (logicKeyword(p, 'or')) {
    p.next();
    operands.push(parseLogicAnd(p));
  }
  return operands.length === 1 ? first : { kind: 'or', operands: operands.map((e) => [e]), loc, with: [] };
}

function parseLogicAnd(p: Cursor): Expr {
  const loc = p.loc();
  const first = parseLogicOperand(p);
  const operands = [first];
  while (logicKeyword(p, 'and')) {
    p.next();
    operands.push(parseLogicOperand(p));
  }
  return operands.length === 1 ? first : { kind: 'and', operands: operands.map((e) => [e]), loc, with: [] };
}

/** The end of an operand: what may follow a braced body or a parenthesised group. */
function atOperandEnd(p: Cursor): boolean {
  const token = p.peek();
  if (token.kind === 'eof' || token.nl) return true;
  if (token.kind === 'punct') return [';', '}', ')', ']'].includes(token.text);
  return logicKeyword(p, 'and') || logicKeyword(p, 'or') || p.isKeyword('with');
}

/** Tries a parse; on a parse error or a wrong ending, rewinds and returns undefined. */
function attempt<T>(p: Cursor, parse: () => T): T | undefined {
  const start = p.pos;
  try {
    const result = parse();
    if (atOperandEnd(p)) return result;
  } catch {
    // Not this form: the caller parses the operand as a plain expression.
  }
  p.pos = start;
  return undefined;
}

/** An operand: `{ body }`, `( logic expression )`, `not operand`, or a plain expression. */
function parseLogicOperand(p: Cursor): Expr {
  const loc = p.loc();
  if (p.is('{')) {
    const body = attempt(p, () => {
      p.next();
      return parseBody(p, '}');
    });
    if (body) return { kind: 'and', operands: [body], loc, with: [] };
  }
  if (p.is('(')) {
    const group = attempt(p, () => {
      p.next();
      const inner = parseExpr(p);
      p.expect(')');
      return inner;
    });
    if (group) return group;
  }
  if (p.isKeyword('not')) {
    p.next();
    refuseSecondNot(p);
    return { kind: 'not', expr: parseLogicOperand(p), loc, with: [] };
  }
  return { ...parseExprKind(p), loc, with: [] };
}

/** OPA negates a literal once: `not not x` is a parse error there, and here (it also nested without limit). */
function refuseSecondNot(p: Cursor): void {
  if (p.isKeyword('not')) p.fail(p.peek(), 'unexpected not keyword');
}

export function withModifiers<T extends { with: With[] }>(p: Cursor, expr: T): T {
  // `with` may continue an expression on the next line (it cannot start one).
  while (p.isKeyword('with')) {
    const loc = p.loc();
    p.next();
    const target = parseTerm(p);
    if (!p.isKeyword('as')) p.fail(p.peek(), `unexpected ${describe(p.peek())}, expected as`);
    p.next();
    const value = parseTerm(p);
    const modifier: With = { target, value, loc };
    expr.with.push(modifier);
  }
  return expr;
}

function parseExprKind(p: Cursor): ExprKind {
  if (p.isKeyword('some')) return parseSome(p);
  if (p.isKeyword('every')) return parseEvery(p);
  if (p.isKeyword('not')) {
    p.next();
    refuseSecondNot(p);
    const loc = p.loc();
    if (p.notBody && p.is('{')) {
      p.next();
      return { kind: 'not', expr: { kind: 'and', operands: [parseBody(p, '}')], loc, with: [] } };
    }
    const inner = parseExprKind(p);
    return { kind: 'not', expr: withModifiers(p, { ...inner, loc, with: [] }) };
  }
  const lhs = parseTerm(p);
  if (p.is(',') && !p.peek().nl) {
    // `k, v in xs` as an expression.
    p.next();
    const value = parseTerm(p);
    if (value.type !== 'call' || value.name !== 'internal.member_2') p.fail(p.peek(), 'unexpected , token');
    const [v, domain] = (value as Extract<Term, { type: 'call' }>).args;
    return { kind: 'term', term: { type: 'call', name: 'internal.member_3', args: [lhs, v!, domain!], loc: lhs.loc, infix: true } };
  }
  if ((p.is('=') || p.is(':=')) && !p.peek().nl) {
    const assign = p.next().text === ':=';
    return { kind: 'unify', lhs, rhs: parseTerm(p), assign };
  }
  return { kind: 'term', term: lhs };
}

function parseSome(p: Cursor): ExprKind {
  const someToken = p.next();
  const terms: Term[] = [parseTerm(p)];
  while (p.accept(',')) terms.push(parseTerm(p));
  // `some x in xs` and `some k, v in xs`: the last term parsed as `internal.member_2(v, xs)`.
  const last = terms[terms.length - 1]!;
  if (last.type === 'call' && last.name === 'internal.member_2') {
    if (terms.length > 2) p.fail(someToken, 'unexpected , in some declaration');
    const [value, domain] = last.args as [Term, Term];
    return terms.length === 2 ? { kind: 'somein', key: terms[0]!, value, domain } : { kind: 'somein', value, domain };
  }
  for (const term of terms) if (term.type !== 'var') p.fail(someToken, 'expected var in some declaration');
  return { kind: 'some', vars: terms as VarTerm[] };
}

function parseEvery(p: Cursor): ExprKind {
  const everyToken = p.next();
  const first = parseTerm(p);
  let key: Term | undefined;
  let value: Term;
  let domain: Term;
  if (p.accept(',')) {
    key = first;
    const rest = parseTerm(p);
    if (rest.type !== 'call' || rest.name !== 'internal.member_2') return p.fail(everyToken, 'expected `in` in every');
    [value, domain] = rest.args as [Term, Term];
  } else {
    if (first.type !== 'call' || first.name !== 'internal.member_2') return p.fail(everyToken, 'expected `in` in every');
    [value, domain] = first.args as [Term, Term];
  }
  p.expect('{');
  const body = parseBody(p, '}');
  return key ? { kind: 'every', key, value, domain, body } : { kind: 'every', value, domain, body };
}
