/**
 * Issue 12, item 1: negation with undefined arguments. Without `import future.keywords.not`, OPA's
 * compiler moves call and ref arguments out of a negated expression before it runs
 * (compile.go: RewriteExprTerms hoists nested calls, RewriteDynamicTerms hoists the refs of call
 * arguments), so `not f(input.x)` is undefined when `input.x` is. `not a == b` is first rewritten
 * to `a = b` in modules (RewriteEquals) and keeps its refs; a bare `not input.x` keeps its ref.
 * With `future.keywords.not` the negated expression is a body of its own and nothing moves out.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from './helpers.ts';

const allow = (rules: string, imports = '') => `package t
${imports}
default allow := false
allow if {
  input.caller.id
  ${rules}
}
denied(team) if team == "blocked"`;

describe('negation - undefined arguments (OPA RewriteDynamicTerms)', () => {
  it('not f(input.x) is undefined when input.x is undefined (was: true, failing open)', () => {
    const source = allow('not denied(input.caller.team)');
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: false }]);
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a', team: 'red' } } })).toEqual([{ x: true }]);
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a', team: 'blocked' } } })).toEqual([{ x: false }]);
  });

  it('a built-in call with an undefined ref argument is undefined under not', () => {
    const source = allow('not startswith(input.caller.team, "ext-")');
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: false }]);
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a', team: 'core' } } })).toEqual([{ x: true }]);
  });

  it('not x in xs with an undefined x or xs is undefined', () => {
    const source = allow('not input.caller.team in {"blocked", "guests"}');
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: false }]);
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a', team: 'core' } } })).toEqual([{ x: true }]);
    const domain = allow('not "x" in input.blocked');
    expect(evaluate(domain, 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: false }]);
  });

  it('!= and comparisons are calls: their refs move out too', () => {
    expect(evaluate(allow('not input.caller.team != "red"'), 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: false }]);
    expect(evaluate(allow('not input.caller.level > 3'), 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: false }]);
  });

  it('nested calls move out of the negation (RewriteExprTerms)', () => {
    const source = allow('not denied(lower(input.caller.team))');
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: false }]);
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a', team: 'BLOCKED' } } })).toEqual([{ x: false }]);
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a', team: 'Red' } } })).toEqual([{ x: true }]);
    // `input.a + input.b == input.c`: the `+` moves out, so undefined operands make the body undefined.
    const sum = 'package t\ndefault p := false\np if { not input.x + input.y == input.z }';
    expect(evaluate(sum, 'data.t.p = x', { input: {} })).toEqual([{ x: false }]);
    expect(evaluate(sum, 'data.t.p = x', { input: { x: 1, y: 2, z: 0 } })).toEqual([{ x: true }]);
  });

  it('not a == b keeps its refs in a module (== becomes =): undefined operands make it true', () => {
    const source = allow('not input.caller.team == "blocked"');
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: true }]);
    const unify = allow('not input.caller.team = "blocked"');
    expect(evaluate(unify, 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: true }]);
  });

  it('a bare negated ref keeps its meaning: not input.x is true when input.x is undefined', () => {
    expect(evaluate(allow('not input.caller.external'), 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: true }]);
    expect(evaluate(allow('not data.t.denied_all'), 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: true }]);
  });

  it('rule and import arguments are refs: an undefined rule makes not f(rule) undefined', () => {
    const source = `package t
import input.caller.team as team
default allow := false
allow if { not denied(team) }
default by_rule := false
by_rule if { not denied(missing) }
missing := input.nothing
denied(t) if t == "blocked"`;
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: {} } })).toEqual([{ x: false }]);
    expect(evaluate(source, 'data.t.by_rule = x', { input: {} })).toEqual([{ x: false }]);
  });

  it('local variables are not refs: not f(x) with x bound behaves as before', () => {
    const source = 'package t\np contains x if { some x in [1, 2, 3]; not odd(x) }\nodd(n) if n % 2 == 1';
    expect(evaluate(source, 'data.t.p = x')).toEqual([{ x: [2] }]);
  });

  it('inside comprehensions and every, the refs move out within that body', () => {
    const comp = 'package t\np := [x | x := "foo"; not f(input.x)]\nf(_) := true';
    expect(evaluate(comp, 'data.t.p = x', { input: {} })).toEqual([{ x: [] }]);
    const every = 'package t\ndefault p := false\np if { every x in input.xs { not f(x, input.y) } }\nf(_, _) := true';
    expect(evaluate(every, 'data.t.p = x', { input: { xs: [1, 2] } })).toEqual([{ x: false }]);
  });

  it('the moved expressions keep the negation\'s with modifiers', () => {
    const source = `package t
default p := false
p if { not denied(input.team) with input as {"team": "red"} }
denied(t) if t == "blocked"`;
    expect(evaluate(source, 'data.t.p = x', { input: {} })).toEqual([{ x: true }]);
  });

  it('an unbound variable inside a negated call stays unsafe (safety runs on the written expression)', () => {
    expect(() => evaluate('package t\np if { not f(input.xs[i]) }\nf(_) := true', 'data.t.p = x')).toThrow(/var i is unsafe/);
    // A wildcard is fine, as in OPA.
    expect(evaluate('package t\ndefault p := false\np if { not f(input.xs[_]) }\nf(x) if x == 1', 'data.t.p = x', { input: { xs: [1, 2] } })).toEqual([{ x: true }]);
  });
});

describe('negation - import future.keywords.not keeps the whole expression negated', () => {
  it('not f(input.x) is true when input.x is undefined', () => {
    const source = allow('not denied(input.caller.team)', 'import future.keywords.not');
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a' } } })).toEqual([{ x: true }]);
    expect(evaluate(source, 'data.t.allow = x', { input: { caller: { id: 'a', team: 'blocked' } } })).toEqual([{ x: false }]);
  });

  it('negated call with undefined operands is true', () => {
    const source = 'package t\nimport future.keywords.not\ndefault p := false\np if { not input.x + input.y == input.z }';
    expect(evaluate(source, 'data.t.p = x', { input: {} })).toEqual([{ x: true }]);
  });
});

describe('negation - queries (no RewriteEquals in the query compiler)', () => {
  it('not input.x == 1 in a query moves input.x out and is undefined', () => {
    expect(evaluate('package t', 'not input.x == 1', { input: {} })).toEqual([]);
    expect(evaluate('package t', 'not input.x = 1', { input: {} })).toEqual([{}]);
  });
});
