import type { Value } from '../value.ts';
import { RSet } from '../value.ts';
import { setArg } from './args.ts';
import type { Builtin } from './types.ts';
import { operandError } from '../errors.ts';

/** OPA's set built-ins over a set of sets: intersection and union. */

function setsOf(name: string, args: Value[]): RSet[] {
  const outer = setArg(name, args, 1);
  const sets = [...outer];
  for (const member of sets) {
    // OPA reports a member that is not a set as operand 1 itself.
    if (!(member instanceof RSet)) throw operandError(name, 1, 'set', member);
  }
  return sets as RSet[];
}

function intersection(args: Value[]): Value {
  const sets = setsOf('intersection', args);
  if (sets.length === 0) return new RSet();
  // Start from the smallest set: the result can only shrink.
  sets.sort((a, b) => a.size - b.size);
  const [smallest, ...rest] = sets;
  const result = new RSet();
  for (const member of smallest!) if (rest.every((set) => set.has(member))) result.add(member);
  return result;
}

function union(args: Value[]): Value {
  const result = new RSet();
  for (const set of setsOf('union', args)) for (const member of set) result.add(member);
  return result;
}

export const setBuiltins: readonly Builtin[] = [
  { name: 'intersection', arity: 1, impl: intersection },
  { name: 'union', arity: 1, impl: union },
];
