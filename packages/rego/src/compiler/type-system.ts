/**
 * Rego's static types, as OPA's type checker models them (v1/types/types.go): null, boolean,
 * number, string, arrays (static element types and/or a dynamic one), objects (static properties
 * and/or a dynamic key/value), sets, `any` (a union; empty = every type) and functions. `undefined`
 * stands for "not known yet" (OPA's nil, printed `???`).
 *
 * The operations are the checker's vocabulary: `or` (union), `unifies` (could a value of one be a
 * value of the other), `keys`/`values`/`select` (what a ref step yields) and `typeText` (OPA's
 * printed form, which appears in its error messages).
 */
import type { Scalar } from '../ast.ts';
import { compare, RObject, RSet, typeName } from '../value.ts';
import type { Value } from '../value.ts';

export type Type =
  | { k: 'null' }
  | { k: 'boolean' }
  | { k: 'number' }
  | { k: 'string' }
  | { k: 'array'; items: T[]; dynamic?: T }
  | { k: 'object'; props: [Scalar, T][]; dynamic?: [T, T] }
  | { k: 'set'; of: T }
  | { k: 'any'; of: Type[] }
  | { k: 'function'; args: T[]; result: T; names?: string[] };

/** A type or "not known" (OPA's nil). */
export type T = Type | undefined;

export const NULL: Type = { k: 'null' };
export const BOOL: Type = { k: 'boolean' };
export const NUM: Type = { k: 'number' };
export const STR: Type = { k: 'string' };
export const ANY: Type = { k: 'any', of: [] };

export const arrayOf = (of: T): Type => ({ k: 'array', items: [], dynamic: of });
export const setOf = (of: T): Type => ({ k: 'set', of });
export const objectOf = (key: T, value: T): Type => ({ k: 'object', props: [], dynamic: [key, value] });

export function object(props: [Scalar, T][], dynamic?: [T, T]): Type {
  const sorted = [...props].sort((a, b) => compare(a[0], b[0]));
  return dynamic ? { k: 'object', props: sorted, dynamic } : { k: 'object', props: sorted };
}

/** OPA's types.NewAny: a union of the given types (sorted); none = any type at all. */
export function anyOf(...types: Type[]): Type {
  return { k: 'any', of: dedupe(types) };
}

const ORDER: Record<Type['k'], number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5, set: 6, any: 7, function: 8 };

function compareTypes(a: T, b: T): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (a.k !== b.k) return ORDER[a.k] - ORDER[b.k];
  switch (a.k) {
    case 'array': {
      const y = b as Extract<Type, { k: 'array' }>;
      if (a.dynamic && !y.dynamic) return 1;
      if (!a.dynamic && y.dynamic) return -1;
      return compareTypes(a.dynamic, y.dynamic) || compareLists(a.items, y.items);
    }
    case 'object': {
      const y = b as Extract<Type, { k: 'object' }>;
      if (a.dynamic && !y.dynamic) return 1;
      if (!a.dynamic && y.dynamic) return -1;
      if (a.dynamic && y.dynamic) {
        const c = compareTypes(a.dynamic[0], y.dynamic[0]) || compareTypes(a.dynamic[1], y.dynamic[1]);
        if (c !== 0) return c;
      }
      for (let i = 0; i < Math.min(a.props.length, y.props.length); i++) {
        const c = compare(a.props[i]![0], y.props[i]![0]) || compareTypes(a.props[i]![1], y.props[i]![1]);
        if (c !== 0) return c;
      }
      return a.props.length - y.props.length;
    }
    case 'set':
      return compareTypes(a.of, (b as Extract<Type, { k: 'set' }>).of);
    case 'any':
      return compareLists(a.of, (b as Extract<Type, { k: 'any' }>).of);
    case 'function': {
      const y = b as Extract<Type, { k: 'function' }>;
      return a.args.length - y.args.length || compareLists(a.args, y.args) || compareTypes(a.result, y.result);
    }
    default:
      return 0;
  }
}

function compareLists(a: T[], b: T[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareTypes(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function dedupe(types: Type[]): Type[] {
  const sorted = [...types].sort(compareTypes);
  return sorted.filter((t, i) => i === 0 || compareTypes(sorted[i - 1], t) !== 0);
}

/** OPA's types.Or: the union; a superset stays unchanged; functions union argument-wise. */
export function or(a: T, b: T): T {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.k === 'function' || b.k === 'function') {
    if (a.k !== 'function' || b.k !== 'function' || a.args.length !== b.args.length) return undefined;
    return { k: 'function', args: a.args.map((arg, i) => or(arg, b.args[i])), result: or(a.result, b.result) };
  }
  if (a.k === 'any' || b.k === 'any') {
    const [x, y] = a.k === 'any' ? [a, b] : [b as Extract<Type, { k: 'any' }>, a];
    if (x.of.length === 0) return x;
    if (y.k === 'any') return y.of.length === 0 ? y : { k: 'any', of: dedupe([...x.of, ...y.of]) };
    return contains(x, y) ? x : { k: 'any', of: dedupe([...x.of, y]) };
  }
  return compareTypes(a, b) === 0 ? a : { k: 'any', of: dedupe([a, b]) };
}

function contains(a: Extract<Type, { k: 'any' }>, b: Type): boolean {
  if (b.k === 'function') return false;
  return a.of.length === 0 || a.of.some((t) => compareTypes(t, b) === 0);
}

/** OPA's unifies: could a value of type `a` be a value of type `b`. Unknown types never unify. */
export function unifies(a: T, b: T): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.k === 'any' && b.k !== 'function' && (a.of.length === 0 || a.of.some((t) => unifies(t, b)))) return true;
  if (b.k === 'any' && a.k !== 'function' && (b.of.length === 0 || b.of.some((t) => unifies(t, a)))) return true;
  if (a.k === 'any' || b.k === 'any') return false;
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'array': {
      const y = b as Extract<Type, { k: 'array' }>;
      const staticSide = (p: typeof a, q: typeof a): boolean => p.items.every((t, i) => unifies(t, selectIndex(q, i)));
      return staticSide(a, y) && staticSide(y, a) && (a.dynamic === undefined || y.dynamic === undefined || unifies(a.dynamic, y.dynamic));
    }
    case 'object': {
      const y = b as Extract<Type, { k: 'object' }>;
      const staticSide = (p: typeof a, q: typeof a): boolean => p.props.every(([key, t]) => unifies(t, selectKey(q, key)));
      return staticSide(a, y) && staticSide(y, a) && (a.dynamic === undefined || y.dynamic === undefined || unifies(a.dynamic[1], y.dynamic[1]));
    }
    case 'set':
      return unifies(a.of, (b as Extract<Type, { k: 'set' }>).of);
    case 'function': {
      const y = b as Extract<Type, { k: 'function' }>;
      return a.args.length === y.args.length && a.args.every((t, i) => unifies(t, y.args[i]));
    }
    default:
      return true;
  }
}

function selectIndex(a: Extract<Type, { k: 'array' }>, i: number): T {
  return i >= 0 && i < a.items.length ? a.items[i] : i >= 0 ? a.dynamic : undefined;
}

function selectKey(a: Extract<Type, { k: 'object' }>, key: Scalar): T {
  const found = a.props.find(([k]) => compare(k, key) === 0);
  if (found) return found[1];
  if (a.dynamic && containsType(a.dynamic[0], typeOfValue(key))) return a.dynamic[1];
  return undefined;
}

function containsType(a: T, b: Type): boolean {
  if (a?.k === 'any') return contains(a, b);
  return compareTypes(a, b) === 0;
}

/** OPA's types.Select: the type of `a[key]` for a constant key; undefined if it cannot exist. */
export function select(a: T, key: Value): T {
  if (a === undefined) return undefined;
  switch (a.k) {
    case 'array':
      return typeof key === 'number' && Number.isInteger(key) ? selectIndex(a, key) : undefined;
    case 'object':
      return isScalar(key) ? selectKey(a, key) : undefined;
    case 'set': {
      const t = typeOfValue(key);
      if (compareTypes(a.of, t) === 0) return a.of;
      return a.of?.k === 'any' && contains(a.of, t) ? t : undefined;
    }
    case 'any':
      return overUnion(a, (t) => select(t, key));
    default:
      return undefined;
  }
}

/** The type of the keys a ref can enumerate (`x[k]`); undefined for scalars and functions. */
export function keys(a: T): T {
  if (a === undefined) return undefined;
  switch (a.k) {
    case 'array':
      return NUM;
    case 'object': {
      let result: T;
      for (const [key] of a.props) result = or(result, typeOfValue(key));
      return a.dynamic ? or(result, a.dynamic[0]) : result;
    }
    case 'set':
      return a.of;
    case 'any':
      return overUnion(a, keys);
    default:
      return undefined;
  }
}

/** The type of the values a ref can enumerate (`x[_]`). */
export function values(a: T): T {
  if (a === undefined) return undefined;
  switch (a.k) {
    case 'array': {
      let result: T;
      for (const t of a.items) result = or(result, t);
      return or(result, a.dynamic);
    }
    case 'object': {
      let result: T;
      for (const [, t] of a.props) result = or(result, t);
      return a.dynamic ? or(result, a.dynamic[1]) : result;
    }
    case 'set':
      return a.of;
    case 'any':
      return overUnion(a, values);
    default:
      return undefined;
  }
}

/** A ref step on a union: the union of the step on each member; on `any` itself, `any`. */
function overUnion(a: Extract<Type, { k: 'any' }>, step: (t: Type) => T): T {
  if (a.of.length === 0) return ANY;
  let result: T;
  for (const t of a.of) result = or(step(t), result);
  return result;
}

/** Does the type contain an unknown part (OPA's types.Nil). */
export function hasUnknown(a: T): boolean {
  if (a === undefined) return true;
  switch (a.k) {
    case 'array':
      return a.items.some(hasUnknown) || (a.dynamic !== undefined && hasUnknown(a.dynamic));
    case 'object':
      return a.props.some(([, t]) => hasUnknown(t)) || (a.dynamic !== undefined && (hasUnknown(a.dynamic[0]) || hasUnknown(a.dynamic[1])));
    case 'set':
      return hasUnknown(a.of);
    case 'function':
      return a.args.some(hasUnknown) || hasUnknown(a.result);
    default:
      return false;
  }
}

function isScalar(value: Value): value is Scalar {
  return value === null || typeof value !== 'object';
}

/** The type of a constant value (a folded literal): arrays and objects keep their shape. */
export function typeOfValue(value: Value): Type {
  switch (typeName(value)) {
    case 'null':
      return NULL;
    case 'boolean':
      return BOOL;
    case 'number':
      return NUM;
    case 'string':
      return STR;
    case 'array': {
      const items = (value as Value[]).map(typeOfValue);
      return items.length === 0 ? arrayOf(ANY) : { k: 'array', items };
    }
    case 'set': {
      let of: T;
      for (const member of value as RSet) of = or(of, typeOfValue(member));
      return setOf(of ?? ANY);
    }
    default: {
      const obj = value as RObject;
      if (obj.size === 0) return objectOf(ANY, ANY);
      const props: [Scalar, T][] = [];
      let dynamic: [T, T] | undefined;
      for (const [key, member] of obj.entries()) {
        if (isScalar(key)) props.push([key, typeOfValue(member)]);
        else dynamic = [typeOfValue(key), typeOfValue(member)];
      }
      return object(props, dynamic);
    }
  }
}

/** OPA's printed form of a type (`array[string]`, `object<a: number>`, `any<number, string>`). */
export function typeText(a: T): string {
  if (a === undefined) return '???';
  switch (a.k) {
    case 'array':
      return `array${a.items.length > 0 ? `<${a.items.map(typeText).join(', ')}>` : ''}${a.dynamic !== undefined ? `[${typeText(a.dynamic)}]` : ''}`;
    case 'object': {
      const props = a.props.map(([key, t]) => `${keyText(key)}: ${typeText(t)}`);
      return `object${props.length > 0 ? `<${props.join(', ')}>` : ''}${a.dynamic ? `[${typeText(a.dynamic[0])}: ${typeText(a.dynamic[1])}]` : ''}`;
    }
    case 'set':
      return `set[${typeText(a.of)}]`;
    case 'any':
      return a.of.length === 0 ? 'any' : `any<${a.of.map(typeText).join(', ')}>`;
    case 'function':
      return `(${a.args.map(typeText).join(', ')}) => ${typeText(a.result)}`;
    default:
      return a.k;
  }
}

/** Go's %v of a JSON key: strings unquoted, numbers as written. */
function keyText(key: Scalar): string {
  return key === null ? '<nil>' : String(key);
}
