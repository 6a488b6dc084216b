import { zoneAbbreviation } from './tz-abbreviation.ts';

/**
 * Nanosecond instants (bigint, like Go's UnixNano) and their calendar fields in an IANA zone.
 * JS Date has millisecond precision and treats years 0-99 specially, so day arithmetic uses Howard
 * Hinnant's civil-date algorithms; Intl supplies only the zone's UTC offset at an instant.
 */

const NS_PER_SECOND = 1_000_000_000n;
export const MIN_INT64 = -(1n << 63n);
export const MAX_INT64 = (1n << 63n) - 1n;

export interface Civil {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly nanosecond: number;
}

export interface ZonedTime extends Civil {
  /** 0 = Sunday */
  readonly weekday: number;
  /** 1-366 */
  readonly yearDay: number;
  /** seconds east of UTC */
  readonly offset: number;
  readonly zoneName: string;
}

/** Days since 1970-01-01 of a proleptic Gregorian date; month may be out of 1-12 and days may overflow. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y0 = year + Math.floor((month - 1) / 12);
  const m0 = (((month - 1) % 12) + 12) % 12 + 1;
  const y = m0 <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m0 + (m0 > 2 ? -3 : 9)) + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468 + (day - 1);
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysIn(month: number, year: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** Seconds since the epoch of a wall-clock time read as UTC, as bigint nanoseconds. */
export function civilToNs(civil: Civil, offsetSeconds: number): bigint {
  const days = daysFromCivil(civil.year, civil.month, civil.day);
  const seconds = BigInt(days) * 86400n + BigInt(civil.hour * 3600 + civil.minute * 60 + civil.second - offsetSeconds);
  return seconds * NS_PER_SECOND + BigInt(civil.nanosecond);
}

function utcFields(ns: bigint): Omit<ZonedTime, 'offset' | 'zoneName'> {
  const seconds = floorDiv(ns, NS_PER_SECOND);
  const nanosecond = Number(ns - seconds * NS_PER_SECOND);
  const days = Number(floorDiv(seconds, 86400n));
  const secondOfDay = Number(seconds - BigInt(days) * 86400n);
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(secondOfDay / 3600),
    minute: Math.floor(secondOfDay / 60) % 60,
    second: secondOfDay % 60,
    nanosecond,
    weekday: (((days + 4) % 7) + 7) % 7,
    yearDay: days - daysFromCivil(year, 1, 1) + 1,
  };
}

export class UnknownZoneError extends Error {
  override readonly name = 'UnknownZoneError';
  constructor(zone: string) {
    super(`unknown time zone ${zone}`);
  }
}

interface ZoneFormatters {
  readonly fields: Intl.DateTimeFormat;
  readonly name: Intl.DateTimeFormat;
}

const zoneCache = new Map<string, ZoneFormatters>();

function formatters(zone: string): ZoneFormatters {
  let cached = zoneCache.get(zone);
  if (!cached) {
    try {
      cached = {
        fields: new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
          era: 'short',
        }),
        name: new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' }),
      };
    } catch {
      throw new UnknownZoneError(zone);
    }
    zoneCache.set(zone, cached);
  }
  return cached;
}

/** Throws UnknownZoneError unless Intl knows the zone ("" and "UTC" are UTC, as in OPA). */
export function checkZone(zone: string): void {
  if (zone !== '' && zone !== 'UTC') formatters(zone);
}

/** The zone's offset (seconds east of UTC) at an instant: wall-clock fields read back as UTC. */
function zoneOffset(zone: string, epochSeconds: bigint): { offset: number; name: string } {
  const { fields, name } = formatters(zone);
  const date = new Date(Number(epochSeconds) * 1000);
  const parts = Object.fromEntries(fields.formatToParts(date).map((part) => [part.type, part.value]));
  const year = parts.era === 'BC' ? 1 - Number(parts.year) : Number(parts.year);
  const local = daysFromCivil(year, Number(parts.month), Number(parts.day)) * 86400 + Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second);
  const offset = local - Number(epochSeconds);
  const zoneName =
    zoneAbbreviation(zone, offset) ?? name.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? zone;
  return { offset, name: zoneName };
}

/** Calendar fields of an instant in a zone ("" or "UTC" for UTC). */
export function zonedTime(ns: bigint, zone: string): ZonedTime {
  if (zone === '' || zone === 'UTC') return { ...utcFields(ns), offset: 0, zoneName: 'UTC' };
  const { offset, name } = zoneOffset(zone, floorDiv(ns, NS_PER_SECOND));
  return { ...utcFields(ns + BigInt(offset) * NS_PER_SECOND), offset, zoneName: name };
}
