import { describe, expect, it } from 'vitest';
import { compile } from '../src/index.ts';
import { RegoError } from '../src/errors.ts';

function evaluate(source: string, query: string, options: { input?: unknown; data?: unknown; strict?: boolean } = {}) {
  return compile({ 'test.rego': source }, { data: options.data ?? {} }).evaluate(query, options);
}

function evalError(source: string, query: string, options: { input?: unknown; strict?: boolean } = {}): RegoError {
  try {
    evaluate(source, query, options);
  } catch (error) {
    if (error instanceof RegoError) return error;
    throw error;
  }
  throw new Error('expected an evaluation error');
}

describe('rego evaluator', () => {
  it('evaluates complete, partial set, partial object and function rules', () => {
    const source = `package t
default allow := false
allow if { some r in input.roles; r == data.admin }
names contains n if some n in ["b", "a", "b"]
sizes[k] := count(v) if some k, v in {"x": [1, 2], "y": []}
inc(x) := x + 1
two := inc(1)`;
    expect(evaluate(source, 'data.t = x', { input: { roles: ['dev', 'root'] }, data: { admin: 'root' } })).toEqual([
      { x: { allow: true, names: ['a', 'b'], sizes: { x: 2, y: 0 }, two: 2 } },
    ]);
    expect(evaluate(source, 'data.t.allow = x', { input: { roles: [] }, data: { admin: 'root' } })).toEqual([{ x: false }]);
  });

  it('enumerates every solution of a query and reports each variable', () => {
    expect(evaluate('package t', 'some i, x in [10, 20]; y := x * 2')).toEqual([
      { i: 0, x: 10, y: 20 },
      { i: 1, x: 20, y: 40 },
    ]);
  });

  it('reorders expressions for safety and unifies composites both ways', () => {
    expect(evaluate('package t\np := [a, b] if { a > 1; [a, 2] = [3, b] }', 'data.t.p = x')).toEqual([{ x: [3, 2] }]);
  });

  it('keeps big integers exact', () => {
    expect(evaluate('package t', 'x := 18446744073709551615 + 2')).toEqual([{ x: 18446744073709551617n }]);
  });

  it('applies else chains in order and falls back to default', () => {
    const source = 'package t\ndefault f(_) := "none"\nf(x) := "big" if x > 10 else := "small" if x > 0';
    expect(evaluate(source, 'a := data.t.f(20); b := data.t.f(1); c := data.t.f(-1)')).toEqual([{ a: 'big', b: 'small', c: 'none' }]);
  });

  it('replaces input, data and functions with `with`', () => {
    const source = `package t
p if input.x == 1
q := data.cfg.level
r := count([1, 2, 3])
mock(_) := 42`;
    expect(evaluate(source, 'a = data.t.p with input as {"x": 1}; b = data.t.q with data.cfg.level as 7; c = data.t.r with count as data.t.mock')).toEqual([
      { a: true, b: 7, c: 42 },
    ]);
  });

  it('raises eval_conflict_error with OPA messages', () => {
    expect(evalError('package t\np := x if some x in [1, 2]', 'data.t.p = x').message).toBe(
      'test.rego:2: eval_conflict_error: complete rules must not produce multiple outputs',
    );
    expect(evalError('package t\nf(_) := x if some x in [1, 2]', 'data.t.f(1) = x').detail).toBe('functions must not produce multiple outputs for same inputs');
    expect(evalError('package t\np[k] := v if some k, v in [["a", 1], ["a", 2]][_]', 'data.t.p = x').detail).toBe('object keys must be unique');
  });

  it('makes failing built-ins undefined, or the first error in strict mode', () => {
    const source = 'package t\np := 1 / 0';
    expect(evaluate(source, 'data.t.p = x')).toEqual([]);
    const error = evalError(source, 'data.t.p = x', { strict: true });
    expect(error.code).toBe('eval_builtin_error');
    expect(error.message).toBe('test.rego:2: eval_builtin_error: div: divide by zero');
    // A string known at compile time would be a type error (`plus: invalid argument(s)`); from input it is known only here.
    expect(evalError('package t\np := input.s + 1', 'data.t.p = x', { strict: true, input: { s: 'a' } }).message).toBe(
      'test.rego:2: eval_type_error: plus: operand 1 must be number but got string',
    );
  });

  it('evaluates every, not, comprehensions and set operators', () => {
    const source = `package t
all_pos if every x in input.xs { x > 0 }
none_neg if not input.xs[_] < 0
evens := {x | some x in input.xs; x % 2 == 0}
both := {1, 2, 3} & {2, 3, 4}
diff := {1, 2, 3} - {2}`;
    expect(evaluate(source, 'data.t = x', { input: { xs: [1, 2, 4] } })).toEqual([
      { x: { all_pos: true, none_neg: true, evens: [2, 4], both: [2, 3], diff: [1, 3] } },
    ]);
  });

  it('selects rules through the input index without changing results', () => {
    const rules = ['package t'];
    for (let i = 0; i < 6; i++) rules.push(`deny contains "tool ${i}" if {\n  input.tool == "t${i}"\n  input.n > ${i}\n}`);
    rules.push('deny contains "always" if input.n > 100', 'deny contains "number" if input.tool == 1.0');
    const policies = compile({ 'i.rego': rules.join('\n') });
    const deny = (input: unknown) => policies.evaluate('x = data.t.deny', { input })[0]?.x;
    expect(deny({ tool: 't3', n: 5 })).toEqual(['tool 3']);
    expect(deny({ tool: 't3', n: 1 })).toEqual([]);
    expect(deny({ tool: 'other', n: 500 })).toEqual(['always']);
    expect(deny({ tool: 1, n: 0 })).toEqual(['number']);
    expect(deny({ n: 500 })).toEqual(['always']);
    expect(policies.evaluate('x = data.t.deny with input.tool as "t0" with input.n as 1')).toEqual([{ x: ['tool 0'] }]);
  });

  it('makes every undefined over an undefined or scalar domain and true over an empty one', () => {
    const source = 'package t\nmissing if every x in input.nope { x > 0 }\nscalar if every x in 3 { x > 0 }\nempty if every x in [] { x > 0 }';
    expect(evaluate(source, 'x = data.t', { input: {} })).toEqual([{ x: { empty: true } }]);
  });
});
