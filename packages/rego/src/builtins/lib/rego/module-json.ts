import type { Body, Expr, Module, Rule, RuleHead, Term, With } from '../../../ast.ts';
import type { Comment } from '../../../parser/lexer.ts';
import type { Value } from '../../../value.ts';
import { RObject, compare, fromJson } from '../../../value.ts';

/**
 * A parsed module as OPA's AST JSON (v1/ast: Module, Rule, Head, Expr, Term MarshalJSON with the
 * default options, so without locations), which rego.parse_module returns as a Rego value:
 * - a term is `{type, value}`; a call expression's `terms` is `[operator ref, args...]`, a single
 *   term expression's `terms` the term itself; `some` is `{symbols}`, `every` is `{key, value,
 *   domain, body}`;
 * - wildcards `_` are numbered `$0`, `$1`, ... in source order, as OPA's parser names them;
 * - set members and object entries come sorted in OPA's term order (MarshalJSON sorts them);
 * - a rule without a body has the body `true`, a head without a value the value `true`;
 * - comments are `{Location: {file, row, col}, Text: base64}` (Go's []byte encoding).
 */

export class UnsupportedSyntax extends Error {
  override readonly name = 'UnsupportedSyntax';
}

const obj = (entries: [string, Value][]): RObject => RObject.fromEntries(entries);
const term = (type: string, value: Value): RObject => obj([['type', type], ['value', value]]);

/** OPA's order of term types (ast.Compare's sortOrder). */
const TYPE_ORDER = ['null', 'boolean', 'number', 'string', 'var', 'ref', 'array', 'object', 'set', 'arraycomprehension', 'objectcomprehension', 'setcomprehension', 'call'];

function compareTerms(a: Value, b: Value): number {
  const [ta, tb] = [(a as RObject).get('type') as string, (b as RObject).get('type') as string];
  if (ta !== tb) return TYPE_ORDER.indexOf(ta) - TYPE_ORDER.indexOf(tb);
  const [va, vb] = [(a as RObject).get('value')!, (b as RObject).get('value')!];
  if (Array.isArray(va) && Array.isArray(vb)) {
    for (let i = 0; i < Math.min(va.length, vb.length); i++) {
      const order = Array.isArray(va[i]) ? compareSequences(va[i] as Value[], vb[i] as Value[]) : compareTerms(va[i]!, vb[i]!);
      if (order !== 0) return order;
    }
    return va.length - vb.length;
  }
  return compare(va, vb);
}

function compareSequences(a: Value[], b: Value[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareTerms(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** A dotted name (`count`, `io.jwt.decode`, `data.lib.f`) as OPA's operator ref. */
function nameRef(name: string): RObject {
  const [head, ...rest] = name.split('.');
  return term('ref', [term('var', head!), ...rest.map((part) => term('string', part))]);
}

class Writer {
  private wildcards = 0;

  constructor(private readonly file: string) {}

  term(t: Term): RObject {
    switch (t.type) {
      case 'scalar':
        if (t.value === null) return term('null', null);
        return term(typeof t.value === 'boolean' ? 'boolean' : typeof t.value === 'string' ? 'string' : 'number', t.value);
      case 'var':
        return term('var', t.name === '_' ? `$${this.wildcards++}` : t.name);
      case 'ref':
        return term('ref', [this.term(t.head), ...t.path.map((p) => this.term(p))]);
      case 'array':
        return term('array', t.items.map((item) => this.term(item)));
      case 'set':
        return term('set', t.items.map((item) => this.term(item)).sort(compareTerms));
      case 'object': {
        const entries: Value[][] = t.entries.map(([k, v]) => [this.term(k), this.term(v)]);
        return term('object', entries.sort((a, b) => compareTerms(a[0]!, b[0]!)));
      }
      case 'call':
        return term('call', [nameRef(t.name), ...t.args.map((a) => this.term(a))]);
      case 'arraycomp':
      case 'setcomp': {
        const head = this.term(t.head);
        const kind = t.type === 'arraycomp' ? 'arraycomprehension' : 'setcomprehension';
        return term(kind, obj([['term', head], ['body', this.body(t.body)]]));
      }
      case 'objectcomp': {
        const key = this.term(t.key);
        const value = this.term(t.value);
        return term('objectcomprehension', obj([['key', key], ['value', value], ['body', this.body(t.body)]]));
      }
      default:
        throw new UnsupportedSyntax(`${t.type} terms are not supported`);
    }
  }

  private withs(withs: With[]): [string, Value][] {
    if (withs.length === 0) return [];
    return [['with', withs.map((w) => obj([['target', this.term(w.target)], ['value', this.term(w.value)]]))]];
  }

  /** An expression's `terms` (and whether it is negated). */
  private exprTerms(e: Expr): [Value, boolean] {
    switch (e.kind) {
      case 'term':
        if (e.term.type === 'call') return [[nameRef(e.term.name), ...e.term.args.map((a) => this.term(a))], false];
        return [this.term(e.term), false];
      case 'unify':
        return [[nameRef(e.assign ? 'assign' : 'eq'), this.term(e.lhs), this.term(e.rhs)], false];
      case 'not': {
        const [terms] = this.exprTerms(e.expr);
        return [terms, true];
      }
      case 'some':
        return [obj([['symbols', e.vars.map((v) => this.term(v))]]), false];
      case 'somein': {
        const args = [...(e.key ? [this.term(e.key)] : []), this.term(e.value), this.term(e.domain)];
        const call = term('call', [nameRef(e.key ? 'internal.member_3' : 'internal.member_2'), ...args]);
        return [obj([['symbols', [call]]]), false];
      }
      case 'every': {
        const key = e.key ? this.term(e.key) : null;
        const value = this.term(e.value);
        const domain = this.term(e.domain);
        return [obj([['key', key], ['value', value], ['domain', domain], ['body', this.body(e.body)]]), false];
      }
      default:
        throw new UnsupportedSyntax(`the experimental ${e.kind} keyword is not supported`);
    }
  }

  body(body: Body): Value[] {
    return body.map((e, index) => {
      const [terms, negated] = this.exprTerms(e);
      // `not f(x) with input as 1`: the modifiers are written after the negated expression.
      const withs = e.kind === 'not' ? [...e.expr.with, ...e.with] : e.with;
      return obj([['index', index], ['terms', terms], ...(negated ? [['negated', true] as [string, Value]] : []), ...this.withs(withs)]);
    });
  }

  private head(head: RuleHead): RObject {
    const ref = head.ref.type === 'var' ? [this.term(head.ref)] : (this.term(head.ref).get('value') as Value[]);
    const entries: [string, Value][] = [['ref', ref]];
    if (head.ref.type === 'var') entries.push(['name', head.ref.name]);
    if (head.args && head.args.length > 0) entries.push(['args', head.args.map((a) => this.term(a))]);
    if (head.key) entries.push(['key', this.term(head.key)]);
    if (head.value) entries.push(['value', this.term(head.value)]);
    else if (!head.key) entries.push(['value', term('boolean', true)]);
    if (head.assign) entries.push(['assign', true]);
    return obj(entries);
  }

  rule(rule: Rule): RObject {
    const entries: [string, Value][] = [['head', this.head(rule.head)], ['body', this.body(rule.body)]];
    if (rule.isDefault) entries.push(['default', true]);
    if (rule.else) entries.push(['else', this.rule(rule.else)]);
    if (rule.annotations && rule.annotations.length > 0) entries.push(['annotations', rule.annotations.map((a) => fromJson(a))]);
    return obj(entries);
  }

  comment(comment: Comment): RObject {
    return obj([
      ['Location', obj([['file', this.file], ['row', comment.row], ['col', comment.col]])],
      ['Text', Buffer.from(comment.text, 'utf8').toString('base64')],
    ]);
  }
}

export function moduleJson(module: Module, comments: readonly Comment[]): RObject {
  const w = new Writer(module.file);
  const entries: [string, Value][] = [['package', obj([['path', [term('var', 'data'), ...module.pkg.map((p) => term('string', p))]]])]];
  if (module.imports.length > 0) {
    entries.push([
      'imports',
      module.imports.map((imp) => {
        const path = imp.path.type === 'var' ? term('ref', [w.term(imp.path)]) : w.term(imp.path);
        return obj([['path', path], ...(imp.alias ? [['alias', imp.alias] as [string, Value]] : [])]);
      }),
    ]);
  }
  const annotations = [...module.annotations, ...module.rules.flatMap((r) => r.annotations ?? [])];
  if (annotations.length > 0) entries.push(['annotations', annotations.map((a) => fromJson(a))]);
  if (module.rules.length > 0) entries.push(['rules', module.rules.map((r) => w.rule(r))]);
  if (comments.length > 0) entries.push(['comments', comments.map((c) => w.comment(c))]);
  return obj(entries);
}
