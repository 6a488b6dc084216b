/**
 * Constant folding: an array, set or object literal whose members are all constants is built once
 * at compile time (`input.method in {"tools/call", "tools/list"}` no longer builds and hashes a set
 * per request). The result is a `value` term; evaluation hands the shared, immutable value out.
 */
import type { Term } from '../ast.ts';
import { RObject, RSet } from '../value.ts';
import type { Value } from '../value.ts';

function constant(term: Term): Value | undefined {
  return term.type === 'scalar' ? term.value : term.type === 'value' ? term.value : undefined;
}

export function foldConstant(term: Term): Term {
  switch (term.type) {
    case 'array':
    case 'set': {
      const items: Value[] = [];
      for (const item of term.items) {
        const value = constant(item);
        if (value === undefined) return term;
        items.push(value);
      }
      return { type: 'value', value: term.type === 'array' ? items : RSet.of(items), loc: term.loc };
    }
    case 'object': {
      const object = new RObject();
      for (const [keyTerm, valueTerm] of term.entries) {
        const key = constant(keyTerm);
        const value = constant(valueTerm);
        if (key === undefined || value === undefined) return term;
        object.set(key, value);
      }
      return { type: 'value', value: object, loc: term.loc };
    }
    default:
      return term;
  }
}
