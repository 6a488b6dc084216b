import type { Builtin } from './types.ts';
import { encodingBuiltins } from './encoding.ts';

/**
 * Every built-in the engine knows, by name. Each group file exports a `Builtin[]` list; add one
 * import and one spread per group file.
 */
const groups: readonly (readonly Builtin[])[] = [
  encodingBuiltins,
];

export const builtins: ReadonlyMap<string, Builtin> = new Map(groups.flat().map((builtin) => [builtin.name, builtin]));
