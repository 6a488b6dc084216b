import { randomInt } from 'node:crypto';
import type { Builtin } from './types.ts';
import { integerArg, stringArg } from './args.ts';

/** OPA's rand.intn(str, n): a random integer in [0, |n|), the same for the same arguments within a query. */
export const randBuiltins: Builtin[] = [
  {
    name: 'rand.intn',
    arity: 2,
    nondeterministic: true,
    impl: (args, ctx) => {
      const key = stringArg('rand.intn', args, 1);
      const bound = Math.abs(Number(integerArg('rand.intn', args, 2)));
      if (bound === 0) return 0;
      const memoKey = `rand.intn:${JSON.stringify(key)}:${bound}`;
      let value = ctx.memo.get(memoKey);
      if (value === undefined) {
        // randomInt is limited to ranges below 2^48; larger bounds scale a random fraction.
        value = bound < 2 ** 48 ? randomInt(bound) : Math.floor((randomInt(2 ** 48) / 2 ** 48) * bound);
        ctx.memo.set(memoKey, value);
      }
      return value;
    },
  },
];
