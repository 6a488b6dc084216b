/**
 * Terms that build values: array, set and object literals (each item may enumerate, giving the
 * cartesian product), comprehensions (collect every solution of the body) and template strings.
 */
import type { Term } from '../ast.ts';
import { RegoError } from '../errors.ts';
import { RObject, RSet, toJsonText } from '../value.ts';
import { regoText } from '../rego-text.ts';
import type { Value } from '../value.ts';
import type { Env, VK } from './context.ts';
import type { Evaluator } from './evaluator.ts';
import { lookup } from './refs.ts';
import { evalTermWith } from './with.ts';

/**
 * Evaluates terms left to right, calling `k` with each combination of values. Hot path: no named
 * closures here (a transpiler's keep-names helper would run on each one).
 */
export function evalList(ev: Evaluator, terms: Term[], env: Env, k: (values: Value[]) => boolean): boolean {
  // Fast path (most calls): every argument is a constant, a bound variable or a plain path into
  // input or a local value, so there is exactly one combination and no closure is needed.
  const values = quickValues(ev, terms, env);
  if (values === NOT_QUICK) return evalListFrom(ev, terms, 0, new Array(terms.length), env, k);
  return values === undefined ? false : k(values);
}

/**
 * The values of terms that have one value each and need no evaluation beyond lookups (see
 * quickValue): undefined when one is undefined, NOT_QUICK when one is not such a term. Looks
 * only, so a caller may fall back to full evaluation after NOT_QUICK.
 */
export function quickValues(ev: Evaluator, terms: Term[], env: Env): Value[] | undefined | typeof NOT_QUICK {
  const values: Value[] = new Array(terms.length);
  for (let i = 0; i < terms.length; i++) {
    const value = quickValue(ev, terms[i]!, env);
    if (value === NOT_QUICK || value === undefined) return value;
    values[i] = value;
  }
  return values;
}

export const NOT_QUICK = Symbol('not quick');

/** A term's single value without enumeration, undefined if it has none, or NOT_QUICK. */
function quickValue(ev: Evaluator, term: Term, env: Env): Value | undefined | typeof NOT_QUICK {
  switch (term.type) {
    case 'scalar':
    case 'value':
      return term.value;
    case 'var':
      // Bound to null is a value: only undefined means unbound.
      return term.slot === -1 ? (term.name === 'input' ? ev.ctx.input : NOT_QUICK) : env[term.slot!] === undefined ? NOT_QUICK : env[term.slot!];
    case 'ref': {
      const head = term.head;
      if (head.type !== 'var') return NOT_QUICK;
      let value: Value | undefined = head.slot === -1 ? (head.name === 'input' ? ev.ctx.input : undefined) : env[head.slot!];
      if (value === undefined) return head.slot === -1 && head.name === 'input' ? undefined : NOT_QUICK;
      for (const part of term.path) {
        if (part.type !== 'scalar') return NOT_QUICK;
        value = lookup(value, part.value);
        if (value === undefined) return undefined;
      }
      return value;
    }
    default:
      return NOT_QUICK;
  }
}

function evalListFrom(ev: Evaluator, terms: Term[], i: number, values: Value[], env: Env, k: (values: Value[]) => boolean): boolean {
  if (i === terms.length) return k(values.slice());
  return ev.term(terms[i]!, env, (value) => {
    values[i] = value;
    return evalListFrom(ev, terms, i + 1, values, env, k);
  });
}

export function evalComposite(ev: Evaluator, term: Term, env: Env, k: VK): boolean {
  switch (term.type) {
    case 'array':
      return evalList(ev, term.items, env, k);
    case 'set':
      return evalList(ev, term.items, env, (values) => k(RSet.of(values)));
    case 'object': {
      const flat = term.entries.flat();
      return evalList(ev, flat, env, (values) => {
        const object = new RObject();
        for (let i = 0; i < values.length; i += 2) object.set(values[i]!, values[i + 1]!);
        return k(object);
      });
    }
    case 'arraycomp': {
      const out: Value[] = [];
      ev.collect(term.body, env, () => void ev.term(term.head, env, (value) => (out.push(value), false)));
      return k(out);
    }
    case 'setcomp': {
      const out = new RSet();
      ev.collect(term.body, env, () => void ev.term(term.head, env, (value) => (out.add(value), false)));
      return k(out);
    }
    case 'objectcomp': {
      const out = new RObject();
      ev.collect(term.body, env, () =>
        void ev.term(term.key, env, (key) =>
          ev.term(term.value, env, (value) => {
            const existing = out.get(key);
            if (existing !== undefined && toJsonText(existing) !== toJsonText(value)) {
              throw new RegoError('eval_conflict_error', 'object keys must be unique', [term.loc]);
            }
            out.set(key, value);
            return false;
          }),
        ),
      );
      return k(out);
    }
    case 'template':
      return evalTemplate(ev, term.parts, env, k);
    case 'with':
      return evalTermWith(ev, term.term, term.with, env, k);
    default:
      return false;
  }
}

/**
 * `$"a {x} b"`: strings are inserted as they are, other values as Rego text; an undefined
 * expression renders as `<undefined>`, as OPA's print does.
 */
function evalTemplate(ev: Evaluator, parts: (string | Term)[], env: Env, k: VK): boolean {
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      text += part;
      continue;
    }
    const values: Value[] = [];
    ev.term(part, env, (value) => {
      values.push(value);
      return false;
    });
    if (values.length > 1) throw new RegoError('eval_conflict_error', 'template expression produced multiple outputs', [part.loc]);
    text += values.length === 0 ? '<undefined>' : valueText(values[0]!);
  }
  return k(text);
}

/** How OPA prints a value in print() and templates: strings bare, the rest as Rego terms. */
export function valueText(value: Value): string {
  if (typeof value === 'string') return value;
  return regoText(value);
}
