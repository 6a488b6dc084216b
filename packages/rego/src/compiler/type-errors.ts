/**
 * OPA's `undefined ref` type errors with their detail lines (v1/ast/check.go RefErrInvalidDetail
 * and RefErrUnsupportedDetail): the ref, a caret under the step that fails, what it has and what
 * it wants, e.g.
 *
 *   undefined ref: input.request.kind.kinds
 *   	input.request.kind.kinds
 *   	                   ^
 *   	                   have: "kinds"
 *   	                   want (one of): ["group" "kind" "version"]
 */
import type { RefTerm, Term } from '../ast.ts';
import { RegoError } from '../errors.ts';
import { compare } from '../value.ts';
import type { Value } from '../value.ts';
import { typeText } from './type-system.ts';
import type { T } from './type-system.ts';

/** Step `index` of `ref.path` reads into a value that has no keys (a scalar). */
export function refErrorUnsupported(ref: RefTerm, index: number, have: T): RegoError {
  const prefix = refText(ref, index);
  return refError(ref, [refText(ref, ref.path.length), '^'.repeat(prefix.length), `have: ${typeText(have)}`]);
}

/** Step `index` of `ref.path` is a key the value cannot have (`have` its type, if not a constant). */
export function refErrorInvalid(ref: RefTerm, index: number, have: T, want: T, of: T): RegoError {
  const pad = ' '.repeat(refText(ref, index).length + 1);
  const oneOf = keysOf(of);
  return refError(ref, [
    refText(ref, ref.path.length),
    `${pad}^`,
    have !== undefined ? `${pad}have (type): ${typeText(have)}` : `${pad}have: ${termText(ref.path[index]!)}`,
    oneOf.length > 0 ? `${pad}want (one of): [${oneOf.map(valueText).join(' ')}]` : `${pad}want (type): ${typeText(want)}`,
  ]);
}

function refError(ref: RefTerm, lines: string[]): RegoError {
  return new RegoError('rego_type_error', `undefined ref: ${refText(ref, ref.path.length)}\n\t${lines.join('\n\t')}`, [ref.head.loc ?? ref.loc]);
}

/** The static keys a type offers (OPA's getOneOfForType), sorted. */
function keysOf(type: T): Value[] {
  const found: Value[] = [];
  const visit = (t: T): void => {
    if (t?.k === 'object') for (const [key] of t.props) found.push(key);
    if (t?.k === 'any') t.of.forEach(visit);
  };
  visit(type);
  return found.sort(compare).filter((key, i, all) => i === 0 || compare(all[i - 1]!, key) !== 0);
}

/** OPA's Ref.String() of the head and the first `length` steps. */
function refText(ref: RefTerm, length: number): string {
  let text = termText(ref.head);
  for (const step of ref.path.slice(0, length)) {
    if (step.type === 'scalar' && typeof step.value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(step.value)) text += `.${step.value}`;
    else text += `[${termText(step)}]`;
  }
  return text;
}

/** OPA's Term.String() for the terms that appear in refs. */
function termText(term: Term): string {
  switch (term.type) {
    case 'scalar':
      return valueText(term.value);
    case 'value':
      return valueText(term.value);
    case 'var':
      return term.name;
    case 'ref':
      return refText(term, term.path.length);
    case 'call':
      return `${term.name}(${term.args.map(termText).join(', ')})`;
    case 'array':
      return `[${term.items.map(termText).join(', ')}]`;
    case 'set':
      return term.items.length === 0 ? 'set()' : `{${term.items.map(termText).join(', ')}}`;
    case 'object':
      return `{${term.entries.map(([k, v]) => `${termText(k)}: ${termText(v)}`).join(', ')}}`;
    default:
      return '...';
  }
}

function valueText(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`;
  if ('sortedEntries' in value) return `{${value.sortedEntries().map(([k, v]) => `${valueText(k)}: ${valueText(v)}`).join(', ')}}`;
  const members = value.sorted();
  return members.length === 0 ? 'set()' : `{${members.map(valueText).join(', ')}}`;
}
