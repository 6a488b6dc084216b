import type { Value } from '../value.ts';
import { normalize, parseNumberLiteral } from '../number.ts';
import type { Builtin } from './types.ts';
import { BuiltinError, builtinError, operandError } from '../errors.ts';

/**
 * to_number, with the string syntax of Go's strconv.ParseFloat (decimal and hex floats, `_`
 * separators after a base prefix). Integers stay exact; "NaN" and "Inf" spellings, which Go
 * accepts, are refused as OPA refuses them.
 */

// Unambiguous patterns only: they run on request input, and ambiguity means backtracking.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F_]+(?:\.[0-9a-fA-F_]*)?|\.[0-9a-fA-F_]+)(?:[pP][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]*(?:inf|infinity|nan)$/i;

function parseHexFloat(text: string): number {
  const match = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(text.replace(/_/g, ''))!;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  const mantissa = parseInt(`${whole}${fraction}` || '0', 16);
  const value = mantissa * 2 ** (Number(exponent) - 4 * fraction.length);
  return sign === '-' ? -value : value;
}

/** Go accepts `+1`, `.5`, `5.` and leading zeros; the JSON-syntax literal parser does not. */
function canonicalDecimal(text: string): string {
  const [, sign, whole, fraction = '', exponent] = /^([+-]?)(\d*)(?:\.(\d*))?((?:[eE][+-]?\d+)?)$/.exec(text)!;
  const digits = whole!.replace(/^0+(?=\d)/, '') || '0';
  return `${sign === '-' ? '-' : ''}${digits}${fraction ? `.${fraction}` : ''}${exponent}`;
}

function parseNumber(text: string): number | bigint {
  if (NOT_FINITE.test(text)) throw new BuiltinError('eval_type_error', 'to_number: operand 1 must be valid number string but got string');
  if (INTEGER.test(text)) return normalize(BigInt(text));
  if (DECIMAL.test(text)) {
    const value = parseNumberLiteral(canonicalDecimal(text));
    if (value === undefined) throw builtinError('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(text)}: value out of range`);
    return value;
  }
  if (HEX_FLOAT.test(text)) return parseHexFloat(text);
  throw builtinError('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
}

function toNumber(args: Value[]): Value {
  const value = args[0]!;
  if (value === null || value === false) return 0;
  if (value === true) return 1;
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  if (typeof value === 'string') return parseNumber(value);
  throw operandError('to_number', 1, 'one of {null, boolean, number, string}', value);
}

export const castBuiltins: readonly Builtin[] = [{ name: 'to_number', arity: 1, impl: toNumber }];
