import type { Value } from '../value.ts';
import { normalize } from '../number.ts';
import { stringArg } from './args.ts';
import type { Builtin } from './types.ts';
import { builtinError } from '../errors.ts';

/**
 * units.parse and units.parse_bytes, computed exactly: the amount is a decimal (digits and an
 * exponent) scaled by the unit, so `0.0005K` is exactly 0.5 as in OPA (which uses big.Rat).
 */

// Maps, not object literals: unit text comes from policy input (`constructor` is no unit).
const DECIMAL_UNITS = new Map(['k', 'm', 'g', 't', 'p', 'e'].map((letter, i) => [letter, 10n ** BigInt(3 * (i + 1))]));
const BINARY_UNITS = new Map(['ki', 'mi', 'gi', 'ti', 'pi', 'ei'].map((prefix, i) => [prefix, 2n ** BigInt(10 * (i + 1))]));

/** A rational number num/den with den > 0. */
interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** A bound on exact arithmetic (10^exponent as a bigint): past it OPA's floats lose meaning too. */
const MAX_EXPONENT = 1000n;

/** OPA refuses exponents with more digits than this before parsing the amount. */
const MAX_EXPONENT_DIGITS = 6;

/**
 * Splits `10KiB` into `10` and `KiB` as OPA does: the number runs while characters are digits,
 * dots, signs, or an `e` followed by a digit or sign. Undefined when the exponent is too long.
 */
function splitAmount(text: string): [string, string] | undefined {
  const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === 'e' || ch === 'E') {
      const next = text[i + 1];
      if (!isDigit(next) && next !== '+' && next !== '-') return [text.slice(0, i), text.slice(i)];
      if (next === '+' || next === '-') i++;
      let digits = 0;
      while (isDigit(text[i + 1 + digits])) digits++;
      if (digits > MAX_EXPONENT_DIGITS) return undefined;
    } else if (!isDigit(ch) && ch !== '.' && ch !== '+' && ch !== '-') {
      return [text.slice(0, i), text.slice(i)];
    }
  }
  return [text, ''];
}

/** Parses a decimal amount exactly; undefined when it is not a number. */
function parseDecimal(name: string, text: string): Rational | undefined {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || (match[2] === '' && !match[3])) return undefined;
  const [, sign, whole = '', fraction = '', exponentText = '0'] = match;
  const exponent = BigInt(exponentText) - BigInt(fraction.length);
  if (exponent > MAX_EXPONENT || exponent < -MAX_EXPONENT) throw builtinError(name, 'exponent too large');
  let num = BigInt(`${whole}${fraction}` || '0');
  if (sign === '-') num = -num;
  return exponent >= 0n ? { num: num * 10n ** exponent, den: 1n } : { num, den: 10n ** -exponent };
}

function toValue(r: Rational): Value {
  if (r.num % r.den === 0n) return normalize(r.num / r.den);
  const safe = (n: bigint): boolean => n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER);
  // One division of two exact doubles is correctly rounded; otherwise keep 25 digits first.
  if (safe(r.num) && safe(r.den)) return Number(r.num) / Number(r.den);
  return Number((r.num * 10n ** 25n) / r.den) / 1e25;
}

function prepare(name: string, raw: string): string {
  const text = raw.replaceAll('"', '');
  if (text.includes(' ')) throw builtinError(name, 'spaces not allowed in resource strings');
  return text;
}

function amountAndUnit(name: string, text: string): [string, string] {
  const split = splitAmount(text);
  if (split === undefined) throw builtinError(name, 'exponent too large');
  return split;
}

/** units.parse factors: `m` is milli and `M` mega; other letters in either case. */
function unitFactor(unit: string): Rational | undefined {
  if (unit === '') return { num: 1n, den: 1n };
  if (unit === 'm') return { num: 1n, den: 1000n };
  if (/^[kKMgGtTpPeE]$/.test(unit)) return { num: DECIMAL_UNITS.get(unit.toLowerCase())!, den: 1n };
  const binary = BINARY_UNITS.get(unit.toLowerCase());
  return binary === undefined ? undefined : { num: binary, den: 1n };
}

function parseUnits(args: Value[]): Value {
  const text = prepare('units.parse', stringArg('units.parse', args, 1));
  const [amount, rawUnit] = amountAndUnit('units.parse', text);
  if (amount === '') throw builtinError('units.parse', 'no amount provided');
  // Only the first letter keeps its case: `m` is milli, `M` mega.
  const unit = rawUnit.length > 1 ? rawUnit[0] + rawUnit.slice(1).toLowerCase() : rawUnit;
  const factor = unitFactor(unit);
  if (factor === undefined) throw builtinError('units.parse', `unit ${unit} not recognized`);
  const value = parseDecimal('units.parse', amount);
  if (value === undefined) throw builtinError('units.parse', 'could not parse amount to a number');
  return toValue(reduce({ num: value.num * factor.num, den: value.den * factor.den }));
}

function reduce(r: Rational): Rational {
  let [a, b] = [r.num < 0n ? -r.num : r.num, r.den];
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? { num: 0n, den: 1n } : { num: r.num / a, den: r.den / a };
}

function parseBytes(args: Value[]): Value {
  const text = prepare('units.parse_bytes', stringArg('units.parse_bytes', args, 1)).toLowerCase();
  const [amount, unit] = amountAndUnit('units.parse_bytes', text);
  if (amount === '') throw builtinError('units.parse_bytes', 'no byte amount provided');
  // `k`, `kb`, `ki`, `kib`, ... (already lowercased); no unit means bytes.
  const parts = /^([kmgtpe])(i?)b?$/.exec(unit);
  const factor = unit === '' ? 1n : parts ? (parts[2] ? BINARY_UNITS : DECIMAL_UNITS).get(parts[1]! + parts[2]!) : undefined;
  if (factor === undefined) throw builtinError('units.parse_bytes', `byte unit ${unit} not recognized`);
  const value = parseDecimal('units.parse_bytes', amount);
  if (value === undefined) throw builtinError('units.parse_bytes', 'could not parse byte amount to a number');
  // Whole bytes: truncated toward zero, as OPA's big.Float.Int does.
  return normalize((value.num * factor) / value.den);
}

export const unitBuiltins: readonly Builtin[] = [
  { name: 'units.parse', arity: 1, impl: parseUnits },
  { name: 'units.parse_bytes', arity: 1, impl: parseBytes },
];
