import type { Value } from '../value.ts';
import { normalize } from '../number.ts';
import { integerArg } from './args.ts';
import type { Builtin } from './types.ts';
import { BuiltinError, builtinError } from '../errors.ts';

const MAX_SHIFT = 1_000_000n;

/** OPA's bits.* built-ins on arbitrary-size integers (two's complement semantics, as Go's big.Int). */

function binary(name: string, op: (a: bigint, b: bigint) => bigint): Builtin {
  return { name, arity: 2, impl: (args) => normalize(op(integerArg(name, args, 1, 'integer'), integerArg(name, args, 2, 'integer'))) };
}

/** `maxCount` bounds left shifts: by request input one could build a huge integer in one call. */
function shift(name: string, op: (a: bigint, b: bigint) => bigint, maxCount?: bigint): Builtin {
  return {
    name,
    arity: 2,
    impl: (args: Value[]) => {
      const value = integerArg(name, args, 1, 'integer');
      const count = integerArg(name, args, 2, 'integer');
      if (count < 0n) throw new BuiltinError('eval_type_error', `${name}: operand 2 must be an unsigned integer number but got a negative integer`);
      if (maxCount !== undefined && count > maxCount && value !== 0n) throw builtinError(name, `shift by more than ${maxCount} bits is not supported`);
      return normalize(op(value, count));
    },
  };
}

export const bitBuiltins: readonly Builtin[] = [
  binary('bits.and', (a, b) => a & b),
  binary('bits.or', (a, b) => a | b),
  binary('bits.xor', (a, b) => a ^ b),
  { name: 'bits.negate', arity: 1, impl: (args) => normalize(~integerArg('bits.negate', args, 1, 'integer')) },
  shift('bits.lsh', (a, b) => a << b, MAX_SHIFT),
  shift('bits.rsh', (a, b) => a >> b),
];
