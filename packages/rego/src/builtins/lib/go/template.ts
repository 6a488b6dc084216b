import type { Value } from '../../../value.ts';
import { RObject, RSet, compare, equals, numberKey } from '../../../value.ts';

/**
 * A subset of Go's text/template for strings.render_template: text, `{{.a.b}}`, variables
 * (`$`, `$x := ...`), `{{if}}`/`{{else}}`/`{{else if}}`, `{{range}}` (with `$i, $v :=` and
 * `{{else}}`), `{{with}}`, comments, `{{-`/`-}}` trimming, literals, and the functions
 * eq ne lt le gt ge and or not len index. A missing map key prints `<undefined>`, as OPA does.
 * Anything else is a TemplateError (the built-in reports it).
 */

export class TemplateError extends Error {}

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'print'; readonly expr: string }
  | { readonly kind: 'if' | 'with'; readonly expr: string; readonly then: Node[]; readonly otherwise: Node[] }
  | { readonly kind: 'range'; readonly expr: string; readonly vars: string[]; readonly body: Node[]; readonly otherwise: Node[] }
  | { readonly kind: 'assign'; readonly name: string; readonly expr: string };

const MISSING = Symbol('missing');
type Result = Value | typeof MISSING;

/** Splits the template into text and trimmed action strings. */
function lex(template: string): (string | { action: string })[] {
  const parts: (string | { action: string })[] = [];
  let pos = 0;
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    if (open < 0) {
      parts.push(template.slice(pos));
      break;
    }
    let text = template.slice(pos, open);
    const close = template.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('unclosed action');
    let action = template.slice(open + 2, close);
    if (/^-\s/.test(action)) {
      text = text.trimEnd();
      action = action.slice(1);
    }
    pos = close + 2;
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      const rest = template.slice(pos);
      pos += rest.length - rest.trimStart().length;
    }
    if (text !== '') parts.push(text);
    action = action.trim();
    if (!/^\/\*[\s\S]*\*\/$/.test(action)) parts.push({ action });
  }
  return parts;
}

class Parser {
  private pos = 0;
  constructor(private readonly parts: (string | { action: string })[]) {}

  /** Parses until one of the stop keywords; returns the nodes and the keyword action met. */
  parse(stops: readonly string[]): [Node[], string | undefined] {
    const nodes: Node[] = [];
    while (this.pos < this.parts.length) {
      const part = this.parts[this.pos++]!;
      if (typeof part === 'string') {
        nodes.push({ kind: 'text', text: part });
        continue;
      }
      const action = part.action;
      const keyword = /^(\w+)\b\s*/.exec(action);
      const word = keyword?.[1];
      if (word !== undefined && stops.includes(word)) return [nodes, action];
      const rest = keyword ? action.slice(keyword[0].length) : action;
      if (word === 'if' || word === 'with') nodes.push(this.conditional(word, rest));
      else if (word === 'range') {
        const declaration = /^(\$\w*)\s*(?:,\s*(\$\w*)\s*)?:=\s*/.exec(rest);
        const vars = declaration ? [declaration[1]!, declaration[2]].filter((v): v is string => v !== undefined) : [];
        const [body, end] = this.parse(['end', 'else']);
        const otherwise = end?.startsWith('else') ? this.parse(['end'])[0] : [];
        nodes.push({ kind: 'range', expr: declaration ? rest.slice(declaration[0].length) : rest, vars, body, otherwise });
      } else if (/^\$\w*\s*:?=/.test(action)) {
        const [, name, expr] = /^(\$\w*)\s*:?=\s*([\s\S]*)$/.exec(action)!;
        nodes.push({ kind: 'assign', name: name!, expr: expr! });
      } else if (word === 'end' || word === 'else' || word === 'define' || word === 'template' || word === 'block') {
        throw new TemplateError(`unexpected {{${word}}}`);
      } else nodes.push({ kind: 'print', expr: action });
    }
    if (stops.length > 0) throw new TemplateError('unexpected EOF');
    return [nodes, undefined];
  }

  private conditional(kind: 'if' | 'with', expr: string): Node {
    const [then, end] = this.parse(['end', 'else']);
    let otherwise: Node[] = [];
    if (end !== undefined && end.startsWith('else')) {
      const chained = /^else\s+(if|with)\s+([\s\S]*)$/.exec(end);
      otherwise = chained ? [this.conditional(chained[1] as 'if' | 'with', chained[2]!)] : this.parse(['end'])[0];
    }
    return { kind, expr, then, otherwise };
  }
}

/** Go's notion of truth in templates: zero values and empty collections are false. */
function truthy(value: Result): boolean {
  if (value === MISSING || value === null || value === false || value === 0 || value === 0n || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof RObject || value instanceof RSet) return value.size > 0;
  return true;
}

/** fmt's %v of the JSON-like values Go sees (strings raw, `[a b]`, `map[k:v]`). */
function print(value: Result): string {
  if (value === MISSING) return '<undefined>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return numberKey(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(print).join(' ')}]`;
  if (value instanceof RSet) return `[${value.sorted().map(print).join(' ')}]`;
  return `map[${value
    .sortedEntries()
    .map(([k, v]) => `${print(k)}:${print(v)}`)
    .join(' ')}]`;
}

const TOKEN = /\s*(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`|(-?\d+(?:\.\d+)?)|(\(|\))|([$.\w][\w.$]*))/y;

class Scope {
  constructor(
    readonly dot: Result,
    readonly vars: Map<string, Result>,
  ) {}

  with(dot: Result): Scope {
    return new Scope(dot, new Map(this.vars));
  }
}

function field(value: Result, name: string): Result {
  if (value instanceof RObject) return value.get(name) ?? MISSING;
  throw new TemplateError(`can't evaluate field ${name} in type ${value === MISSING ? 'nil' : typeof value}`);
}

function lookup(term: string, scope: Scope): Result {
  if (term === 'true' || term === 'false') return term === 'true';
  if (term === 'nil') return null;
  const [head, ...fields] = term.split('.');
  let value: Result;
  if (head === '') value = scope.dot;
  else if (head!.startsWith('$')) {
    if (!scope.vars.has(head!)) throw new TemplateError(`undefined variable: ${head}`);
    value = scope.vars.get(head!)!;
  } else throw new TemplateError(`function "${head}" not defined`);
  for (const name of fields) if (name !== '') value = field(value, name);
  return value;
}

const FUNCTIONS: Record<string, (args: Result[]) => Result> = {
  eq: ([a, ...rest]) => rest.some((b) => a !== MISSING && b !== MISSING && equals(a!, b)),
  ne: ([a, b]) => !(a !== MISSING && b !== MISSING && equals(a!, b!)),
  lt: ([a, b]) => compare(a as Value, b as Value) < 0,
  le: ([a, b]) => compare(a as Value, b as Value) <= 0,
  gt: ([a, b]) => compare(a as Value, b as Value) > 0,
  ge: ([a, b]) => compare(a as Value, b as Value) >= 0,
  and: (args) => args.find((a) => !truthy(a)) ?? args[args.length - 1]!,
  or: (args) => args.find(truthy) ?? args[args.length - 1]!,
  not: ([a]) => !truthy(a!),
  len: ([a]) => (typeof a === 'string' ? Buffer.byteLength(a) : Array.isArray(a) ? a.length : a instanceof RObject || a instanceof RSet ? a.size : 0),
  index: ([collection, ...keys]) => keys.reduce<Result>((c, k) => (c instanceof RObject ? c.get(k as Value) ?? MISSING : Array.isArray(c) ? c[Number(k)] ?? MISSING : MISSING), collection!),
};

/** Evaluates a command: a function call with arguments, or a single operand. */
function evaluate(expr: string, scope: Scope): Result {
  const tokens: string[] = [];
  const args: Result[] = [];
  TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while (TOKEN.lastIndex < expr.length && (match = TOKEN.exec(expr)) !== null) {
    if (match[1] !== undefined) args.push(JSON.parse(`"${match[1]}"`) as string);
    else if (match[2] !== undefined) args.push(match[2]);
    else if (match[3] !== undefined) args.push(Number(match[3]));
    else if (match[4] !== undefined) throw new TemplateError('parenthesised pipelines are not supported');
    else {
      const word = match[5]!;
      if (tokens.length === 0 && args.length === 0 && Object.hasOwn(FUNCTIONS, word)) tokens.push(word);
      else args.push(lookup(word, scope));
    }
  }
  if (expr.slice(TOKEN.lastIndex).trim() !== '') throw new TemplateError(`unexpected "${expr.slice(TOKEN.lastIndex).trim()}"`);
  const fn = tokens[0];
  if (fn !== undefined) return FUNCTIONS[fn]!(args);
  if (args.length !== 1) throw new TemplateError(`can't give argument to non-function ${expr}`);
  return args[0]!;
}

function run(nodes: readonly Node[], scope: Scope, out: string[]): void {
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out.push(node.text);
        break;
      case 'print':
        out.push(print(evaluate(node.expr, scope)));
        break;
      case 'assign':
        scope.vars.set(node.name, evaluate(node.expr, scope));
        break;
      case 'if':
      case 'with': {
        const value = evaluate(node.expr, scope);
        if (truthy(value)) run(node.then, node.kind === 'with' ? scope.with(value) : scope, out);
        else run(node.otherwise, scope, out);
        break;
      }
      case 'range': {
        const value = evaluate(node.expr, scope);
        const pairs: [Value, Value][] = Array.isArray(value)
          ? value.map((v, i) => [i, v])
          : value instanceof RObject
            ? value.sortedEntries()
            : value instanceof RSet
              ? value.sorted().map((v, i) => [i, v])
              : [];
        if (pairs.length === 0) run(node.otherwise, scope, out);
        for (const [key, element] of pairs) {
          const inner = scope.with(element);
          if (node.vars.length === 1) inner.vars.set(node.vars[0]!, element);
          if (node.vars.length === 2) {
            inner.vars.set(node.vars[0]!, key);
            inner.vars.set(node.vars[1]!, element);
          }
          run(node.body, inner, out);
        }
        break;
      }
    }
  }
}

export function renderTemplate(template: string, data: Value): string {
  const [nodes] = new Parser(lex(template)).parse([]);
  const out: string[] = [];
  run(nodes, new Scope(data, new Map([['$', data]])), out);
  return out.join('');
}
