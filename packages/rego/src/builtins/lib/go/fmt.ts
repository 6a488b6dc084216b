import type { Value } from '../../../value.ts';
import { regoText } from '../../../rego-text.ts';

/**
 * Go's fmt.Sprintf over Rego values, as OPA's `sprintf` calls it. OPA hands Go an int (or a
 * *big.Int beyond int64) for integral numbers, a float64 for other numbers, a string for strings,
 * and the Rego text of anything else, so `%s` of `true` is "true" while `%s` of 5 is Go's
 * "%!s(int=5)" and `%d` of 1.5 is "%!d(float64=1.5)". Supported: flags `+ - # 0 space`, width and
 * precision (also `*`), verbs v s q d b o x X c U e E f F g G T and `%%`.
 */

type GoArg =
  | { readonly kind: 'int'; readonly value: bigint; readonly big: boolean }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string };

interface Spec {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  precision: number | undefined;
}

const MAX_WIDTH = 1_000_000n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toGoArg(value: Value): GoArg {
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) {
    const n = BigInt(value);
    return { kind: 'int', value: n, big: n < INT64_MIN || n > INT64_MAX };
  }
  if (typeof value === 'number') return { kind: 'float', value };
  if (typeof value === 'string') return { kind: 'string', value };
  return { kind: 'string', value: regoText(value) };
}

function goTypeName(arg: GoArg): string {
  if (arg.kind === 'int') return arg.big ? '*big.Int' : 'int';
  return arg.kind === 'float' ? 'float64' : 'string';
}

function plainText(arg: GoArg): string {
  if (arg.kind === 'int') return arg.value.toString();
  return arg.kind === 'float' ? formatFloat(arg.value, 'g', undefined, false) : arg.value;
}

export function goSprintf(format: string, values: readonly Value[]): string {
  const simple = substituteStrings(format, values);
  if (simple !== undefined) return simple;
  const args = values.map(toGoArg);
  let out = '';
  let next = 0;
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec: Spec = { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, precision: undefined };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '+') spec.plus = true;
      else if (c === '-') spec.minus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = true;
      else break;
    }
    // Go refuses widths and precisions beyond 1e6 (and so never builds huge padding): a literal
    // one swallows the rest of the format, a `*` one prints %!(BADWIDTH) or %!(BADPREC).
    const readNumber = (bad: string): number | undefined => {
      if (format[i] === '*') {
        i++;
        const arg = args[next++];
        const n = arg?.kind === 'int' ? arg.value : undefined;
        if (n === undefined || n > MAX_WIDTH || n < -MAX_WIDTH) {
          out += bad;
          return undefined;
        }
        return Number(n);
      }
      const start = i;
      while (i < format.length && format[i]! >= '0' && format[i]! <= '9') i++;
      if (i - start > 7 || Number(format.slice(start, i)) > MAX_WIDTH) i = format.length;
      return i > start && i < format.length ? Number(format.slice(start, i)) : undefined;
    };
    spec.width = readNumber('%!(BADWIDTH)');
    if (spec.width !== undefined && spec.width < 0) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (format[i] === '.') {
      i++;
      const star = format[i] === '*';
      const precision = readNumber('%!(BADPREC)');
      // `.` alone means precision 0; a bad or negative `*` precision means none (after BADPREC).
      if (star && precision !== undefined && precision < 0) out += '%!(BADPREC)';
      else spec.precision = precision ?? (star ? undefined : 0);
    }
    const verb = format.codePointAt(i);
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    const verbChar = String.fromCodePoint(verb);
    i += verbChar.length;
    if (verbChar === '%') {
      out += '%';
      continue;
    }
    const arg = args[next++];
    out += arg === undefined ? `%!${verbChar}(MISSING)` : formatArg(arg, verbChar, spec);
  }
  if (next < args.length) {
    out += `%!(EXTRA ${args
      .slice(next)
      .map((arg) => `${goTypeName(arg)}=${plainText(arg)}`)
      .join(', ')})`;
  }
  return out;
}

/**
 * The common case (policy reasons): every verb a bare `%s` with a string argument, none missing or
 * left over. That prints each string as it is, so the format is a plain substitution; anything
 * else (flags, widths, other verbs, `%%`, non-strings) returns undefined for the full formatter.
 */
function substituteStrings(format: string, values: readonly Value[]): string | undefined {
  let out = '';
  let i = 0;
  let next = 0;
  for (;;) {
    const percent = format.indexOf('%', i);
    if (percent < 0) break;
    if (format.charCodeAt(percent + 1) !== 0x73) return undefined;
    const value = values[next++];
    if (typeof value !== 'string') return undefined;
    out += format.slice(i, percent) + value;
    i = percent + 2;
  }
  return next === values.length ? out + format.slice(i) : undefined;
}

function formatArg(arg: GoArg, verb: string, spec: Spec): string {
  if (verb === 'T') return pad(goTypeName(arg), spec, false);
  const text = arg.kind === 'int' ? formatInt(arg, verb, spec) : arg.kind === 'float' ? formatFloatVerb(arg.value, verb, spec) : formatString(arg.value, verb, spec);
  return text ?? `%!${verb}(${goTypeName(arg)}=${plainText(arg)})`;
}

function pad(text: string, spec: Spec, zeroAllowed: boolean): string {
  const width = spec.width;
  if (width === undefined || width <= text.length / 2) return text;
  const length = Array.from(text).length;
  if (length >= width) return text;
  const fill = width - length;
  if (spec.minus) return text + ' '.repeat(fill);
  if (spec.zero && zeroAllowed) {
    const sign = /^[+\- ]/.test(text) ? text[0]! : '';
    return sign + '0'.repeat(fill) + text.slice(sign.length);
  }
  return ' '.repeat(fill) + text;
}

function signed(negative: boolean, digits: string, spec: Spec): string {
  if (negative) return `-${digits}`;
  if (spec.plus) return `+${digits}`;
  return spec.space ? ` ${digits}` : digits;
}

const INT_BASES: Record<string, number> = { d: 10, v: 10, s: 10, b: 2, o: 8, x: 16, X: 16 };

function formatInt(arg: GoArg & { kind: 'int' }, verb: string, spec: Spec): string | undefined {
  if (verb === 'c' && !arg.big) return pad(String.fromCodePoint(Number(arg.value)), spec, false);
  if (verb === 'q' && !arg.big) return pad(goQuote(String.fromCodePoint(Number(arg.value)), "'"), spec, false);
  if (verb === 'U' && !arg.big) return pad(`U+${arg.value.toString(16).toUpperCase().padStart(4, '0')}`, spec, false);
  const base = Object.hasOwn(INT_BASES, verb) ? INT_BASES[verb] : undefined;
  // Go's int has no %s; *big.Int formats %s in decimal.
  if (base === undefined || (verb === 's' && !arg.big)) return undefined;
  const negative = arg.value < 0n;
  let digits = (negative ? -arg.value : arg.value).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  if (spec.precision !== undefined) {
    if (spec.precision === 0 && arg.value === 0n) digits = '';
    digits = digits.padStart(spec.precision, '0');
  }
  if (spec.sharp) {
    if (verb === 'x') digits = `0x${digits}`;
    else if (verb === 'X') digits = `0X${digits}`;
    else if (verb === 'o' && !digits.startsWith('0')) digits = `0${digits}`;
    else if (verb === 'b') digits = `0b${digits}`;
  }
  return pad(signed(negative, digits, spec), spec, spec.precision === undefined);
}

function formatFloatVerb(value: number, verb: string, spec: Spec): string | undefined {
  const lower = verb === 'v' ? 'g' : verb.toLowerCase();
  if (!['e', 'f', 'g'].includes(lower) || verb === 'V') return undefined;
  let digits = formatFloat(Math.abs(value), lower as 'e' | 'f' | 'g', spec.precision, spec.sharp);
  if (verb === 'E' || verb === 'G') digits = digits.toUpperCase();
  return pad(signed(value < 0 || Object.is(value, -0), digits, spec), spec, true);
}

/** Go's strconv.FormatFloat for 'e', 'f' and 'g'; precision undefined means shortest. */
function formatFloat(value: number, verb: 'e' | 'f' | 'g', precision: number | undefined, sharp: boolean): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  const negative = value < 0;
  const x = Math.abs(value);
  let body: string;
  if (verb === 'f') body = fixed(x, precision);
  else if (verb === 'e') body = exponential(x, precision ?? 6);
  else {
    // Shortest or precise digits, then Go's rule: exponent form when exp < -4 || exp >= eprec.
    const [mantissa, exp] = splitExponential(precision === undefined ? x.toExponential() : x.toExponential(Math.max(precision, 1) - 1));
    const digitCount = mantissa.replace('.', '').replace(/0+$/, '').length || 1;
    let eprec = precision === undefined ? 6 : Math.max(precision, 1);
    if (precision !== undefined && eprec > digitCount && digitCount >= exp + 1) eprec = digitCount;
    if (exp < -4 || exp >= eprec) {
      const trimmed = sharp ? mantissa : mantissa.replace(/\.?0+$/, '');
      body = `${trimmed}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    } else {
      const decimals = Math.max(digitCount - exp - 1, 0);
      body = x.toFixed(Math.min(decimals, 100));
    }
  }
  return negative ? `-${body}` : body;
}

function fixed(x: number, precision = 6): string {
  if (x < 1e21) return x.toFixed(Math.min(precision, 100));
  // toFixed switches to exponent form from 1e21; such doubles are integers.
  return BigInt(x).toString() + (precision > 0 ? `.${'0'.repeat(precision)}` : '');
}

function exponential(x: number, precision: number): string {
  const [mantissa, exp] = splitExponential(x.toExponential(Math.min(precision, 100)));
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function splitExponential(text: string): [string, number] {
  const at = text.indexOf('e');
  return [text.slice(0, at), Number(text.slice(at + 1))];
}

function formatString(value: string, verb: string, spec: Spec): string | undefined {
  let text = spec.precision !== undefined && (verb === 's' || verb === 'v') ? Array.from(value).slice(0, spec.precision).join('') : value;
  switch (verb) {
    case 's':
      break;
    case 'v':
      // %#v prints Go syntax: a quoted string.
      if (spec.sharp) text = goQuote(text, '"');
      break;
    case 'q':
      text = goQuote(text, '"');
      break;
    case 'x':
    case 'X': {
      const hex = Array.from(Buffer.from(text, 'utf8'), (b) => b.toString(16).padStart(2, '0'));
      text = hex.join(spec.space ? ' ' : '');
      if (verb === 'X') text = text.toUpperCase();
      break;
    }
    default:
      return undefined;
  }
  return pad(text, spec, false);
}

/** Go's strconv.Quote: printable characters kept, control characters escaped. */
function goQuote(text: string, quote: '"' | "'"): string {
  let out = quote;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}
