import type { TypeName, Value } from '../value.ts';
import { typeName } from '../value.ts';
import type { Builtin } from './types.ts';

/** OPA's type built-ins: is_<type> (false, not undefined, for other types) and type_name. */

function is(type: TypeName): Builtin {
  return { name: `is_${type}`, arity: 1, impl: (args: Value[]) => typeName(args[0]!) === type };
}

export const typeBuiltins: readonly Builtin[] = [
  is('number'),
  is('string'),
  is('boolean'),
  is('array'),
  is('set'),
  is('object'),
  is('null'),
  { name: 'type_name', arity: 1, impl: (args) => typeName(args[0]!) },
];
