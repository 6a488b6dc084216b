/**
 * Terms and infix operators. Precedence follows OPA's parser, lowest first: `in`, relations
 * (`== != < <= > >=`), `|`, `&`, `+ -`, `* / %`. Infix operators become calls of the built-in
 * OPA names them after (`plus`, `equal`, `internal.member_2`, ...).
 */
import type { Location } from '../errors.ts';
import type { CallTerm, Term, RefTerm, VarTerm, With } from '../ast.ts';
import { parseNumberLiteral } from '../number.ts';
import { Cursor, KEYWORDS, describe } from './cursor.ts';
import { parseBody, withModifiers } from './exprs.ts';
import { tokenize } from './lexer.ts';
import type { Token } from './lexer.ts';

const RELATIONS: Record<string, string> = { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

function call(name: string, args: Term[], loc: Location): Term {
  return { type: 'call', name, args, loc, infix: true };
}

/** An infix operator continues the term only on the same line. */
function infix(p: Cursor, ops: readonly string[]): string | undefined {
  const token = p.peek();
  if (token.kind !== 'punct' || token.nl || !ops.includes(token.text)) return undefined;
  if (token.text === '|' && p.barEndsTerm) return undefined;
  p.next();
  return token.text;
}

/**
 * A left-associative chain `a op b op c ...`: every operator nests the tree one level deeper, so
 * each counts toward the parser's depth limit as a bracket does (OPA's parser recurses once per
 * operator too). Uncounted, a one-line chain of 50,000 `+` parsed fine and then overflowed the
 * compiler's stack. `extend` reads the next operator and right operand, or returns undefined.
 */
function chain(p: Cursor, first: Term, extend: (left: Term) => Term | undefined): Term {
  let term = first;
  let levels = 0;
  for (let next = extend(term); next !== undefined; next = extend(term)) {
    term = next;
    p.enter();
    levels += 1;
  }
  for (; levels > 0; levels -= 1) p.leave();
  return term;
}

export function parseTerm(p: Cursor): Term {
  return chain(p, parseRelation(p), (term) => {
    if (!p.isKeyword('in') || p.peek().nl) return undefined;
    const loc = p.loc();
    p.next();
    return call('internal.member_2', [term, parseRelation(p)], loc);
  });
}

function parseRelation(p: Cursor): Term {
  return chain(p, parseOr(p), (term) => {
    const op = infix(p, Object.keys(RELATIONS));
    return op === undefined ? undefined : call(RELATIONS[op]!, [term, parseOr(p)], term.loc);
  });
}

function parseOr(p: Cursor): Term {
  return chain(p, parseAnd(p), (term) => (infix(p, ['|']) ? call('or', [term, parseAnd(p)], term.loc) : undefined));
}

function parseAnd(p: Cursor): Term {
  return chain(p, parseArith(p), (term) => (infix(p, ['&']) ? call('and', [term, parseArith(p)], term.loc) : undefined));
}

function parseArith(p: Cursor): Term {
  return chain(p, parseFactor(p), (term) => {
    const op = infix(p, ['+', '-']);
    return op === undefined ? undefined : call(op === '+' ? 'plus' : 'minus', [term, parseFactor(p)], term.loc);
  });
}

function parseFactor(p: Cursor): Term {
  return chain(p, parsePostfix(p), (term) => {
    const op = infix(p, ['*', '/', '%']);
    return op === undefined ? undefined : call(op === '*' ? 'mul' : op === '/' ? 'div' : 'rem', [term, parsePostfix(p)], term.loc);
  });
}

/** A primary term followed by adjacent `.name`, `[term]` and `(args)`. */
export function parsePostfix(p: Cursor): Term {
  p.enter();
  let term = parsePrimary(p);
  // The ref this loop made last: grown in place, so `a.b.c...` costs linear time, not a copy per part.
  let grown: RefTerm | undefined;
  const extend = (key: Term): void => {
    if (term === grown) grown.path.push(key);
    else term = grown = extendRef(term, key);
  };
  for (;;) {
    const token = p.peek();
    if (token.ws || token.kind !== 'punct') break;
    if (token.text === '.') {
      p.next();
      const name = p.next();
      if (name.kind !== 'ident') p.fail(name, `unexpected ${describe(name)}: expected ident`);
      extend({ type: 'scalar', value: name.text, loc: p.loc(name) });
    } else if (token.text === '[') {
      p.next();
      const key = p.barScope(false, () => parseTerm(p));
      p.expect(']');
      extend(key);
    } else if (token.text === '(') {
      const name = refName(term);
      if (name === undefined) p.fail(token, 'unexpected ( token: only names can be called');
      p.next();
      term = { type: 'call', name, args: parseItems(p, ')'), loc: term.loc };
    } else break;
  }
  p.leave();
  return term;
}

function extendRef(term: Term, key: Term): RefTerm {
  if (term.type === 'ref') return { ...term, path: [...term.path, key] };
  return { type: 'ref', head: term, path: [key], loc: term.loc };
}

/** `a.b.c` -> "a.b.c" (call targets), undefined when the ref has non-name parts. */
export function refName(term: Term): string | undefined {
  if (term.type === 'var') return term.name;
  if (term.type !== 'ref' || term.head.type !== 'var') return undefined;
  const parts = [term.head.name];
  for (const part of term.path) {
    if (part.type !== 'scalar' || typeof part.value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(part.value)) return undefined;
    parts.push(part.value);
  }
  return parts.join('.');
}

/** Comma-separated terms up to `close` (a trailing comma is allowed). */
function parseItems(p: Cursor, close: string, items: Term[] = []): Term[] {
  p.barScope(false, () => {
    while (!p.is(close)) {
      items.push(parseTerm(p));
      if (!p.accept(',')) break;
    }
  });
  p.expect(close);
  return items;
}

function parsePrimary(p: Cursor): Term {
  const token = p.peek();
  const loc = p.loc(token);
  switch (token.kind) {
    case 'number':
      p.next();
      return { type: 'scalar', value: numberValue(p, token, token.text), loc };
    case 'string':
      p.next();
      return { type: 'scalar', value: token.value!, loc };
    case 'template':
      p.next();
      return parseTemplate(p, token, loc);
    case 'ident':
      return parseName(p, token, loc);
    case 'punct':
      break;
    default:
      p.fail(token, `unexpected ${describe(token)}`);
  }
  if (token.text === '-' && p.peek(1).kind === 'number' && !p.peek(1).ws) {
    p.next();
    const number = p.next();
    return { type: 'scalar', value: numberValue(p, number, `-${number.text}`), loc };
  }
  if (token.text === '(') {
    p.next();
    const inner = p.barScope(false, () => parseParenthesised(p));
    p.expect(')');
    return inner;
  }
  if (token.text === '[') return parseArrayLike(p, loc);
  if (token.text === '{') return parseBraced(p, loc);
  return p.fail(token, `unexpected ${describe(token)}`);
}

function numberValue(p: Cursor, token: Token, text: string): number | bigint {
  const value = parseNumberLiteral(text.startsWith('.') ? `0${text}` : text.replace('-.', '-0.'));
  if (value === undefined) p.fail(token, `invalid number ${text}`);
  return value!;
}

function parseName(p: Cursor, token: Token, loc: Location): Term {
  p.next();
  const named = p.isNameWithDot(-1);
  switch (named ? '' : token.text) {
    case 'true':
      return { type: 'scalar', value: true, loc };
    case 'false':
      return { type: 'scalar', value: false, loc };
    case 'null':
      return { type: 'scalar', value: null, loc };
    case 'set':
      if (p.is('(') && p.is(')', 1) && !p.peek().ws) {
        p.next();
        p.next();
        return { type: 'set', items: [], loc };
      }
  }
  if ((KEYWORDS.has(token.text) || p.keywords.has(token.text)) && !named) p.fail(token, `unexpected ${token.text} keyword`);
  const variable: VarTerm = { type: 'var', name: token.text, loc };
  return variable;
}

/** `(term)`, or `(k, v in xs)`: membership with a key, as a term. */
function parseParenthesised(p: Cursor): Term {
  const inner = parseTerm(p);
  if (!p.accept(',')) return inner;
  const rest = parseTerm(p);
  if (rest.type !== 'call' || rest.name !== 'internal.member_2') p.fail(p.peek(), `unexpected ${describe(p.peek())}, expected in`);
  return { type: 'call', name: 'internal.member_3', args: [inner, ...(rest as CallTerm).args], loc: inner.loc, infix: true };
}

/** `[...]`: an array or an array comprehension `[head | body]`. */
function parseArrayLike(p: Cursor, loc: Location): Term {
  p.next();
  if (p.accept(']')) return { type: 'array', items: [], loc };
  const first = p.barScope(true, () => parseTerm(p));
  if (p.accept('|')) {
    const body = p.barScope(false, () => parseBody(p, ']'));
    return { type: 'arraycomp', head: first, body, loc };
  }
  if (!p.is(']')) p.expect(',', 'expected , or ]');
  return { type: 'array', items: parseItems(p, ']', [first]), loc };
}

/** `{...}`: an object, a set, or an object/set comprehension. */
function parseBraced(p: Cursor, loc: Location): Term {
  p.next();
  if (p.accept('}')) return { type: 'object', entries: [], loc };
  const first = p.barScope(true, () => parseTerm(p));
  if (p.accept(':')) {
    const value = p.barScope(true, () => parseTerm(p));
    if (p.accept('|')) {
      const body = p.barScope(false, () => parseBody(p, '}'));
      return { type: 'objectcomp', key: first, value, body, loc };
    }
    const entries: [Term, Term][] = [[first, value]];
    p.barScope(false, () => {
      while (p.accept(',')) {
        if (p.is('}')) break;
        const key = parseTerm(p);
        p.expect(':');
        entries.push([key, parseTerm(p)]);
      }
    });
    p.expect('}');
    return { type: 'object', entries, loc };
  }
  if (p.accept('|')) {
    const body = p.barScope(false, () => parseBody(p, '}'));
    return { type: 'setcomp', head: first, body, loc };
  }
  if (!p.is('}')) p.expect(',', 'expected , or }');
  return { type: 'set', items: parseItems(p, '}', [first]), loc };
}

/** Template string: each embedded `{expr}` is parsed as a term from its own source slice. */
function parseTemplate(p: Cursor, token: Token, loc: Location): Term {
  const parts: (string | Term)[] = [];
  for (const part of token.parts ?? []) {
    if (part.literal !== undefined) parts.push(part.literal);
    else if (part.expr) {
      const rowCol = (offset: number): [number, number] => {
        const before = p.source.slice(0, offset);
        const lastNl = before.lastIndexOf('\n');
        return [before.split('\n').length, offset - lastNl];
      };
      const inner = new Cursor(p.file, tokenize(p.file, part.expr.text, part.expr.offset, rowCol), p.source);
      for (const keyword of p.keywords) inner.keywords.add(keyword);
      if (inner.peek().kind === 'eof') p.fail(token, 'empty template expression');
      const value = parseTerm(inner);
      const modified = withModifiers(inner, { with: [] as With[] });
      const term: Term = modified.with.length > 0 ? { type: 'with', term: value, with: modified.with, loc: value.loc } : value;
      if (inner.peek().kind !== 'eof') inner.fail(inner.peek(), `unexpected ${describe(inner.peek())} in template expression`);
      parts.push(term);
    }
  }
  return { type: 'template', parts, loc };
}
