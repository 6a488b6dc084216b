/**
 * Issue 12, item 6: syntax OPA accepts or rejects precisely. Package paths with string segments,
 * chained rule bodies (each `{ ... }` after the first is another rule with the same head),
 * arbitrary-precision number literals, and `future.keywords.and/or` errors on the import's line.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, regoError } from './helpers.ts';

describe('syntax (item 6)', () => {
  it('package paths may have string segments: package a.b["c-d"]', () => {
    expect(evaluate('package a.b["c-d"]\np := 1', 'data.a.b = x')).toEqual([{ x: { 'c-d': { p: 1 } } }]);
    expect(evaluate({ 'x.rego': 'package a["x.y"].z\np := 2', 'y.rego': 'package q\nr := data.a["x.y"].z.p' }, 'data.q.r = x')).toEqual([{ x: 2 }]);
  });

  it('chained rule bodies are rules of the same head: p if { ... } { ... }', () => {
    const source = 'package t\ndefault p := false\np if { input.x == 1 } { input.x == 2 }';
    expect(evaluate(source, 'data.t.p = x', { input: { x: 2 } })).toEqual([{ x: true }]);
    expect(evaluate(source, 'data.t.p = x', { input: { x: 1 } })).toEqual([{ x: true }]);
    expect(evaluate(source, 'data.t.p = x', { input: { x: 3 } })).toEqual([{ x: false }]);
    const partial = 'package t\ns contains x if { x := 1 } { x := 2 }';
    expect(evaluate(partial, 'data.t.s = x')).toEqual([{ x: [1, 2] }]);
  });

  it('number literals beyond double range stay exact: 1e1000', () => {
    const [row] = evaluate('package t\np := 1e1000\nq := p / 1e999', 'data.t = x') as unknown as [{ x: { p: bigint; q: unknown } }];
    expect(row.x.p).toBe(10n ** 1000n);
    expect(row.x.q).toBe(10);
    expect(evaluate('package t\np := 1e1000 > 1e999', 'data.t.p = x')).toEqual([{ x: true }]);
  });

  it('import future.keywords.and without experimental keywords fails on the import line', () => {
    const error = regoError(() => evaluate('package t\n\nimport future.keywords.and\n\np := 1', 'data.t.p = x'));
    expect(error.message).toBe('test.rego:3:8: rego_parse_error: unexpected keyword, must be one of [contains every if in not]');
    const or = regoError(() => evaluate('package t\nimport future.keywords.or\np := 1', 'data.t.p = x'));
    expect(or.message).toMatch(/^test\.rego:2:8: rego_parse_error: /);
  });
});
