import type { Civil, ZonedTime } from './civil-time.ts';
import { civilFromDays, daysFromCivil, daysIn } from './civil-time.ts';

/**
 * Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"), formatting and parsing, following
 * the element rules of Go's time/format.go (which OPA's time.format and time.parse_ns expose).
 */

/** Layout constants OPA accepts by name. */
export const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
};

type Std =
  | 'Jan' | 'January' | '1' | '01' | 'Mon' | 'Monday' | '2' | '_2' | '02' | '__2' | '002'
  | '15' | '3' | '03' | '4' | '04' | '5' | '05' | '06' | '2006' | 'PM' | 'pm' | 'MST'
  | 'Z0700' | 'Z070000' | 'Z07' | 'Z07:00' | 'Z07:00:00' | '-0700' | '-070000' | '-07' | '-07:00' | '-07:00:00'
  | 'frac0' | 'frac9';

interface Chunk {
  readonly prefix: string;
  readonly std?: Std;
  /** The layout text of the element (error messages quote it). */
  readonly text: string;
  /** Fraction digits and separator, for frac0/frac9. */
  readonly digits?: number;
  readonly separator?: string;
  readonly rest: string;
}

const ZONE_ELEMENTS: Std[] = ['-07:00:00', '-070000', '-07:00', '-0700', '-07', 'Z07:00:00', 'Z070000', 'Z07:00', 'Z0700', 'Z07'];

/** The literal text before the next element, the element, and the rest (Go's nextStdChunk). */
function nextChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const at = (s: string) => layout.startsWith(s, i);
    const found = (std: Std, length: number): Chunk => ({
      prefix: layout.slice(0, i),
      std,
      text: layout.slice(i, i + length),
      rest: layout.slice(i + length),
    });
    const c = layout[i]!;
    switch (c) {
      case 'J':
        if (at('January')) return found('January', 7);
        if (at('Jan')) return found('Jan', 3);
        break;
      case 'M':
        if (at('Monday')) return found('Monday', 6);
        if (at('Mon')) return found('Mon', 3);
        if (at('MST')) return found('MST', 3);
        break;
      case '0': {
        const next = layout[i + 1];
        if (next !== undefined && next >= '1' && next <= '6') return found(`0${next}` as Std, 2);
        if (at('002')) return found('002', 3);
        break;
      }
      case '1':
        return at('15') ? found('15', 2) : found('1', 1);
      case '2':
        return at('2006') ? found('2006', 4) : found('2', 1);
      case '_':
        if (at('_2')) {
          // "_2006" is a literal underscore followed by a four-digit year.
          if (at('_2006')) return { prefix: layout.slice(0, i + 1), std: '2006', text: '2006', rest: layout.slice(i + 5) };
          return found('_2', 2);
        }
        if (at('__2')) return found('__2', 3);
        break;
      case '3':
      case '4':
      case '5':
        return found(c, 1);
      case 'P':
        if (at('PM')) return found('PM', 2);
        break;
      case 'p':
        if (at('pm')) return found('pm', 2);
        break;
      case '-':
      case 'Z':
        for (const std of ZONE_ELEMENTS) {
          const text = c + std.slice(1);
          if (std[0] === c && at(text)) return found(std, text.length);
        }
        break;
      case '.':
      case ',': {
        const digit = layout[i + 1];
        if (digit === '0' || digit === '9') {
          let j = i + 1;
          while (layout[j] === digit) j++;
          const after = layout[j];
          if (after === undefined || after < '0' || after > '9') {
            return { ...found(digit === '0' ? 'frac0' : 'frac9', j - i), digits: j - i - 1, separator: c };
          }
        }
        break;
      }
    }
  }
  return { prefix: layout, text: '', rest: '' };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export const weekdayName = (weekday: number): string => DAYS[weekday]!;

const pad = (n: number, width: number, fill = '0'): string => {
  const text = String(Math.abs(n)).padStart(width, fill);
  return n < 0 ? `-${text}` : text;
};

function formatZone(std: Std, offset: number): string {
  if (offset === 0 && std.startsWith('Z')) return 'Z';
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const colon = std.includes(':') ? ':' : '';
  let text = sign + pad(Math.floor(abs / 3600), 2);
  if (std !== '-07' && std !== 'Z07') text += colon + pad(Math.floor(abs / 60) % 60, 2);
  if (std.endsWith('0000') || std.endsWith(':00:00')) text += colon + pad(abs % 60, 2);
  return text;
}

function formatFraction(chunk: Chunk, nanosecond: number): string {
  const digits = String(nanosecond).padStart(9, '0').slice(0, chunk.digits);
  if (chunk.std === 'frac0') return chunk.separator! + digits;
  const trimmed = digits.replace(/0+$/, '');
  return trimmed === '' ? '' : chunk.separator! + trimmed;
}

function formatElement(chunk: Chunk, t: ZonedTime): string {
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  switch (chunk.std!) {
    case 'Jan':
      return MONTHS[t.month - 1]!.slice(0, 3);
    case 'January':
      return MONTHS[t.month - 1]!;
    case '1':
      return String(t.month);
    case '01':
      return pad(t.month, 2);
    case 'Mon':
      return DAYS[t.weekday]!.slice(0, 3);
    case 'Monday':
      return DAYS[t.weekday]!;
    case '2':
      return String(t.day);
    case '_2':
      return pad(t.day, 2, ' ');
    case '02':
      return pad(t.day, 2);
    case '__2':
      return pad(t.yearDay, 3, ' ');
    case '002':
      return pad(t.yearDay, 3);
    case '15':
      return pad(t.hour, 2);
    case '3':
      return String(hour12);
    case '03':
      return pad(hour12, 2);
    case '4':
      return String(t.minute);
    case '04':
      return pad(t.minute, 2);
    case '5':
      return String(t.second);
    case '05':
      return pad(t.second, 2);
    case '06':
      return pad(((t.year % 100) + 100) % 100, 2);
    case '2006':
      return pad(t.year, 4);
    case 'PM':
      return t.hour >= 12 ? 'PM' : 'AM';
    case 'pm':
      return t.hour >= 12 ? 'pm' : 'am';
    case 'MST':
      return t.zoneName !== '' ? t.zoneName : formatZone('-0700', t.offset);
    case 'frac0':
    case 'frac9':
      return formatFraction(chunk, t.nanosecond);
    default:
      return formatZone(chunk.std!, t.offset);
  }
}

/** Go's Time.Format. */
export function formatTime(layout: string, t: ZonedTime): string {
  let out = '';
  for (let rest = layout; rest !== ''; ) {
    const chunk = nextChunk(rest);
    out += chunk.prefix;
    if (chunk.std) out += formatElement(chunk, t);
    rest = chunk.rest;
  }
  return out;
}

/** Go's time.ParseError, with its exact text. */
export class TimeParseError extends Error {
  override readonly name = 'TimeParseError';
}

interface ParsedTime {
  readonly civil: Civil;
  /** seconds east of UTC; undefined when the value had no zone (UTC). */
  readonly offset: number | undefined;
}

const quote = (s: string): string => JSON.stringify(s);

/** Go's time.Parse of `value` against `layout`: fields plus the offset the value carried. */
export function parseTime(layout: string, value: string): ParsedTime {
  const fail = (valueElem: string, layoutElem: string): never => {
    throw new TimeParseError(`parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`);
  };
  const outOfRange = (what: string): never => {
    throw new TimeParseError(`parsing time ${quote(value)}: ${what} out of range`);
  };
  const fields = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanosecond: 0, yearDay: -1 };
  let offset: number | undefined;
  let pm: boolean | undefined;
  let rest = value;
  const number = (fixed: boolean, max = 2): number => {
    const match = new RegExp(`^\\d{${fixed ? max : 1},${max}}`).exec(rest);
    if (!match) throw new Error('bad');
    rest = rest.slice(match[0].length);
    return Number(match[0]);
  };
  let layoutRest = layout;
  for (;;) {
    const chunk = nextChunk(layoutRest);
    rest = skipLiteral(rest, chunk.prefix) ?? fail(rest, chunk.prefix);
    if (!chunk.std) {
      if (rest !== '') throw new TimeParseError(`parsing time ${quote(value)}: extra text: ${quote(rest)}`);
      break;
    }
    layoutRest = chunk.rest;
    const before = rest;
    try {
      parseElement(chunk);
    } catch (error) {
      if (error instanceof TimeParseError) throw error;
      fail(before, chunk.text);
    }
  }

  function parseElement(chunk: Chunk): void {
    switch (chunk.std!) {
      case '06': {
        const year = number(true);
        fields.year = year + (year >= 69 ? 1900 : 2000);
        return;
      }
      case '2006':
        if (!/^\d{4}/.test(rest)) throw new Error('bad');
        fields.year = number(true, 4);
        return;
      case 'Jan':
      case 'January': {
        const names = MONTHS.map((m) => (chunk.std === 'Jan' ? m.slice(0, 3) : m));
        const index = names.findIndex((m) => rest.slice(0, m.length).toLowerCase() === m.toLowerCase());
        if (index < 0) throw new Error('bad');
        rest = rest.slice(names[index]!.length);
        fields.month = index + 1;
        return;
      }
      case 'Mon':
      case 'Monday': {
        const names = DAYS.map((d) => (chunk.std === 'Mon' ? d.slice(0, 3) : d));
        const name = names.find((d) => rest.slice(0, d.length).toLowerCase() === d.toLowerCase());
        if (!name) throw new Error('bad');
        rest = rest.slice(name.length);
        return;
      }
      case '1':
      case '01':
        fields.month = number(chunk.std === '01');
        if (fields.month < 1 || fields.month > 12) outOfRange('month');
        return;
      case '2':
      case '_2':
      case '02':
        if (chunk.std === '_2' && rest.startsWith(' ')) rest = rest.slice(1);
        fields.day = number(chunk.std === '02');
        return;
      case '__2':
      case '002':
        if (chunk.std === '__2') rest = rest.replace(/^ {1,2}/, '');
        fields.yearDay = number(chunk.std === '002', 3);
        if (fields.yearDay < 1 || fields.yearDay > 366) outOfRange('day-of-year');
        return;
      case '15':
        fields.hour = number(false);
        if (fields.hour > 23) outOfRange('hour');
        return;
      case '3':
      case '03':
        fields.hour = number(chunk.std === '03');
        if (fields.hour > 12) outOfRange('hour');
        return;
      case '4':
      case '04':
        fields.minute = number(chunk.std === '04');
        if (fields.minute > 59) outOfRange('minute');
        return;
      case '5':
      case '05': {
        fields.second = number(chunk.std === '05');
        if (fields.second > 59) outOfRange('second');
        // A fraction in the value but not in the layout is still read (Go does the same).
        const next = nextChunk(layoutRest).std;
        if (/^[.,]\d/.test(rest) && next !== 'frac0' && next !== 'frac9') readFraction(/^[.,]\d+/.exec(rest)![0].length);
        return;
      }
      case 'frac0':
        if (rest.length < chunk.digits! + 1 || !/^[.,]/.test(rest) || !/^\d+$/.test(rest.slice(1, chunk.digits! + 1))) {
          throw new Error('bad');
        }
        readFraction(chunk.digits! + 1);
        return;
      case 'frac9':
        if (/^[.,]\d/.test(rest)) readFraction(/^[.,]\d+/.exec(rest)![0].length);
        return;
      case 'PM':
      case 'pm': {
        const text = rest.slice(0, 2);
        const [p, a] = chunk.std === 'PM' ? ['PM', 'AM'] : ['pm', 'am'];
        if (text !== p && text !== a) throw new Error('bad');
        pm = text === p;
        rest = rest.slice(2);
        return;
      }
      case 'MST': {
        const match = /^(UTC|[A-Z]{3,5})/.exec(rest);
        if (!match) throw new Error('bad');
        // Unknown abbreviations get a zero offset, as in Go with a UTC local zone.
        offset = 0;
        rest = rest.slice(match[0].length);
        return;
      }
      default:
        parseZone(chunk.std!);
    }
  }

  function readFraction(length: number): void {
    const digits = rest.slice(1, length);
    fields.nanosecond = Number(digits.slice(0, 9).padEnd(9, '0'));
    rest = rest.slice(length);
  }

  function parseZone(std: Std): void {
    if (std.startsWith('Z') && rest.startsWith('Z')) {
      rest = rest.slice(1);
      offset = 0;
      return;
    }
    const colon = std.includes(':');
    const withSeconds = std.endsWith('0000') || std.endsWith(':00:00');
    const short = std === '-07' || std === 'Z07';
    const pattern = short
      ? /^([+-])(\d\d)/
      : withSeconds
        ? colon
          ? /^([+-])(\d\d):(\d\d):(\d\d)/
          : /^([+-])(\d\d)(\d\d)(\d\d)/
        : colon
          ? /^([+-])(\d\d):(\d\d)/
          : /^([+-])(\d\d)(\d\d)/;
    const match = pattern.exec(rest);
    if (!match) throw new Error('bad');
    const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
    offset = match[1] === '-' ? -seconds : seconds;
    rest = rest.slice(match[0].length);
  }

  if (pm === true && fields.hour < 12) fields.hour += 12;
  if (pm === false && fields.hour === 12) fields.hour = 0;
  if (fields.yearDay >= 0) {
    const days = daysFromCivil(fields.year, 1, 1) + fields.yearDay - 1;
    const date = civilFromDays(days);
    if (date.year !== fields.year) outOfRange('day-of-year');
    fields.month = date.month;
    fields.day = date.day;
  }
  if (fields.day < 1 || fields.day > daysIn(fields.month, fields.year)) outOfRange('day');
  const { year, month, day, hour, minute, second, nanosecond } = fields;
  return { civil: { year, month, day, hour, minute, second, nanosecond }, offset };
}

/** Go's skip: literal text must match, and a space in the layout matches a run of spaces. */
function skipLiteral(value: string, prefix: string): string | undefined {
  let v = value;
  for (let p = prefix; p !== ''; ) {
    if (p[0] === ' ') {
      if (v !== '' && v[0] !== ' ') return undefined;
      p = p.replace(/^ +/, '');
      v = v.replace(/^ +/, '');
      continue;
    }
    if (v === '' || v[0] !== p[0]) return undefined;
    p = p.slice(1);
    v = v.slice(1);
  }
  return v;
}
