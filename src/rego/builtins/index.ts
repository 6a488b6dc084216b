import type { Builtin } from './types.ts';
import { encodingBuiltins } from './encoding.ts';
import { cryptoBuiltins } from './crypto.ts';
import { netBuiltins } from './net.ts';
import { timeBuiltins } from './time.ts';

/**
 * Every built-in the engine knows, by name. Each group file exports a `Builtin[]` list; add one
 * import and one spread per group file.
 */
const groups: readonly (readonly Builtin[])[] = [
  encodingBuiltins,
  cryptoBuiltins,
  netBuiltins,
  timeBuiltins,
];

export const builtins: ReadonlyMap<string, Builtin> = new Map(groups.flat().map((builtin) => [builtin.name, builtin]));
