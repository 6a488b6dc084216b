/**
 * Issue 12, item 9 (as far as it goes): compile-time type errors like OPA's type checker for what
 * is known before evaluation: built-in calls whose constant arguments have the wrong type, and
 * refs into local variables or rules whose value is a known scalar. Both are rego_type_error at
 * compile time, where they used to appear only at evaluation (or never, as an undefined call).
 */
import { describe, expect, it } from 'vitest';
import { evaluate, regoError } from './helpers.ts';

describe('type errors at compile time (item 9)', () => {
  it('a built-in called with a constant of the wrong type', () => {
    const error = regoError(() => evaluate('package t\np if count(1) > 0', 'data.t.p = x'));
    expect(error.code).toBe('rego_type_error');
    // OPA's message shape: the call, then what it has and what it wants.
    expect(error.message).toBe('test.rego:2:6: rego_type_error: count: invalid argument(s)\n\thave: (number)\n\twant: (any<array[any], object[any: any], set[any], string>)');
    expect(regoError(() => evaluate('package t\np := upper(1)', 'data.t.p = x')).message).toMatch(/rego_type_error: upper: invalid argument\(s\)\n\thave: \(number\)\n\twant: \(string\)$/);
    expect(regoError(() => evaluate('package t\np if startswith(input.x, 2)', 'data.t.p = x')).detail).toBe('startswith: invalid argument(s)\n\thave: (any, number)\n\twant: (string, string)');
  });

  it('even in a rule that is never evaluated (the checker is static)', () => {
    expect(() => evaluate('package t\np if { false; startswith(1, "a") }\nq := 1', 'data.t.q = x')).toThrow(/rego_type_error: startswith: invalid argument\(s\)/);
  });

  it('value-level failures stay evaluation errors: not type errors', () => {
    expect(evaluate('package t\np := x if x := to_number("1.5")', 'data.t.p = x')).toEqual([{ x: 1.5 }]);
    expect(evaluate('package t\np := regex.match("[", "a")', 'data.t.p = x')).toEqual([]);
    expect(evaluate('package t\np := array.slice([1, 2, 3], 1, 2)', 'data.t.p = x')).toEqual([{ x: [2] }]);
    expect(evaluate('package t\np := count(input.x)', 'data.t.p = x', { input: { x: 1 } })).toEqual([]);
  });

  it('a ref into a local variable that holds a scalar', () => {
    const error = regoError(() => evaluate('package t\np if { x := 1; x.foo == 2 }', 'data.t.p = x'));
    expect(error.message).toBe('test.rego:2:16: rego_type_error: undefined ref: x.foo');
  });

  it('a ref into a rule whose value is a scalar', () => {
    const error = regoError(() => evaluate('package t\nlimit := 10\np if limit.max > 1', 'data.t.p = x'));
    expect(error.message).toBe('test.rego:3:6: rego_type_error: undefined ref: data.t.limit.max');
  });
});
