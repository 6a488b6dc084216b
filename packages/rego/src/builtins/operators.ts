/**
 * The evaluator's own operators as built-ins, named as OPA names them: comparisons (`equal`,
 * `neq`, `lt`, ...; any two values compare in Rego's total order), arithmetic (`plus`, `minus`,
 * `mul`, `div`, `rem`; `minus` is also set difference), set `and` / `or` (`&`, `|`), membership
 * (`internal.member_2` for `x in xs`, `internal.member_3` for `k, v in xs`) and `trace`.
 */
import { RObject, RSet, compare, equals, isNumber } from '../value.ts';
import type { Value } from '../value.ts';
import * as num from '../number.ts';
import type { Builtin } from './types.ts';
import { operandError } from '../errors.ts';

function comparison(name: string, test: (order: number) => boolean): Builtin {
  return { name, arity: 2, impl: ([a, b]) => test(compare(a!, b!)) };
}

function arithmetic(name: string, op: (a: num.RegoNumber, b: num.RegoNumber) => num.RegoNumber): Builtin {
  return {
    name,
    arity: 2,
    impl: ([a, b]) => {
      if (!isNumber(a!)) throw operandError(name, 1, 'number', a!);
      if (!isNumber(b!)) throw operandError(name, 2, 'number', b!);
      return op(a, b);
    },
  };
}

function setOperator(name: string, op: (a: RSet, b: RSet) => RSet): Builtin {
  return {
    name,
    arity: 2,
    impl: ([a, b]) => {
      if (!(a instanceof RSet)) throw operandError(name, 1, 'set', a!);
      if (!(b instanceof RSet)) throw operandError(name, 2, 'set', b!);
      return op(a, b);
    },
  };
}

function difference(a: RSet, b: RSet): RSet {
  return RSet.of([...a].filter((member) => !b.has(member)));
}

/** `x in xs`: a value of an array or object, or a set member; other operands are simply false. */
function member(value: Value, collection: Value): boolean {
  if (collection instanceof RSet) return collection.has(value);
  if (Array.isArray(collection)) return collection.some((item) => equals(item, value));
  if (collection instanceof RObject) {
    for (const item of collection.values()) if (equals(item, value)) return true;
  }
  return false;
}

function memberWithKey(key: Value, value: Value, collection: Value): boolean {
  if (Array.isArray(collection)) {
    return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < collection.length && equals(collection[key]!, value);
  }
  if (collection instanceof RObject) {
    const item = collection.get(key);
    return item !== undefined && equals(item, value);
  }
  if (collection instanceof RSet) return equals(key, value) && collection.has(value);
  return false;
}

export const operatorBuiltins: readonly Builtin[] = [
  { name: 'equal', arity: 2, impl: ([a, b]) => equals(a!, b!) },
  { name: 'neq', arity: 2, impl: ([a, b]) => !equals(a!, b!) },
  comparison('lt', (order) => order < 0),
  comparison('lte', (order) => order <= 0),
  comparison('gt', (order) => order > 0),
  comparison('gte', (order) => order >= 0),
  arithmetic('plus', num.add),
  arithmetic('mul', num.mul),
  arithmetic('div', num.div),
  arithmetic('rem', num.rem),
  {
    name: 'minus',
    arity: 2,
    impl: ([a, b]) => {
      if (isNumber(a!) && isNumber(b!)) return num.sub(a, b);
      if (a instanceof RSet && b instanceof RSet) return difference(a, b);
      if (!isNumber(a!) && !(a instanceof RSet)) throw operandError('minus', 1, 'one of {number, set}', a!);
      throw operandError('minus', 2, isNumber(a!) ? 'number' : 'set', b!);
    },
  },
  setOperator('and', (a, b) => RSet.of([...a].filter((member) => b.has(member)))),
  setOperator('or', (a, b) => RSet.of([...a, ...b])),
  { name: 'internal.member_2', arity: 2, impl: ([value, collection]) => member(value!, collection!) },
  { name: 'internal.member_3', arity: 3, impl: ([key, value, collection]) => memberWithKey(key!, value!, collection!) },
  { name: 'trace', arity: 1, impl: () => true },
];
