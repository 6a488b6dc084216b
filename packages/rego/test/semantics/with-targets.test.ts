/**
 * Issue 12, item 2: `with` targets resolve like every other name (OPA's ResolveRefs runs before
 * the with-modifier checks): an import alias and a bare rule name of the same package are data
 * refs. A target that is neither input, data nor a function is a compile error
 * (rego_type_error: with keyword target must reference existing input, data, or a function).
 */
import { describe, expect, it } from 'vitest';
import { evaluate, regoError } from './helpers.ts';

describe('with - targets through import aliases and rule names', () => {
  it('an import alias of data resolves (was: silently ignored)', () => {
    const source = `package t
import data.cfg
greeting := concat("", [cfg.prefix, "world"])
mocked := x if x := greeting with cfg.prefix as "bye "`;
    expect(evaluate(source, 'data.t.mocked = x', { data: { cfg: { prefix: 'hello ' } } })).toEqual([{ x: 'bye world' }]);
  });

  it('an aliased import (import data.cfg as c) and an input alias resolve', () => {
    const source = `package t
import data.cfg as c
import input.user as u
shout := upper(c.prefix)
mocked := x if x := shout with c.prefix as "yo"
name := u.name
mocked_input := x if x := name with u.name as "bob"`;
    expect(evaluate(source, 'data.t.mocked = x', { data: { cfg: { prefix: 'hi' } } })).toEqual([{ x: 'YO' }]);
    expect(evaluate(source, 'data.t.mocked_input = x', { input: { user: { name: 'alice' } } })).toEqual([{ x: 'bob' }]);
  });

  it('a bare rule name of the same package resolves (was: silently ignored)', () => {
    const source = `package t
local := 1
double := local * 2
mocked := x if x := double with local as 2`;
    expect(evaluate(source, 'data.t.mocked = x')).toEqual([{ x: 4 }]);
  });

  it('a rule name with a path below it resolves', () => {
    const source = `package t
settings := {"limit": 1}
limit := settings.limit
mocked := x if x := limit with settings.limit as 5`;
    expect(evaluate(source, 'data.t.mocked = x')).toEqual([{ x: 5 }]);
  });

  it('a function of the same package is still replaced as a function', () => {
    const source = `package t
f(x) := x + 1
p := f(1)
mocked := x if x := p with f as 10`;
    expect(evaluate(source, 'data.t.mocked = x')).toEqual([{ x: 10 }]);
  });

  it('an unresolvable target is a compile error, never ignored', () => {
    const error = regoError(() => evaluate('package t\np := 1\nq if p with foo.bar as 2', 'data.t.q = x'));
    expect(error.code).toBe('rego_type_error');
    expect(error.message).toBe('test.rego:3:13: rego_type_error: with keyword target must reference existing input, data, or a function');
    const bare = regoError(() => evaluate('package t\np := 1\nq if p with nothing as 2', 'data.t.q = x'));
    expect(bare.message).toMatch(/with keyword target must reference existing input, data, or a function/);
  });

  it('a local variable is not a with target', () => {
    const error = regoError(() => evaluate('package t\nq if { x := 1; true with x as 2 }', 'data.t.q = x'));
    expect(error.message).toMatch(/rego_type_error: with keyword target must reference existing input, data, or a function/);
  });
});
