import type { Value } from '../value.ts';
import type { ZonedTime } from './lib/go/civil-time.ts';
import { civilToNs, checkZone, daysIn, MAX_INT64, MIN_INT64, UnknownZoneError, zonedTime } from './lib/go/civil-time.ts';
import { DurationError, parseDuration } from './lib/go/duration.ts';
import { formatTime, NAMED_LAYOUTS, parseTime, TimeParseError, weekdayName } from './lib/go/time-layout.ts';
import { integerArg, stringArg } from './args.ts';
import type { Builtin } from './types.ts';
import { builtinError, operandError } from '../errors.ts';

/** OPA's time.* built-ins: nanosecond instants (int64, as in Go) with IANA zones and Go layouts. */

/** Rego numbers stay JS numbers while exact; larger nanosecond counts are bigints. */
function nsValue(ns: bigint): number | bigint {
  return ns >= BigInt(Number.MIN_SAFE_INTEGER) && ns <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ns) : ns;
}

function inRange(name: string, ns: bigint): bigint {
  if (ns < MIN_INT64 || ns > MAX_INT64) throw builtinError(name, 'time outside of valid range');
  return ns;
}

/** An exact int64 from a Rego number, or undefined (fractions and overflow alike). */
function toInt64(n: number | bigint): bigint | undefined {
  if (typeof n === 'number' && !Number.isInteger(n)) return undefined;
  const value = BigInt(n);
  return value < MIN_INT64 || value > MAX_INT64 ? undefined : value;
}

const NS_OR_TZ = 'either number (ns) or [number (ns), string (tz)]';

interface Instant {
  readonly ns: bigint;
  readonly zone: string;
  readonly layout: string;
}

/** OPA's tzTime: `ns` or `[ns, zone]` or `[ns, zone, layout]`. */
function instantOperand(name: string, value: Value, position: number): Instant {
  let n: Value = value;
  let zone = '';
  let layout = NAMED_LAYOUTS.RFC3339Nano!;
  if (Array.isArray(value)) {
    if (value.length === 0) throw operandError(name, position, NS_OR_TZ, value);
    n = value[0]!;
    if (value.length > 1) {
      const zoneValue = value[1]!;
      if (typeof zoneValue !== 'string') throw operandError(name, position, 'string', zoneValue);
      zone = zoneValue === 'Local' ? '' : zoneValue;
    }
    if (value.length > 2) {
      const layoutValue = value[2]!;
      if (typeof layoutValue !== 'string') throw operandError(name, position, 'string', layoutValue);
      layout = NAMED_LAYOUTS[layoutValue] ?? layoutValue;
    }
  }
  if (typeof n !== 'number' && typeof n !== 'bigint') throw operandError(name, position, NS_OR_TZ, value);
  const ns = toInt64(n);
  if (ns === undefined) throw builtinError(name, 'timestamp too big');
  try {
    checkZone(zone);
  } catch (error) {
    if (error instanceof UnknownZoneError) throw builtinError(name, error.message);
    throw error;
  }
  return { ns, zone, layout };
}

function zoned(name: string, value: Value): ZonedTime {
  const { ns, zone } = instantOperand(name, value, 1);
  return zonedTime(ns, zone);
}

function parseNs(name: string, layout: string, text: string): number | bigint {
  try {
    const { civil, offset } = parseTime(NAMED_LAYOUTS[layout] ?? layout, text);
    return nsValue(inRange(name, civilToNs(civil, offset ?? 0)));
  } catch (error) {
    if (error instanceof TimeParseError) throw builtinError(name, error.message);
    throw error;
  }
}

function addDate(args: Value[]): number | bigint {
  const name = 'time.add_date';
  const t = zoned(name, args[0]!);
  const [years, months, days] = [2, 3, 4].map((position) => Number(integerArg(name, args, position)));
  const shifted = { ...t, year: t.year + years!, month: t.month + months!, day: t.day + days! };
  return nsValue(inRange(name, civilToNs(shifted, 0)));
}

/** OPA's time.diff (icza/gox): calendar difference with borrowing, in the first operand's zone. */
function diff([a, b]: Value[]): number[] {
  const name = 'time.diff';
  const first = instantOperand(name, a!, 1);
  const second = instantOperand(name, b!, 2);
  const [early, late] = first.ns <= second.ns ? [first.ns, second.ns] : [second.ns, first.ns];
  const t1 = zonedTime(early, first.zone);
  const t2 = zonedTime(late, first.zone);
  let [year, month, day] = [t2.year - t1.year, t2.month - t1.month, t2.day - t1.day];
  let [hour, minute, second_] = [t2.hour - t1.hour, t2.minute - t1.minute, t2.second - t1.second];
  if (second_ < 0) [second_, minute] = [second_ + 60, minute - 1];
  if (minute < 0) [minute, hour] = [minute + 60, hour - 1];
  if (hour < 0) [hour, day] = [hour + 24, day - 1];
  if (day < 0) [day, month] = [day + daysIn(t1.month, t1.year), month - 1];
  if (month < 0) [month, year] = [month + 12, year - 1];
  return [year, month, day, hour, minute, second_];
}

/** OPA's test.sleep: really waits (test policies use it to show that time.now_ns is memoised). */
function sleep(args: Value[]): boolean {
  const name = 'test.sleep';
  try {
    const ns = parseDuration(stringArg(name, args, 1));
    if (ns > 0n) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(ns / 1_000_000n));
    return true;
  } catch (error) {
    if (error instanceof DurationError) throw builtinError(name, error.message);
    throw error;
  }
}

export const timeBuiltins: Builtin[] = [
  { name: 'time.now_ns', arity: 0, nondeterministic: true, impl: (_args, ctx) => nsValue(ctx.nowNs) },
  {
    name: 'time.parse_ns',
    arity: 2,
    impl: (args) => parseNs('time.parse_ns', stringArg('time.parse_ns', args, 1), stringArg('time.parse_ns', args, 2)),
  },
  {
    name: 'time.parse_rfc3339_ns',
    arity: 1,
    impl: (args) => parseNs('time.parse_rfc3339_ns', 'RFC3339', stringArg('time.parse_rfc3339_ns', args, 1)),
  },
  {
    name: 'time.parse_duration_ns',
    arity: 1,
    impl: (args) => {
      try {
        return nsValue(parseDuration(stringArg('time.parse_duration_ns', args, 1)));
      } catch (error) {
        if (error instanceof DurationError) throw builtinError('time.parse_duration_ns', error.message);
        throw error;
      }
    },
  },
  {
    name: 'time.format',
    arity: 1,
    impl: ([value]) => {
      const { ns, zone, layout } = instantOperand('time.format', value!, 1);
      return formatTime(layout, zonedTime(ns, zone));
    },
  },
  {
    name: 'time.date',
    arity: 1,
    impl: ([value]) => {
      const t = zoned('time.date', value!);
      return [t.year, t.month, t.day];
    },
  },
  {
    name: 'time.clock',
    arity: 1,
    impl: ([value]) => {
      const t = zoned('time.clock', value!);
      return [t.hour, t.minute, t.second];
    },
  },
  { name: 'time.weekday', arity: 1, impl: ([value]) => weekdayName(zoned('time.weekday', value!).weekday) },
  { name: 'time.add_date', arity: 4, impl: addDate },
  { name: 'time.diff', arity: 2, impl: diff },
  { name: 'test.sleep', arity: 1, impl: sleep },
];
