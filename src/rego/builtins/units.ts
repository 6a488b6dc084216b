import type { Value } from '../value.ts';
import { normalize } from '../number.ts';
import { stringArg } from './args.ts';
import type { Builtin } from './types.ts';
import { builtinError } from './types.ts';

/**
 * units.parse and units.parse_bytes, computed exactly: the amount is a decimal (digits and an
 * exponent) scaled by the unit, so `0.0005K` is exactly 0.5 as in OPA (which uses big.Rat).
 */

const DECIMAL_UNITS: Record<string, bigint> = { k: 10n ** 3n, m: 10n ** 6n, g: 10n ** 9n, t: 10n ** 12n, p: 10n ** 15n, e: 10n ** 18n };
const BINARY_UNITS: Record<string, bigint> = { ki: 2n ** 10n, mi: 2n ** 20n, gi: 2n ** 30n, ti: 2n ** 40n, pi: 2n ** 50n, ei: 2n ** 60n };

/** A rational number num/den with den > 0. */
interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** Exponents beyond this would build enormous integers; OPA refuses them too. */
const MAX_EXPONENT = 1000n;

/**
 * Splits `10KiB` into `10` and `KiB` as OPA does: the number runs while characters are digits,
 * dots, signs, or an `e` followed by a digit or sign.
 */
function splitAmount(text: string): [string, string] {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const isDigit = ch >= '0' && ch <= '9';
    if (ch === 'e' || ch === 'E') {
      const next = text[i + 1];
      if (next === undefined || !(/[0-9+-]/.test(next))) return [text.slice(0, i), text.slice(i)];
      if (next === '+' || next === '-') i++;
    } else if (!isDigit && ch !== '.' && ch !== '+' && ch !== '-') {
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

function parseUnits(args: Value[]): Value {
  const text = prepare('units.parse', stringArg('units.parse', args, 1));
  const [amount, rawUnit] = splitAmount(text);
  if (amount === '') throw builtinError('units.parse', 'no amount provided');
  // Only the first letter keeps its case: `m` is milli, `M` mega.
  const unit = rawUnit.length > 1 ? rawUnit[0] + rawUnit.slice(1).toLowerCase() : rawUnit;
  let factor: Rational;
  if (unit === '') factor = { num: 1n, den: 1n };
  else if (unit === 'm') factor = { num: 1n, den: 1000n };
  else if (unit === 'k' || unit === 'K') factor = { num: DECIMAL_UNITS.k!, den: 1n };
  else if (/^[MGTPE]$/.test(unit)) factor = { num: DECIMAL_UNITS[unit.toLowerCase()]!, den: 1n };
  else if (/^[kKMGTPE]i$/.test(unit)) factor = { num: BINARY_UNITS[unit.toLowerCase()]!, den: 1n };
  else throw builtinError('units.parse', 'unit not recognized');
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
  const [amount, unit] = splitAmount(text);
  if (amount === '') throw builtinError('units.parse_bytes', 'no byte amount provided');
  const base = unit.replace(/b$/, '');
  const factor = base === '' ? 1n : (DECIMAL_UNITS[base] ?? (base.endsWith('i') ? BINARY_UNITS[base] : undefined));
  if (factor === undefined) throw builtinError('units.parse_bytes', 'byte unit not recognized');
  const value = parseDecimal('units.parse_bytes', amount);
  if (value === undefined) throw builtinError('units.parse_bytes', 'could not parse byte amount to a number');
  // Whole bytes: truncated toward zero, as OPA's big.Float.Int does.
  return normalize((value.num * factor) / value.den);
}

export const unitBuiltins: readonly Builtin[] = [
  { name: 'units.parse', arity: 1, impl: parseUnits },
  { name: 'units.parse_bytes', arity: 1, impl: parseBytes },
];
