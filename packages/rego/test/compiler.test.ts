import { describe, expect, it } from 'vitest';
import { compile } from '../src/index.ts';
import { RegoError } from '../src/errors.ts';

function compileError(source: string): RegoError {
  try {
    compile({ 'c.rego': source });
  } catch (error) {
    if (error instanceof RegoError) return error;
    throw error;
  }
  throw new Error('expected a compile error');
}

describe('rego compiler', () => {
  it('reports unsafe variables with their location', () => {
    const error = compileError('package t\np if {\n  x > 1\n}');
    expect(error.code).toBe('rego_unsafe_var_error');
    expect(error.message).toBe('c.rego:3:3: rego_unsafe_var_error: var x is unsafe');
  });

  it('reports recursion through rules', () => {
    const error = compileError('package t\np if q\nq if p');
    expect(error.code).toBe('rego_recursion_error');
    expect(error.detail).toContain('data.t.p');
  });

  it('reports undefined functions as rego_type_error', () => {
    expect(compileError('package t\np := nope(1)').message).toBe('c.rego:2:6: rego_type_error: undefined function nope');
  });

  it('reports a call with the wrong number of arguments as rego_type_error', () => {
    expect(compileError('package t\np := count([1], 2, 3)').message).toBe('c.rego:2:6: rego_type_error: count: arity mismatch: have 3 arguments, want 1');
  });

  it('keeps infix operators on the built-ins even when a rule shares their name', () => {
    const policies = compile({ 'c.rego': 'package t\nneq := 1 != 2\nplus := 1 + 2\ntime := time.now_ns() > 0' });
    expect(policies.evaluate('x = data.t')).toEqual([{ x: { neq: true, plus: 3, time: true } }]);
  });

  it('reports a variable assigned twice with :=', () => {
    expect(compileError('package t\np if { x := 1; x := 2 }').detail).toBe('var x assigned above');
  });

  it('reports conflicting rule kinds at one path', () => {
    expect(compileError('package t\np := 1\np contains 2').code).toBe('rego_type_error');
  });

  it('compiles once: a prepared query is cached per text and reused', () => {
    const policies = compile({ 'c.rego': 'package t\np := input.x' });
    const query = policies.prepare('data.t.p = x');
    expect(policies.prepare('data.t.p = x')).toBe(query);
    expect(query.evaluate({ input: { x: 1 } })).toEqual([{ x: 1 }]);
    expect(query.evaluate({ input: { x: 2 } })).toEqual([{ x: 2 }]);
  });
});
