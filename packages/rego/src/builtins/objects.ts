import type { Value } from '../value.ts';
import { RObject, RSet, equals, keyOf, typeName } from '../value.ts';
import { arrayArg, objectArg } from './args.ts';
import type { Builtin } from './types.ts';
import { BuiltinError, operandError } from '../errors.ts';

/** OPA's object.* built-ins. */

/** The keys operand of object.remove/object.filter: an array, a set, or an object's keys. */
function keysArg(name: string, args: Value[]): Iterable<Value> {
  const value = args[1]!;
  if (Array.isArray(value) || value instanceof RSet) return value;
  if (value instanceof RObject) return value.keys();
  throw operandError(name, 2, 'one of {object, set, array}', value);
}

/** Walks the (usually few) keys given, not the whole object: this runs per request. */
function remove(args: Value[]): Value {
  const object = objectArg('object.remove', args, 1);
  const present = [...keysArg('object.remove', args)].filter((key) => object.has(key));
  if (present.length === 0) return object;
  const result = RObject.fromEntries(object.entries());
  for (const key of present) result.delete(key);
  return result;
}

function filter(args: Value[]): Value {
  const object = objectArg('object.filter', args, 1);
  const result = new RObject();
  for (const key of keysArg('object.filter', args)) {
    const value = object.get(key);
    if (value !== undefined) result.set(key, value);
  }
  return result;
}

/** Child of a composite at a path segment: object key, array index, or set member. */
function childOf(value: Value, segment: Value): Value | undefined {
  if (value instanceof RObject) return value.get(segment);
  if (Array.isArray(value)) {
    if (typeof segment !== 'number' || !Number.isInteger(segment)) return undefined;
    return value[segment];
  }
  if (value instanceof RSet) return value.has(segment) ? segment : undefined;
  return undefined;
}

/** object.get(object, key or path array, default). */
function get(args: Value[]): Value {
  const object = objectArg('object.get', args, 1);
  const key = args[1]!;
  const fallback = args[2]!;
  if (!Array.isArray(key)) return object.get(key) ?? fallback;
  let current: Value | undefined = object;
  for (const segment of key) {
    current = childOf(current, segment);
    if (current === undefined) return fallback;
  }
  return current;
}

/** Deep merge: where both sides hold objects they merge, otherwise the right side wins. */
function mergeObjects(left: RObject, right: RObject): RObject {
  const result = RObject.fromEntries(left.entries());
  for (const [key, value] of right.entries()) {
    const existing = left.get(key);
    result.set(key, existing instanceof RObject && value instanceof RObject ? mergeObjects(existing, value) : value);
  }
  return result;
}

function unionN(args: Value[]): Value {
  const objects = arrayArg('object.union_n', args, 1);
  let result = new RObject();
  for (const object of objects) {
    if (!(object instanceof RObject)) throw new BuiltinError('eval_type_error', `object.union_n: operand 1 must be array of objects but got array containing ${typeName(object)}`);
    result = mergeObjects(result, object);
  }
  return result;
}

/** Is `sub` a contiguous run of `sup`? */
function isSubArray(sup: Value[], sub: Value[]): boolean {
  if (sub.length === 0) return true;
  for (let start = 0; start + sub.length <= sup.length; start++) {
    if (sub.every((member, i) => equals(sup[start + i]!, member))) return true;
  }
  return false;
}

/** object.subset semantics, applied recursively to object values. */
function isSubset(sup: Value, sub: Value): boolean {
  if (sup instanceof RObject && sub instanceof RObject) {
    for (const [key, value] of sub.entries()) {
      const other = sup.get(key);
      if (other === undefined) return false;
      const nested = (other instanceof RObject && value instanceof RObject) || (other instanceof RSet && value instanceof RSet) || (Array.isArray(other) && Array.isArray(value));
      if (nested ? !isSubset(other, value) : !equals(other, value)) return false;
    }
    return true;
  }
  if (sup instanceof RSet && sub instanceof RSet) return [...sub].every((member) => sup.has(member));
  if (Array.isArray(sup) && Array.isArray(sub)) return isSubArray(sup, sub);
  if (Array.isArray(sup) && sub instanceof RSet) {
    const members = new Set(sup.map(keyOf));
    return [...sub].every((member) => members.has(keyOf(member)));
  }
  return false;
}

function subset(args: Value[]): Value {
  const [sup, sub] = args as [Value, Value];
  const sameKind =
    (sup instanceof RObject && sub instanceof RObject) ||
    (sup instanceof RSet && sub instanceof RSet) ||
    (Array.isArray(sup) && (Array.isArray(sub) || sub instanceof RSet));
  if (!sameKind) throw new BuiltinError('eval_type_error', 'object.subset: both arguments object.subset must be of the same type or array and set');
  return isSubset(sup, sub);
}

export const objectBuiltins: readonly Builtin[] = [
  { name: 'object.get', arity: 3, impl: get },
  { name: 'object.keys', arity: 1, impl: (args) => RSet.of(objectArg('object.keys', args, 1).keys()) },
  { name: 'object.remove', arity: 2, impl: remove },
  { name: 'object.filter', arity: 2, impl: filter },
  {
    name: 'object.union',
    arity: 2,
    impl: (args) => mergeObjects(objectArg('object.union', args, 1), objectArg('object.union', args, 2)),
  },
  { name: 'object.union_n', arity: 1, impl: unionN },
  { name: 'object.subset', arity: 2, impl: subset },
];
