import type { Value } from '../value.ts';
import { neg, normalize } from '../number.ts';
import { DEFAULT_LIMITS } from '../limits.ts';
import { integerArg, numberArg } from './args.ts';
import type { Builtin } from './types.ts';
import { builtinError } from '../errors.ts';

/** OPA's number built-ins: abs, round, ceil, floor, numbers.range, numbers.range_step. */

function rounding(name: string, f: (x: number) => number): Builtin {
  return {
    name,
    arity: 1,
    impl: (args) => {
      const x = numberArg(name, args, 1);
      // Integers (including bigints) are already exact; doubles may still round to an unsafe integer.
      if (typeof x === 'bigint' || Number.isInteger(x)) return x;
      const rounded = f(x);
      return Number.isSafeInteger(rounded) ? rounded : normalize(BigInt(rounded));
    },
  };
}

/**
 * A range longer than the evaluation step budget could never be used, and building it would hold
 * the gateway inside one built-in call (which the budget cannot interrupt): refuse it up front.
 */
const MAX_RANGE_LENGTH = BigInt(DEFAULT_LIMITS.maxSteps);

/** Inclusive integer range from `from` to `to` by `step` (> 0), descending when to < from. */
function range(name: string, from: bigint, to: bigint, step: bigint): Value[] {
  const span = to >= from ? to - from : from - to;
  if (span / step >= MAX_RANGE_LENGTH) throw builtinError(name, `range of more than ${MAX_RANGE_LENGTH} numbers exceeds the evaluation budget`);
  const out: Value[] = [];
  const direction = to >= from ? 1n : -1n;
  const delta = step * direction;
  for (let n = from; direction > 0n ? n <= to : n >= to; n += delta) out.push(normalize(n));
  return out;
}

export const numberBuiltins: readonly Builtin[] = [
  {
    name: 'abs',
    arity: 1,
    impl: (args) => {
      const x = numberArg('abs', args, 1);
      return x < 0 ? neg(x) : x;
    },
  },
  // Go's math.Round: halves away from zero (JS Math.round rounds -2.5 to -2).
  rounding('round', (x) => Math.sign(x) * Math.round(Math.abs(x))),
  rounding('ceil', Math.ceil),
  rounding('floor', Math.floor),
  {
    name: 'numbers.range',
    arity: 2,
    impl: (args) => range('numbers.range', integerArg('numbers.range', args, 1, 'integer'), integerArg('numbers.range', args, 2, 'integer'), 1n),
  },
  {
    name: 'numbers.range_step',
    arity: 3,
    impl: (args) => {
      const from = integerArg('numbers.range_step', args, 1, 'integer');
      const to = integerArg('numbers.range_step', args, 2, 'integer');
      const step = integerArg('numbers.range_step', args, 3, 'integer');
      if (step <= 0n) throw builtinError('numbers.range_step', 'step must be a positive integer');
      return range('numbers.range_step', from, to, step);
    },
  },
];
