import type { Value } from '../value.ts';
import { RObject, RSet, typeName } from '../value.ts';
import { BuiltinError, operandError } from '../errors.ts';

/**
 * Operand checks shared by the built-in groups. Each returns the operand narrowed to its type or
 * throws OPA's `name: operand N must be X but got Y` type error. Positions are 1-based as in OPA.
 */

export function stringArg(name: string, args: Value[], position: number): string {
  const value = args[position - 1]!;
  if (typeof value !== 'string') throw operandError(name, position, 'string', value);
  return value;
}

export function numberArg(name: string, args: Value[], position: number): number | bigint {
  const value = args[position - 1]!;
  if (typeof value !== 'number' && typeof value !== 'bigint') throw operandError(name, position, 'number', value);
  return value;
}

/**
 * An integer operand as a bigint; a decimal is a type error with OPA's own wording. OPA names
 * the expected type `number` (IntOperand) or, for big-integer built-ins, `integer`.
 */
export function integerArg(name: string, args: Value[], position: number, expected: 'number' | 'integer' = 'number'): bigint {
  const value = args[position - 1]!;
  if (typeof value !== 'number' && typeof value !== 'bigint') throw operandError(name, position, expected, value);
  if (typeof value === 'bigint') return value;
  if (!Number.isInteger(value)) {
    throw new BuiltinError(
      'eval_type_error',
      `${name}: operand ${position} must be integer number but got floating-point number`,
    );
  }
  return BigInt(value);
}

export function arrayArg(name: string, args: Value[], position: number): Value[] {
  const value = args[position - 1]!;
  if (!Array.isArray(value)) throw operandError(name, position, 'array', value);
  return value;
}

export function objectArg(name: string, args: Value[], position: number): RObject {
  const value = args[position - 1]!;
  if (!(value instanceof RObject)) throw operandError(name, position, 'object', value);
  return value;
}

export function setArg(name: string, args: Value[], position: number): RSet {
  const value = args[position - 1]!;
  if (!(value instanceof RSet)) throw operandError(name, position, 'set', value);
  return value;
}

/** Members of an array or a set operand (OPA accepts either for most collection arguments). */
export function collectionArg(name: string, args: Value[], position: number, expected = 'one of {array, set}'): Value[] {
  const value = args[position - 1]!;
  if (Array.isArray(value)) return value;
  if (value instanceof RSet) return [...value];
  throw operandError(name, position, expected, value);
}

/** Every member must be a string: `operand 2 must be array of strings but got array containing number`. */
export function stringsIn(name: string, position: number, members: Value[], container: Value): string[] {
  for (const member of members) {
    if (typeof member !== 'string') {
      throw new BuiltinError(
        'eval_type_error',
        `${name}: operand ${position} must be ${typeName(container)} of strings but got ${typeName(container)} containing ${typeName(member)}`,
      );
    }
  }
  return members as string[];
}

/** Strings are indexed by code point (Go runes), not UTF-16 units. */
export function runesOf(text: string): string[] {
  return Array.from(text);
}
