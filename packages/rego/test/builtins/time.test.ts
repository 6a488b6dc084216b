import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { timeBuiltins } from '../../src/builtins/time.ts';
import { parseDuration } from '../../src/builtins/lib/go/duration.ts';
import { caller } from './call.ts';

const call = caller(timeBuiltins);
const RFC3339 = '2006-01-02T15:04:05Z07:00';

describe('Go layouts', () => {
  it('parses layouts and keeps int64 bounds', () => {
    expect(call('time.parse_ns', RFC3339, '2017-06-02T19:00:00-07:00')).toBe(1496455200000000000n);
    expect(call('time.parse_ns', RFC3339, '1677-09-21T00:12:43.145224192-00:00')).toBe(-9223372036854775808n);
    expect(call('time.parse_ns', RFC3339, '2262-04-11T23:47:16.854775807-00:00')).toBe(9223372036854775807n);
    expect(() => call('time.parse_ns', RFC3339, '2262-04-11T23:47:16.854775808-00:00')).toThrow('time outside of valid range');
    expect(call('time.parse_ns', "01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700")).toBe(1496455200000000000n);
    expect(call('time.parse_ns', 'RFC822Z', '02 Jun 17 19:00 -0700')).toBe(1496455200000000000n);
    expect(call('time.parse_ns', '2006-01-02', '1970-01-02')).toBe(86400000000000);
    expect(() => call('time.parse_ns', '2006-01-02', '2021-02-29')).toThrow('day out of range');
    expect(() => call('time.parse_ns', '2006-01-02', '2021-xx-01')).toThrow(
      'parsing time "2021-xx-01" as "2006-01-02": cannot parse "xx-01" as "01"',
    );
    expect(call('time.parse_rfc3339_ns', '1970-01-01T00:00:00.5Z')).toBe(500000000);
  });
  it('formats with zones and layouts', () => {
    const ns = 1670006453141828752n;
    expect(call('time.format', ns)).toBe('2022-12-02T18:40:53.141828752Z');
    expect(call('time.format', [ns, 'Asia/Kolkata'])).toBe('2022-12-03T00:10:53.141828752+05:30');
    expect(call('time.format', [ns, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006'])).toBe('Sat Dec 03 00:10:53 +0530 2022');
    expect(call('time.format', [ns, 'Asia/Kolkata', 'RFC1123Z'])).toBe('Sat, 03 Dec 2022 00:10:53 +0530');
    expect(call('time.format', [ns, 'UTC', 'Jan _2 3:04PM .000 002'])).toBe('Dec  2 6:40PM .141 336');
    expect(() => call('time.format', 1582977600 * 10e12)).toThrow('timestamp too big');
    expect(() => call('time.format', [0, 'Mars/Olympus'])).toThrow('unknown time zone');
  });
});

describe('zone abbreviations', () => {
  it.skipIf(!existsSync('/usr/share/zoneinfo/Asia/Tokyo'))('prints tzdata abbreviations as Go does', () => {
    const format = (ns: bigint, zone: string) => call('time.format', [ns, zone, 'MST -0700']);
    expect(format(1642204800000000000n, 'Europe/Paris')).toBe('CET +0100');
    expect(format(1657843200000000000n, 'Europe/Paris')).toBe('CEST +0200');
    expect(format(1657843200000000000n, 'Asia/Tokyo')).toBe('JST +0900');
    expect(format(1657843200000000000n, 'America/Sao_Paulo')).toBe('-03 -0300');
    expect(format(1657843200000000000n, 'UTC')).toBe('UTC +0000');
  });
});

describe('calendar fields', () => {
  it('reads date, clock and weekday in zones', () => {
    expect(call('time.date', 1517814000000000000n)).toEqual([2018, 2, 5]);
    expect(call('time.date', [1517814000000000000n, 'America/Los_Angeles'])).toEqual([2018, 2, 4]);
    expect(call('time.clock', [1517832000000000000n, 'America/New_York'])).toEqual([7, 0, 0]);
    expect(call('time.weekday', 1518350400000000000n)).toBe('Sunday');
    expect(call('time.date', -1)).toEqual([1969, 12, 31]);
  });
  it('adds dates and diffs', () => {
    expect(call('time.add_date', 1585852421593912000n, 3, 9, 12)).toBe(1705257221593912000n);
    expect(call('time.add_date', 1585852421593912000n, -1, -1, -1)).toBe(1551465221593912000n);
    expect(() => call('time.add_date', 0, 2262, 1, 1)).toThrow('time outside of valid range');
    expect(call('time.diff', 0, 86400000000000 * 40 + 1_000_000_000)).toEqual([0, 1, 9, 0, 0, 1]);
  });
  it('memoises now', () => {
    expect(call('time.now_ns')).toBe(1_700_000_000_000_000_000n);
  });
});

describe('durations', () => {
  it('parses Go durations exactly', () => {
    expect(parseDuration('1h2m3.5s')).toBe(3723500000000n);
    expect(parseDuration('-1.5µs')).toBe(-1500n);
    expect(parseDuration('0')).toBe(0n);
    expect(() => parseDuration('1')).toThrow('missing unit');
    expect(() => parseDuration('1d')).toThrow('unknown unit "d"');
    expect(() => parseDuration('')).toThrow('invalid duration');
  });
});
