import { describe, expect, it } from 'vitest';
import { compile } from '../src/index.ts';
import { RegoError } from '../src/errors.ts';

describe('rego limits', () => {
  it('stops an evaluation that exceeds its step budget with eval_budget_error', () => {
    const policies = compile({ 'l.rego': 'package t\np := count([1 | some a in numbers.range(1, 100); some b in numbers.range(1, 100)])' }, { limits: { maxSteps: 1000 } });
    let error: unknown;
    try {
      policies.evaluate('data.t.p = x');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(RegoError);
    expect((error as RegoError).code).toBe('eval_budget_error');
    expect((error as RegoError).detail).toBe('evaluation step budget of 1000 exceeded');
  });

  it('stops deep nesting of rule evaluation with eval_budget_error', () => {
    const policies = compile({ 'l.rego': 'package t\na := b\nb := c\nc := 1' }, { limits: { maxDepth: 2 } });
    expect(() => policies.evaluate('data.t.a = x')).toThrow(/evaluation depth limit of 2 exceeded/);
  });

  it('refuses a policy nested deeper than the parse depth limit', () => {
    const deep = `package t\np := ${'['.repeat(50)}1${']'.repeat(50)}`;
    expect(() => compile({ 'd.rego': deep }, { limits: { maxParseDepth: 20 } })).toThrow(/d\.rego:2:\d+: rego_parse_error: nesting deeper than 20 levels/);
    expect(compile({ 'd.rego': deep }).evaluate('data.t.p = x')).toHaveLength(1);
  });

  // Chains nest the tree without brackets: each operator and each `else` counts as a level, so
  // 50,000 of them are a parse error naming the place, where they overflowed the compiler's stack.
  it.each([
    ['+', `p := 1${' + 1'.repeat(50_000)}`],
    ['*', `p := 1${' * 1'.repeat(50_000)}`],
    ['|', `p := {1}${' | {1}'.repeat(50_000)}`],
    ['&', `p := {1}${' & {1}'.repeat(50_000)}`],
    ['==', `p if { 1${' == 1'.repeat(50_000)} }`],
    ['in', `p if { 1${' in [1]'.repeat(50_000)} }`],
    ['else', `p := 1 if { false }${' else := 1 if { false }'.repeat(20_000)}`],
  ])('refuses a chain of %s too long for the depth limit, naming the place', (_operator, rule) => {
    expect(() => compile({ 'c.rego': `package t
${rule}` })).toThrow(/c\.rego:2:\d+: rego_parse_error: nesting deeper than 200 levels/);
  });

  it('evaluates chains within the limit like the nested form', () => {
    const policies = compile({ 'c.rego': `package t
sum := 0${' + 1'.repeat(150)}
first := 1 if { false }${' else := 2 if { false }'.repeat(100)} else := 3` });
    expect(policies.evaluate('x = data.t.sum')).toEqual([{ x: 150 }]);
    expect(policies.evaluate('x = data.t.first')).toEqual([{ x: 3 }]);
  });

  it('turns JS stack exhaustion under a generous depth limit into eval_budget_error', () => {
    const rules = ['package t'];
    for (let i = 0; i < 3000; i++) rules.push(`r${i} := r${i + 1} + 1`);
    rules.push('r3000 := 0');
    const policies = compile({ 's.rego': rules.join('\n') }, { limits: { maxDepth: 100_000 } });
    expect(() => policies.evaluate('data.t.r0 = x')).toThrow(/eval_budget_error: evaluation nested too deeply/);
  });
});
