import { randomBytes } from 'node:crypto';
import { integerArg, stringArg } from './args.ts';
import type { Builtin } from './types.ts';
import { builtinError } from '../errors.ts';

const MAX_INT64 = (1n << 63n) - 1n;

/**
 * OPA's rand.intn(str, n): a random integer in [0, |n|) (n is a Go int), the same for the same
 * arguments within a query.
 */
export const randBuiltins: Builtin[] = [
  {
    name: 'rand.intn',
    arity: 2,
    nondeterministic: true,
    impl: (args, ctx) => {
      const key = stringArg('rand.intn', args, 1);
      const n = integerArg('rand.intn', args, 2);
      const bound = n < 0n ? -n : n;
      if (bound === 0n) return 0;
      if (bound > MAX_INT64) throw builtinError('rand.intn', 'n must fit in a 64-bit integer');
      const memoKey = `rand.intn:${JSON.stringify(key)}:${bound}`;
      let value = ctx.memo.get(memoKey);
      if (value === undefined) {
        // 64 random bits modulo the bound: the modulo bias is below bound / 2^64, negligible for
        // the small bounds policies sample from.
        const drawn = randomBytes(8).readBigUInt64BE() % bound;
        value = drawn <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(drawn) : drawn;
        ctx.memo.set(memoKey, value);
      }
      return value;
    },
  },
];
