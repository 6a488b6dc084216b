/**
 * Exact arithmetic core for Rego numbers.
 *
 * OPA keeps numbers as arbitrary-precision decimals. We keep integers exact (a JS number while
 * safe, a bigint beyond 2^53) and decimals as doubles, which covers what policies do: counters,
 * sizes, nanosecond timestamps (> 2^53) and the occasional fraction. Every operation normalises its
 * integer result back to a number when it fits, so equal values have one representation per range.
 */
import { builtinError } from './errors.ts';

export type RegoNumber = number | bigint;

/** bigint -> number when it is a safe integer, else stays bigint. */
export function normalize(n: bigint): RegoNumber {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function isInteger(n: RegoNumber): boolean {
  return typeof n === 'bigint' || Number.isInteger(n);
}

/** Exact bigint of an integer-valued number; throws RangeError on fractions (check isInteger first). */
function toBigInt(n: RegoNumber): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isInteger(n)) throw new RangeError(`not an integer: ${n}`);
  return BigInt(n);
}

/** A double for mixed integer/decimal arithmetic (precision loss is OPA-compatible enough here). */
function toDouble(n: RegoNumber): number {
  return typeof n === 'bigint' ? Number(n) : n;
}

function bothIntegers(a: RegoNumber, b: RegoNumber): boolean {
  return isInteger(a) && isInteger(b);
}

function integerResult(a: RegoNumber, b: RegoNumber, op: (x: bigint, y: bigint) => bigint, fast: number): RegoNumber {
  if (typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(fast)) return fast;
  return normalize(op(toBigInt(a), toBigInt(b)));
}

export function add(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (bothIntegers(a, b)) return integerResult(a, b, (x, y) => x + y, typeof a === 'number' && typeof b === 'number' ? a + b : NaN);
  return toDouble(a) + toDouble(b);
}

export function sub(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (bothIntegers(a, b)) return integerResult(a, b, (x, y) => x - y, typeof a === 'number' && typeof b === 'number' ? a - b : NaN);
  return toDouble(a) - toDouble(b);
}

export function mul(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (bothIntegers(a, b)) return integerResult(a, b, (x, y) => x * y, typeof a === 'number' && typeof b === 'number' ? a * b : NaN);
  return toDouble(a) * toDouble(b);
}

export function neg(a: RegoNumber): RegoNumber {
  return typeof a === 'bigint' ? normalize(-a) : a === 0 ? 0 : -a;
}

/** OPA `div`: exact when the quotient is an integer, a decimal otherwise; `div: divide by zero`. */
export function div(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (b === 0 || b === 0n) throw builtinError('div', 'divide by zero');
  if (bothIntegers(a, b)) {
    const x = toBigInt(a);
    const y = toBigInt(b);
    if (x % y === 0n) return normalize(x / y);
  }
  return toDouble(a) / toDouble(b);
}

/** OPA `rem`: integers only, sign of the dividend (Go's truncated remainder). */
export function rem(a: RegoNumber, b: RegoNumber): RegoNumber {
  if (!bothIntegers(a, b)) throw builtinError('rem', 'modulo on floating-point number');
  if (b === 0 || b === 0n) throw builtinError('rem', 'modulo by zero');
  if (typeof a === 'number' && typeof b === 'number') return a % b === 0 ? 0 : a % b;
  return normalize(toBigInt(a) % toBigInt(b));
}

/**
 * Parses a Rego/JSON number literal. Integer literals stay exact (bigint beyond 2^53); literals
 * with a fraction or exponent become doubles, normalised back to exact integers when they are
 * integral (`1e3` is the integer 1000, as in OPA).
 */
export function parseNumberLiteral(text: string): RegoNumber | undefined {
  if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text)) return undefined;
  if (/^-?[0-9]+$/.test(text)) return normalize(BigInt(text));
  const double = Number(text);
  // Beyond double range: OPA's numbers are arbitrary precision, so an integer literal such as
  // 1e1000 stays exact (a bigint). The exponent is bounded to keep a literal from costing
  // megabytes; a fraction beyond double range is refused.
  if (!Number.isFinite(double)) return exponentOf(text) <= MAX_LITERAL_EXPONENT ? exactIntegerOfDecimal(text) : undefined;
  if (Number.isInteger(double) && !Number.isSafeInteger(double)) return exactIntegerOfDecimal(text) ?? double;
  return double;
}

const MAX_LITERAL_EXPONENT = 100_000;

function exponentOf(text: string): number {
  const match = /[eE]([+-]?[0-9]+)$/.exec(text);
  return match ? Math.abs(Number(match[1])) : 0;
}

/** `1.5e20` -> 150000000000000000000n exactly, when the literal denotes an integer. */
function exactIntegerOfDecimal(text: string): bigint | undefined {
  const match = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign, whole, fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText) - fraction.length;
  let digits = BigInt(`${whole}${fraction}`);
  if (exponent >= 0) digits *= 10n ** BigInt(exponent);
  else {
    const divisor = 10n ** BigInt(-exponent);
    if (digits % divisor !== 0n) return undefined;
    digits /= divisor;
  }
  return sign === '-' ? -digits : digits;
}

/** Text of a number as OPA prints it in strings and JSON: integers exact, decimals shortest. */
export function formatNumber(n: RegoNumber): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n) && !Number.isSafeInteger(n) && Number.isFinite(n)) return BigInt(n).toString();
  if (Object.is(n, -0)) return '0';
  // JS writes 1e+21 and 1e-7 with an exponent, as Go's JSON encoder does.
  return String(n);
}
