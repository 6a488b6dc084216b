import type { Value } from '../value.ts';
import { RObject, RSet, compare, typeName } from '../value.ts';
import { add, mul } from '../number.ts';
import { collectionArg } from './args.ts';
import type { Builtin } from './types.ts';
import { BuiltinError, operandError } from '../errors.ts';

/**
 * OPA's aggregates: count, sum, product, max, min, sort. The deprecated `any` and `all` are left
 * out, as OPA v1 leaves them out of its built-ins.
 */

function count(args: Value[]): Value {
  const value = args[0]!;
  if (typeof value === 'string') {
    let runes = 0;
    // Counting code points without building an array: policies count long strings per request.
    for (let i = 0; i < value.length; i++) {
      const unit = value.charCodeAt(i);
      if (unit < 0xdc00 || unit > 0xdfff || i === 0 || value.charCodeAt(i - 1) < 0xd800 || value.charCodeAt(i - 1) > 0xdbff) runes++;
    }
    return runes;
  }
  if (Array.isArray(value)) return value.length;
  if (value instanceof RObject || value instanceof RSet) return value.size;
  throw operandError('count', 1, 'one of {array, object, set, string}', value);
}

function numbersOf(name: string, args: Value[]): (number | bigint)[] {
  const members = collectionArg(name, args, 1, 'one of {set, array}');
  for (const member of members) {
    if (typeof member !== 'number' && typeof member !== 'bigint') {
      const container = typeName(args[0]!);
      throw new BuiltinError('eval_type_error', `${name}: operand 1 must be ${container} of numbers but got ${container} containing ${typeName(member)}`);
    }
  }
  return members as (number | bigint)[];
}

function extreme(name: string, sign: 1 | -1): Builtin {
  return {
    name,
    arity: 1,
    impl: (args) => {
      const members = collectionArg(name, args, 1, 'one of {set, array}');
      let best: Value | undefined;
      for (const member of members) {
        if (best === undefined || compare(member, best) * sign > 0) best = member;
      }
      return best;
    },
  };
}

export const aggregateBuiltins: readonly Builtin[] = [
  { name: 'count', arity: 1, impl: count },
  { name: 'sum', arity: 1, impl: (args) => numbersOf('sum', args).reduce<number | bigint>(add, 0) },
  { name: 'product', arity: 1, impl: (args) => numbersOf('product', args).reduce<number | bigint>(mul, 1) },
  extreme('max', 1),
  extreme('min', -1),
  { name: 'sort', arity: 1, impl: (args) => collectionArg('sort', args, 1, 'one of {set, array}').slice().sort(compare) },
];
