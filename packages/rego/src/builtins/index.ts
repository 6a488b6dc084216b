import type { Value } from '../value.ts';
import { BuiltinError } from '../errors.ts';
import type { Builtin, BuiltinContext } from './types.ts';
import { operatorBuiltins } from './operators.ts';
import { encodingBuiltins } from './encoding.ts';
import { cryptoBuiltins } from './crypto.ts';
import { netBuiltins } from './net.ts';
import { timeBuiltins } from './time.ts';
import { jwtBuiltins } from './jwt.ts';
import { uuidBuiltins } from './uuid.ts';
import { randBuiltins } from './rand.ts';
import { runtimeBuiltins } from './runtime.ts';
import { httpBuiltins } from './http.ts';
import { uriBuiltins } from './uri.ts';
import { x509Builtins } from './x509.ts';
import { jsonSchemaBuiltins } from './json-schema.ts';
import { providersAwsBuiltins } from './providers-aws.ts';
import { stringBuiltins } from './strings.ts';
import { regexBuiltins } from './regex.ts';
import { globBuiltins } from './glob.ts';
import { aggregateBuiltins } from './aggregates.ts';
import { arrayBuiltins } from './arrays.ts';
import { setBuiltins } from './sets.ts';
import { objectBuiltins } from './objects.ts';
import { typeBuiltins } from './type-checks.ts';
import { numberBuiltins } from './numbers.ts';
import { bitBuiltins } from './bits.ts';
import { castBuiltins } from './casts.ts';
import { unitBuiltins } from './units.ts';
import { semverBuiltins } from './semver.ts';
import { jsonPatchBuiltins } from './json-patch.ts';
import { walkBuiltins } from './walk.ts';
import { graphBuiltins } from './graph.ts';
import { graphqlBuiltins } from './graphql.ts';
import { deprecatedBuiltins } from './deprecated.ts';
import { regoBuiltins } from './rego.ts';

/**
 * Every built-in the engine knows, by name. Each group file exports a `Builtin[]` list; add one
 * import and one spread per group file.
 */
const groups: readonly (readonly Builtin[])[] = [
  operatorBuiltins,
  encodingBuiltins,
  cryptoBuiltins,
  netBuiltins,
  timeBuiltins,
  jwtBuiltins,
  uuidBuiltins,
  randBuiltins,
  runtimeBuiltins,
  httpBuiltins,
  uriBuiltins,
  x509Builtins,
  jsonSchemaBuiltins,
  providersAwsBuiltins,
  stringBuiltins,
  regexBuiltins,
  globBuiltins,
  aggregateBuiltins,
  arrayBuiltins,
  setBuiltins,
  objectBuiltins,
  typeBuiltins,
  numberBuiltins,
  bitBuiltins,
  castBuiltins,
  unitBuiltins,
  semverBuiltins,
  jsonPatchBuiltins,
  walkBuiltins,
  graphBuiltins,
  graphqlBuiltins,
  deprecatedBuiltins,
  regoBuiltins,
];

export const builtins: ReadonlyMap<string, Builtin> = new Map(groups.flat().map((builtin) => [builtin.name, builtin]));

/**
 * The arity the compiler sees for a built-in name; undefined for an unknown name and, unless the
 * caller compiles Rego v0 (`deprecated: true`), for OPA's deprecated built-ins, which Rego v1
 * modules cannot call.
 */
export function builtinArity(name: string, options: { deprecated?: boolean } = {}): number | undefined {
  const builtin = builtins.get(name);
  return builtin === undefined || (builtin.deprecated === true && options.deprecated !== true) ? undefined : builtin.arity;
}

/**
 * The evaluator's one way to run a built-in. A BuiltinError passes through; any other exception
 * (a bug in a built-in, a stack overflow on a deep value) becomes an eval_builtin_error naming the
 * built-in, so it fails the call like any built-in error instead of aborting the whole query.
 */
export function callBuiltin(builtin: Builtin, args: Value[], context: BuiltinContext): Value | undefined {
  try {
    return builtin.impl(args, context);
  } catch (error) {
    if (error instanceof BuiltinError) throw error;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new BuiltinError('eval_builtin_error', `${builtin.name}: internal error: ${text}`);
  }
}
