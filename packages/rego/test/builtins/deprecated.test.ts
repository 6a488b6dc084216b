import { describe, expect, it } from 'vitest';
import { deprecatedBuiltins } from '../../src/builtins/deprecated.ts';
import { RSet, fromJson, toJson } from '../../src/value.ts';
import { caller } from './call.ts';
import { failure } from './failure.ts';

const call = caller(deprecatedBuiltins);

describe('deprecated built-ins (Rego v0 only, as in OPA)', () => {
  it('any / all: whether any / every member is true', () => {
    expect(call('any', [false, true])).toBe(true);
    expect(call('any', RSet.of([1, 'true']))).toBe(false);
    expect(call('any', [])).toBe(false);
    expect(call('all', [true, true])).toBe(true);
    expect(call('all', RSet.of([true, 1]))).toBe(false);
    expect(call('all', [])).toBe(true);
    expect(failure(() => call('any', 'x'))).toBe('eval_type_error: any: operand 1 must be one of {array, set} but got string');
  });
  it('re_match and net.cidr_overlap: old names of regex.match and net.cidr_contains, errors under the old name', () => {
    expect(call('re_match', '^a+$', 'aaa')).toBe(true);
    expect(failure(() => call('re_match', '(', 'a'))).toMatch(/^eval_builtin_error: re_match: error parsing regexp/);
    expect(failure(() => call('re_match', 1, 'a'))).toBe('eval_type_error: re_match: operand 1 must be string but got number');
    expect(call('net.cidr_overlap', '10.0.0.0/8', '10.1.2.3')).toBe(true);
  });
  it('set_diff and the casts', () => {
    expect(toJson(call('set_diff', RSet.of([1, 2, 3]), RSet.of([2]))!)).toEqual([1, 3]);
    expect(toJson(call('cast_array', RSet.of([2, 1]))!)).toEqual([1, 2]);
    expect(call('cast_set', [1, 1, 2])).toEqual(RSet.of([1, 2]));
    expect(call('cast_string', 'x')).toBe('x');
    expect(call('cast_object', fromJson({ a: 1 }))).toEqual(fromJson({ a: 1 }));
    expect(failure(() => call('cast_boolean', 'true'))).toBe('eval_type_error: cast_boolean: operand 1 must be boolean but got string');
    expect(failure(() => call('cast_null', 0))).toBe('eval_type_error: cast_null: operand 1 must be null but got number');
  });
});
