import type { Value } from '../../src/value.ts';
import type { Builtin, BuiltinContext } from '../../src/builtins/types.ts';

/** Calls a built-in from a group list directly, with a fresh per-query context. */
export function caller(group: readonly Builtin[], nowNs = 1_700_000_000_000_000_000n) {
  const context: BuiltinContext = { memo: new Map(), nowNs, strict: true };
  return (name: string, ...args: Value[]): Value | undefined => {
    const builtin = group.find((b) => b.name === name);
    if (!builtin) throw new Error(`no built-in ${name}`);
    if (builtin.arity !== args.length) throw new Error(`${name} takes ${builtin.arity} arguments`);
    return builtin.impl(args, context);
  };
}
