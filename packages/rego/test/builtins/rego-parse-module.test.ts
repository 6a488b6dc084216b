/**
 * rego.parse_module returns OPA's AST JSON (v1/ast/policy.go and term.go MarshalJSON, default
 * options: no locations) as a Rego value. Expected shapes are written from those marshallers.
 */
import { describe, expect, it } from 'vitest';
import { regoBuiltins } from '../../src/builtins/rego.ts';
import { compile } from '../../src/index.ts';
import { toJson } from '../../src/value.ts';
import { caller } from './call.ts';
import { failure } from './failure.ts';

const call = caller(regoBuiltins);
const parse = (source: string): any => toJson(call('rego.parse_module', 'x.rego', source)!);
const v = (name: string) => ({ type: 'var', value: name });
const s = (text: string) => ({ type: 'string', value: text });
const n = (value: number) => ({ type: 'number', value });
const op = (...path: string[]) => ({ type: 'ref', value: [v(path[0]!), ...path.slice(1).map(s)] });
const TRUE_BODY = [{ index: 0, terms: { type: 'boolean', value: true } }];

describe('rego.parse_module - OPA AST JSON', () => {
  it('package, imports and a constant rule (generated body `true`)', () => {
    expect(parse('package a.b\nimport data.x.y as z\nimport input\np := 1\n')).toEqual({
      package: { path: [v('data'), s('a'), s('b')] },
      imports: [{ path: { type: 'ref', value: [v('data'), s('x'), s('y')] }, alias: 'z' }, { path: { type: 'ref', value: [v('input')] } }],
      rules: [{ head: { name: 'p', ref: [v('p')], value: n(1), assign: true }, body: TRUE_BODY }],
    });
  });

  it('rule heads: value true when absent, contains keys, function args, ref heads without a name, default, else', () => {
    const { rules } = parse('package p\nallow if input.x\nq contains 1 if true\nf(x) = x + 1\na.b[c] := 2 if c := "k"\ndefault d := false\ng(1) := "one" else := "other"\n');
    expect(rules[0].head).toEqual({ name: 'allow', ref: [v('allow')], value: { type: 'boolean', value: true } });
    expect(rules[0].body).toEqual([{ index: 0, terms: { type: 'ref', value: [v('input'), s('x')] } }]);
    expect(rules[1].head).toEqual({ name: 'q', ref: [v('q')], key: n(1) });
    expect(rules[2].head).toEqual({ name: 'f', ref: [v('f')], args: [v('x')], value: { type: 'call', value: [op('plus'), v('x'), n(1)] } });
    expect(rules[3].head).toEqual({ ref: [v('a'), s('b'), v('c')], value: n(2), assign: true });
    expect(rules[4]).toEqual({ head: { name: 'd', ref: [v('d')], value: { type: 'boolean', value: false }, assign: true }, body: TRUE_BODY, default: true });
    expect(rules[5].else).toEqual({ head: { name: 'g', ref: [v('g')], args: [n(1)], value: s('other'), assign: true }, body: TRUE_BODY });
  });

  it('expressions: calls as [operator, args...], = and := as eq/assign, not, with, some, some-in, every', () => {
    const [rule] = parse(
      'package p\nr if {\n\tx := count([1])\n\tx = 1\n\tnot io.jwt.decode(x) with input as {}\n\tsome y\n\tsome k, w in [1]\n\tevery e in [1] { e > 0 }\n}\n',
    ).rules;
    expect(rule.body).toEqual([
      { index: 0, terms: [op('assign'), v('x'), { type: 'call', value: [op('count'), { type: 'array', value: [n(1)] }] }] },
      { index: 1, terms: [op('eq'), v('x'), n(1)] },
      { index: 2, terms: [op('io', 'jwt', 'decode'), v('x')], negated: true, with: [{ target: v('input'), value: { type: 'object', value: [] } }] },
      { index: 3, terms: { symbols: [v('y')] } },
      { index: 4, terms: { symbols: [{ type: 'call', value: [op('internal', 'member_3'), v('k'), v('w'), { type: 'array', value: [n(1)] }] }] } },
      { index: 5, terms: { key: null, value: v('e'), domain: { type: 'array', value: [n(1)] }, body: [{ index: 0, terms: [op('gt'), v('e'), n(0)] }] } },
    ]);
  });

  it('names wildcards $0, $1, ... in source order and sorts sets and objects in term order', () => {
    const [rule] = parse('package p\nr := [x | x := input[_][_]; y := {"b": 1, "a": 2, 3: {2, "z", 1, null}}]\n').rules;
    const [comprehension] = [rule.head.value];
    expect(comprehension.type).toBe('arraycomprehension');
    expect(comprehension.value.body[0].terms[2]).toEqual({ type: 'ref', value: [v('input'), v('$0'), v('$1')] });
    expect(comprehension.value.body[1].terms[2].value).toEqual([
      [n(3), { type: 'set', value: [{ type: 'null', value: null }, n(1), n(2), s('z')] }],
      [s('a'), n(2)],
      [s('b'), n(1)],
    ]);
  });

  it('keeps comments as OPA marshals them (Location, base64 Text)', () => {
    expect(parse('package p\n# hi\np := 1 # there\n').comments).toEqual([
      { Location: { file: 'x.rego', row: 2, col: 1 }, Text: Buffer.from(' hi').toString('base64') },
      { Location: { file: 'x.rego', row: 3, col: 8 }, Text: Buffer.from(' there').toString('base64') },
    ]);
  });

  it('fails the call on a parse error with OPA\'s text', () => {
    expect(failure(() => call('rego.parse_module', 'x.rego', 'package foo.'))).toBe(
      'eval_builtin_error: rego.parse_module: 1 error occurred: x.rego:1:13: rego_parse_error: unexpected eof token: expected ident',
    );
  });

  it('serves a linter-style policy that walks the AST', () => {
    const policies = compile({
      'lint.rego': `package lint
test_outside_test_package contains name if {
	module := rego.parse_module("m.rego", input.source)
	not endswith(module["package"].path[count(module["package"].path) - 1].value, "_test")
	some rule in module.rules
	name := rule.head.name
	startswith(name, "test_")
}`,
    });
    const source = 'package app\ntest_a if true\nallow if true\ntest_b if false\n';
    expect(policies.evaluate('x = data.lint.test_outside_test_package', { input: { source } })).toEqual([{ x: ['test_a', 'test_b'] }]);
  });
});
