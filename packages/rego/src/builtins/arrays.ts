import type { Value } from '../value.ts';
import { arrayArg, integerArg } from './args.ts';
import type { Builtin } from './types.ts';

/** OPA's array.* built-ins. */

function slice(args: Value[]): Value {
  const array = arrayArg('array.slice', args, 1);
  const length = BigInt(array.length);
  const clamp = (n: bigint): number => Number(n < 0n ? 0n : n > length ? length : n);
  const start = clamp(integerArg('array.slice', args, 2));
  const stop = clamp(integerArg('array.slice', args, 3));
  return start >= stop ? [] : array.slice(start, stop);
}

export const arrayBuiltins: readonly Builtin[] = [
  { name: 'array.concat', arity: 2, impl: (args) => arrayArg('array.concat', args, 1).concat(arrayArg('array.concat', args, 2)) },
  { name: 'array.slice', arity: 3, impl: slice },
  { name: 'array.reverse', arity: 1, impl: (args) => arrayArg('array.reverse', args, 1).slice().reverse() },
  // One level only, as OPA: nested arrays inside members stay.
  { name: 'array.flatten', arity: 1, impl: (args) => arrayArg('array.flatten', args, 1).flatMap((member) => (Array.isArray(member) ? member : [member])) },
];
