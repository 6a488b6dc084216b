import type { Value } from '../value.ts';
import { RSet, isSet } from '../value.ts';
import { BuiltinError, operandError } from '../errors.ts';
import { collectionArg, setArg } from './args.ts';
import { netBuiltins } from './net.ts';
import { regexBuiltins } from './regex.ts';
import type { Builtin } from './types.ts';

/**
 * The built-ins OPA marks deprecated: still in OPA v1.19's capabilities, callable in Rego v0
 * modules only (a v1 module that calls one is a compile error in OPA). Each is flagged
 * `deprecated`; builtinArity (index.ts) hides them from v1 compilation.
 */

/** A deprecated name for a current built-in: the same code, errors under the old name (as OPA prints them). */
function alias(name: string, target: Builtin): Builtin {
  return {
    name,
    arity: target.arity,
    deprecated: true,
    impl: (args, ctx) => {
      try {
        return target.impl(args, ctx);
      } catch (error) {
        if (error instanceof BuiltinError && error.message.startsWith(`${target.name}:`)) {
          throw new BuiltinError(error.code, `${name}${error.message.slice(target.name.length)}`);
        }
        throw error;
      }
    },
  };
}

const named = (group: readonly Builtin[], name: string): Builtin => group.find((b) => b.name === name)!;

/** cast_string, cast_boolean, ...: the value itself when it already has the type, else a type error. */
function identityCast(name: string, type: string, test: (value: Value) => boolean): Builtin {
  return {
    name,
    arity: 1,
    deprecated: true,
    impl: ([value]) => {
      if (!test(value!)) throw operandError(name, 1, type, value!);
      return value!;
    },
  };
}

export const deprecatedBuiltins: Builtin[] = [
  {
    name: 'any',
    arity: 1,
    deprecated: true,
    impl: (args) => collectionArg('any', args, 1).some((v) => v === true),
  },
  {
    name: 'all',
    arity: 1,
    deprecated: true,
    impl: (args) => collectionArg('all', args, 1).every((v) => v === true),
  },
  alias('re_match', named(regexBuiltins, 'regex.match')),
  alias('net.cidr_overlap', named(netBuiltins, 'net.cidr_contains')),
  {
    name: 'set_diff',
    arity: 2,
    deprecated: true,
    impl: (args) => {
      const [a, b] = [setArg('set_diff', args, 1), setArg('set_diff', args, 2)];
      return RSet.of([...a].filter((member) => !b.has(member)));
    },
  },
  {
    name: 'cast_array',
    arity: 1,
    deprecated: true,
    impl: ([value]) => {
      if (Array.isArray(value)) return value;
      if (isSet(value!)) return value.sorted();
      throw operandError('cast_array', 1, 'one of {array, set}', value!);
    },
  },
  {
    name: 'cast_set',
    arity: 1,
    deprecated: true,
    impl: ([value]) => {
      if (isSet(value!)) return value;
      if (Array.isArray(value)) return RSet.of(value);
      throw operandError('cast_set', 1, 'one of {array, set}', value!);
    },
  },
  identityCast('cast_string', 'string', (v) => typeof v === 'string'),
  identityCast('cast_boolean', 'boolean', (v) => typeof v === 'boolean'),
  identityCast('cast_null', 'null', (v) => v === null),
  identityCast('cast_object', 'object', (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !isSet(v)),
];
