import type { Value } from '../value.ts';
import { RObject, RSet } from '../value.ts';
import type { Builtin } from './types.ts';

/**
 * walk(x): every [path, value] pair inside x, x itself first with path []. It is a relation: impl
 * returns all pairs and the evaluator unifies the output with each. Set members are their own
 * path segments.
 */
function walk(value: Value, path: Value[], out: Value[]): void {
  out.push([path, value]);
  if (Array.isArray(value)) value.forEach((child, i) => walk(child, [...path, i], out));
  else if (value instanceof RObject) for (const [key, child] of value.entries()) walk(child, [...path, key], out);
  else if (value instanceof RSet) for (const member of value) walk(member, [...path, member], out);
}

export const walkBuiltins: readonly Builtin[] = [
  {
    name: 'walk',
    arity: 1,
    relation: true,
    impl: (args) => {
      const out: Value[] = [];
      walk(args[0]!, [], out);
      return out;
    },
  },
];
