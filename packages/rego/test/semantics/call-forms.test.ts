/**
 * Issue 12: the call forms of `=` and `:=`. OPA's parser gives `x = 1` and `eq(x, 1)` (and
 * `x := 1` and `assign(x, 1)`) the same expression, so the call forms unify and declare exactly
 * as the operators do; the other operators' call forms (`plus(1, 2, x)`, `equal(a, b)`, ...)
 * are ordinary built-in calls.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, regoError } from './helpers.ts';

describe('operator call forms', () => {
  it('eq(a, b) unifies like a = b: binds, destructures, fails on a mismatch', () => {
    expect(evaluate('package t\np := x if eq(x, 1)', 'data.t.p = v')).toEqual([{ v: 1 }]);
    expect(evaluate('package t\np := y if { x := 1; eq([x, y], [1, 2]) }', 'data.t.p = v')).toEqual([{ v: 2 }]);
    expect(evaluate('package t\np if eq(1, 2)', 'data.t.p = v')).toEqual([]);
    expect(evaluate('package t\np if not eq(input.x, 1)', 'data.t.p = v', { input: { x: 2 } })).toEqual([{ v: true }]);
    expect(evaluate('package t', 'eq(x, 3)')).toEqual([{ x: 3 }]);
  });

  it('assign(x, v) declares like x := v, with the same errors', () => {
    expect(evaluate('package t\np := x if assign(x, 2)', 'data.t.p = v')).toEqual([{ v: 2 }]);
    expect(evaluate('package t\np := [x | some y in [1, 2]; assign(x, y * 10)]', 'data.t.p = v')).toEqual([{ v: [10, 20] }]);
    expect(regoError(() => evaluate('package t\np if { x := 1; assign(x, 2) }', 'data.t.p = v')).detail).toBe('var x assigned above');
  });

  it('the other operators are built-ins with call forms already', () => {
    expect(evaluate('package t\np := x if plus(1, 2, x)', 'data.t.p = v')).toEqual([{ v: 3 }]);
    expect(evaluate('package t\np if { equal(1, 1); neq(1, 2); gt(2, 1); internal.member_2(1, [1]) }', 'data.t.p = v')).toEqual([{ v: true }]);
  });

  it('a function of the package named eq is still that function', () => {
    expect(evaluate('package t\neq(a, b) := a == b\np := x if x := eq(1, 2)', 'data.t.p = v')).toEqual([{ v: false }]);
  });
});
