import { describe, expect, it } from 'vitest';
import type { Value } from '../../src/value.ts';
import { bitBuiltins } from '../../src/builtins/bits.ts';
import { castBuiltins } from '../../src/builtins/casts.ts';
import { numberBuiltins } from '../../src/builtins/numbers.ts';
import { semverBuiltins } from '../../src/builtins/semver.ts';
import { unitBuiltins } from '../../src/builtins/units.ts';
import { caller } from './call.ts';
import { failure as failureOf } from './failure.ts';

const call = caller([...bitBuiltins, ...castBuiltins, ...numberBuiltins, ...semverBuiltins, ...unitBuiltins]);
const failure = (name: string, ...args: Value[]) => failureOf(() => call(name, ...args));

describe('units - exact decimal results', () => {
  it('parses SI and binary units, m being milli', () => {
    expect(call('units.parse', '500m')).toBe(0.5);
    expect(call('units.parse', '0.0005K')).toBe(0.5);
    expect(call('units.parse', '0.0000005M')).toBe(0.5);
    expect(call('units.parse', '1Ki')).toBe(1024);
    expect(call('units.parse', '128Gi')).toBe(137438953472);
    expect(call('units.parse', '1G')).toBe(1000000000);
  });

  it('parses byte amounts case-insensitively, truncating to whole bytes', () => {
    expect(call('units.parse_bytes', '"100TIB"')).toBe(109951162777600);
    expect(call('units.parse_bytes', '1.1KiB')).toBe(1126);
    expect(call('units.parse_bytes', '.5KB')).toBe(500);
    expect(call('units.parse_bytes', '10eib')).toBe(11529215046068469760n);
    expect(call('units.parse_bytes', '10e')).toBe(10000000000000000000n);
    expect(call('units.parse_bytes', '3.2E2MiB')).toBe(335544320);
    expect(call('units.parse_bytes', '1e-2KB')).toBe(10);
    expect(call('units.parse_bytes', '5E')).toBe(5000000000000000000n);
  });

  it('fails with OPA messages', () => {
    expect(failure('units.parse', '')).toBe('eval_builtin_error: units.parse: no amount provided');
    expect(failure('units.parse', '0.0.0')).toBe('eval_builtin_error: units.parse: could not parse amount to a number');
    expect(failure('units.parse', ' 327Mi ')).toBe('eval_builtin_error: units.parse: spaces not allowed in resource strings');
    expect(failure('units.parse_bytes', 'GB')).toBe('eval_builtin_error: units.parse_bytes: no byte amount provided');
    expect(failure('units.parse_bytes', '10e10000000EiB')).toBe('eval_builtin_error: units.parse_bytes: exponent too large');
  });
});

describe('bits - arbitrary-size integers', () => {
  it('computes exactly beyond 64 bits', () => {
    expect(call('bits.lsh', 9223372036854775807n, 1)).toBe(18446744073709551614n);
    expect(call('bits.lsh', 2147483647, 1)).toBe(4294967294);
    expect(call('bits.negate', 42)).toBe(-43);
    expect(call('bits.and', 7, 9)).toBe(1);
    expect(call('bits.rsh', 8, 3)).toBe(1);
  });

  it('refuses decimals and negative shifts', () => {
    expect(failure('bits.xor', 7.2, 42)).toBe('eval_type_error: bits.xor: operand 1 must be integer number but got floating-point number');
    expect(failure('bits.lsh', 7, -1)).toBe('eval_type_error: bits.lsh: operand 2 must be an unsigned integer number but got a negative integer');
  });
});

describe('semver', () => {
  it('compares by SemVer precedence', () => {
    expect(call('semver.compare', '1.0.0', '2.0.0')).toBe(-1);
    expect(call('semver.compare', '1.0.0-alpha', '1.0.0')).toBe(-1);
    expect(call('semver.compare', '1.0.0-alpha.10', '1.0.0-alpha.9')).toBe(1);
    expect(call('semver.compare', '1.0.0-alpha', '1.0.0-1')).toBe(1);
    expect(call('semver.compare', '1.0.0+build', '1.0.0')).toBe(0);
    expect(call('semver.is_valid', '1')).toBe(false);
    expect(call('semver.is_valid', 1)).toBe(false);
    expect(failure('semver.compare', '1', '1.0.0')).toBe('eval_builtin_error: semver.compare: operand 1: string "1" is not a valid SemVer');
  });
});

describe('numbers and to_number', () => {
  it('rounds like Go and ranges inclusively', () => {
    expect(call('round', -2.5)).toBe(-3);
    expect(call('ceil', -1.99999)).toBe(-1);
    expect(call('floor', -1.001)).toBe(-2);
    expect(call('abs', -18446744073709551617n)).toBe(18446744073709551617n);
    expect(call('numbers.range', 2, -1)).toEqual([2, 1, 0, -1]);
    expect(call('numbers.range_step', 0, 10, 99999999999999999999n)).toEqual([0]);
    expect(failure('numbers.range_step', 0, 10, -2)).toBe('eval_builtin_error: numbers.range_step: step must be a positive integer');
  });

  it('parses numbers as Go strconv, refusing NaN and Inf', () => {
    expect(call('to_number', '-42.0')).toBe(-42);
    expect(call('to_number', '18446744073709551617')).toBe(18446744073709551617n);
    expect(call('to_number', '1.5e20')).toBe(150000000000000000000n);
    expect(call('to_number', '.5')).toBe(0.5);
    expect(call('to_number', '0x1p-2')).toBe(0.25);
    expect(failure('to_number', 'broken')).toContain('invalid syntax');
    expect(failure('to_number', '-Infinity')).toMatch(/^eval_type_error/);
  });
});

describe('units - unit spelling', () => {
  it('accepts OPA unit spellings and refuses others by name', () => {
    expect(call('units.parse', '2g')).toBe(2000000000);
    expect(call('units.parse', '1mi')).toBe(1048576);
    expect(call('units.parse', '1m')).toBe(0.001);
    expect(failure('units.parse', '1constructor')).toBe('eval_builtin_error: units.parse: unit constructor not recognized');
    expect(failure('units.parse_bytes', '1b')).toBe('eval_builtin_error: units.parse_bytes: byte unit b not recognized');
    expect(failure('units.parse_bytes', '1constructor')).toBe('eval_builtin_error: units.parse_bytes: byte unit constructor not recognized');
  });
});

describe('linear-time parsing of request-sized strings', () => {
  it('parses long hostile numbers, versions and unit strings quickly', () => {
    const digits = '1'.repeat(50000);
    const started = performance.now();
    expect(failure('to_number', `${digits}x`)).toContain('invalid syntax');
    expect(call('semver.is_valid', `1.0.0-${'a1'.repeat(25000)}!`)).toBe(false);
    expect(failure('units.parse_bytes', '1e1'.repeat(20000))).toMatch(/^eval_builtin_error/);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('bounded work per call', () => {
  it('refuses ranges longer than the step budget and enormous left shifts', () => {
    expect(failure('numbers.range', 0, 10_000_000_000)).toMatch(/^eval_builtin_error: numbers.range: range of more than/);
    expect(failure('numbers.range_step', 0, 10_000_000_000, 2)).toMatch(/^eval_builtin_error: numbers.range_step/);
    expect(failure('bits.lsh', 1, 1_000_000_000)).toMatch(/^eval_builtin_error: bits.lsh: shift by more than/);
    expect(call('bits.lsh', 0, 1_000_000_000)).toBe(0);
    expect(call('bits.rsh', 5, 1_000_000_000)).toBe(0);
  });
});

describe('operand wording of big-integer built-ins', () => {
  it('names the expected type integer, as OPA BigIntOperand does', () => {
    expect(failure('bits.and', 'x', 1)).toBe('eval_type_error: bits.and: operand 1 must be integer but got string');
    expect(failure('numbers.range', 1, 'x')).toBe('eval_type_error: numbers.range: operand 2 must be integer but got string');
    expect(failure('numbers.range', 1.5, 2)).toBe('eval_type_error: numbers.range: operand 1 must be integer number but got floating-point number');
  });
});

describe('semver - as OPA internal semver reads versions', () => {
  it('accepts leading zeros and an empty pre-release, refuses a v prefix and extra parts', () => {
    expect(call('semver.is_valid', '01.0.0')).toBe(true);
    expect(call('semver.is_valid', '1.0.0-')).toBe(true);
    expect(call('semver.is_valid', 'v1.0.0')).toBe(false);
    expect(call('semver.is_valid', '1.0.0.0')).toBe(false);
    expect(call('semver.is_valid', '1.0.0-a..b')).toBe(false);
    expect(call('semver.is_valid', '99999999999999999999.0.0')).toBe(false);
    expect(call('semver.compare', '1.0.0-01', '1.0.0-1')).toBe(-1);
    expect(call('semver.compare', '1.0.0-rc.1', '1.0.0-rc.1.1')).toBe(-1);
  });
});

describe('units.parse - spellings and exact values', () => {
  it('keeps only the first letter case and computes exactly', () => {
    expect(call('units.parse', '"100TI"')).toBe(109951162777600);
    expect(call('units.parse', '10KI')).toBe(10240);
    expect(call('units.parse', '1.1Ki')).toBe(1126.4);
    expect(call('units.parse', '10e')).toBe(10000000000000000000n);
    expect(call('units.parse', '-3.5E2m')).toBe(-0.35);
    expect(call('units.parse', '7.8E-1')).toBe(0.78);
    expect(call('units.parse', '5e1Gi')).toBe(53687091200);
  });
});
