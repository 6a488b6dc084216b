/**
 * Issue 12, items 3-5: zero-argument functions are rules; sets and objects iterate in sorted
 * order; the compiler rewrites OPA performs (head values into the body, `some` scoping around
 * comprehensions); errors never show compiler-made names.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, regoError } from './helpers.ts';

describe('zero-argument functions are plain rules (item 3)', () => {
  it('f() := v defines f and data.pkg.f', () => {
    expect(evaluate('package t\nf() := 1\np := f()', 'data.t = x')).toEqual([{ x: { f: 1, p: 1 } }]);
    expect(evaluate('package t\nf() := 1\np := f', 'data.t.p = x')).toEqual([{ x: 1 }]);
    expect(evaluate('package t\nf() := v if v := 2\np := f() + 1', 'data.t = x')).toEqual([{ x: { f: 2, p: 3 } }]);
  });

  it('f() with a false body is undefined, and a default applies', () => {
    expect(evaluate('package t\nf() := 1 if false\np := f()', 'data.t = x')).toEqual([{ x: {} }]);
    expect(evaluate('package t\ndefault f() := 0\nf() := 1 if false', 'data.t.f = x')).toEqual([{ x: 0 }]);
  });
});

describe('iteration order is sorted for sets and objects (item 4)', () => {
  it('comprehensions over sets and objects collect in sorted order', () => {
    expect(evaluate('package t\nxs := {3, 1, 2}\np := [x | some x in xs]', 'data.t.p = x')).toEqual([{ x: [1, 2, 3] }]);
    expect(evaluate('package t\no := {"b": 1, "a": 2, "c": 0}\np := [k | some k, _ in o]', 'data.t.p = x')).toEqual([{ x: ['a', 'b', 'c'] }]);
    expect(evaluate('package t\np := [x | some x in {"b", "a", [1], 3, null}]', 'data.t.p = x')).toEqual([{ x: [null, 3, 'a', 'b', [1]] }]);
  });

  it('input objects are iterated by sorted key, and the first solution follows that order', () => {
    const source = 'package t\nnames := [k | input.users[k]]\nfirst := v if { some k; v := input.users[k] } else := null';
    expect(evaluate(source, 'data.t.names = x', { input: { users: { zed: 1, amy: 2, bob: 3 } } })).toEqual([{ x: ['amy', 'bob', 'zed'] }]);
  });

  it('set rules iterate their members in sorted order', () => {
    const source = 'package t\ns contains x if some x in ["c", "a", "b"]\np := [x | some x in s]';
    expect(evaluate(source, 'data.t.p = x')).toEqual([{ x: ['a', 'b', 'c'] }]);
  });
});

describe('compiler rewrites (item 5)', () => {
  it('refs in a rule head value move into the body: common[k] := input.files[k].common if some k', () => {
    const source = 'package t\ncommon[k] := input.files[k].common if some k';
    expect(evaluate(source, 'data.t.common = x', { input: { files: { a: { common: 1 }, b: { other: 2 } } } })).toEqual([{ x: { a: 1 } }]);
  });

  it('a some declared in the outer body and used only in a comprehension is the comprehension\'s', () => {
    const source = 'package t\np := ys if { some i; ys := [v | v := input.xs[i]] }';
    expect(evaluate(source, 'data.t.p = x', { input: { xs: [1, 2] } })).toEqual([{ x: [1, 2] }]);
  });

  it('a later some x does not capture a comprehension\'s own x', () => {
    const source = 'package t\np := [ys, x] if { ys := [x | x = input.xs[_]]; some x; x = 2 }';
    expect(evaluate(source, 'data.t.p = x', { input: { xs: [1, 2, 3] } })).toEqual([{ x: [[1, 2, 3], 2] }]);
  });

  it('unsafe-variable errors name the user\'s variable, never a compiler one ($0)', () => {
    const error = regoError(() => evaluate('package t\np if { x := y[_] }', 'data.t.p = x'));
    expect(error.message).toBe('test.rego:2:13: rego_unsafe_var_error: var y is unsafe');
    const wildcard = regoError(() => evaluate('package t\np := _ if true', 'data.t.p = x'));
    expect(wildcard.message).not.toMatch(/\$\d/);
  });
});

describe('zero-argument functions under with (item 3)', () => {
  it('with f as v replaces the rule f() reads', () => {
    expect(evaluate('package t\nf() := 1\np := x if x := f() with f as 5', 'data.t.p = x')).toEqual([{ x: 5 }]);
  });
});
