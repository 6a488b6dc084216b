import { describe, expect, it } from 'vitest';
import { parseModule, parseQueryText } from '../src/parser/module.ts';
import { RegoError } from '../src/errors.ts';

function parseError(source: string): RegoError {
  try {
    parseModule('p.rego', source);
  } catch (error) {
    if (error instanceof RegoError) return error;
    throw error;
  }
  throw new Error('expected a parse error');
}

describe('rego parser', () => {
  it('reads package, imports and every rule form with locations', () => {
    const module = parseModule(
      'a.rego',
      [
        'package a.b',
        'import rego.v1',
        'import data.lib.users as u',
        'default allow := false',
        'allow if input.user == "root"',
        'roles contains r if some r in input.roles',
        'by_name[n] := x if { some x in input.items; n := x.name }',
        'a.b.c := 1',
        'f(x) := y if { y := x + 1 } else := 0',
      ].join('\n'),
    );
    expect(module.pkg).toEqual(['a', 'b']);
    expect(module.imports.map((i) => i.alias)).toEqual([undefined, 'u']);
    expect(module.rules).toHaveLength(6);
    const [defaults, allow, roles, byName, refHead, f] = module.rules;
    expect(defaults!.isDefault).toBe(true);
    expect(allow!.loc).toEqual({ file: 'a.rego', row: 5, col: 1 });
    expect(roles!.head.key).toMatchObject({ type: 'var', name: 'r' });
    expect(byName!.head.ref).toMatchObject({ type: 'ref', path: [{ type: 'var', name: 'n' }] });
    expect(refHead!.head.ref).toMatchObject({ type: 'ref', path: [{ value: 'b' }, { value: 'c' }] });
    expect(f!.head.args).toHaveLength(1);
    expect(f!.else?.head.value).toMatchObject({ type: 'scalar', value: 0 });
  });

  it('keeps integers beyond 2^53 exact and parses raw strings and templates', () => {
    const [expr] = parseQueryText('x := [18446744073709551617, `a\\b`, $"v={input.v}"]');
    expect(expr).toMatchObject({
      kind: 'unify',
      rhs: { type: 'array', items: [{ value: 18446744073709551617n }, { value: 'a\\b' }, { type: 'template', parts: ['v=', { type: 'ref' }] }] },
    });
  });

  it('gives infix operators OPA precedence: `in` < relations < | < & < + - < * / %', () => {
    const [expr] = parseQueryText('1 + 2 * 3 == 7');
    expect(expr).toMatchObject({ kind: 'term', term: { name: 'equal', args: [{ name: 'plus', args: [{ value: 1 }, { name: 'mul' }] }, { value: 7 }] } });
  });

  it('reads a ref part by part in order, a call in it starting a new ref', () => {
    const [expr] = parseQueryText('input.a[b].c[0]');
    expect(expr).toMatchObject({ kind: 'term', term: { type: 'ref', head: { name: 'input' }, path: [{ value: 'a' }, { name: 'b' }, { value: 'c' }, { value: 0 }] } });
    const [called] = parseQueryText('f(x).a.b');
    expect(called).toMatchObject({ kind: 'term', term: { type: 'ref', head: { type: 'call', name: 'f' }, path: [{ value: 'a' }, { value: 'b' }] } });
    const [long] = parseQueryText(`input${'.k'.repeat(5_000)}`);
    expect(long).toMatchObject({ term: { type: 'ref' } });
    expect((long as { term: { path: unknown[] } }).term.path).toHaveLength(5_000);
  });

  it('negates a literal once, as OPA does: `not not x` is a parse error', () => {
    expect(parseError('package p\nx if { not not false }').message).toBe('p.rego:2:12: rego_parse_error: unexpected not keyword');
    const andOperand = () => parseModule('p.rego', 'package p\nimport future.keywords.and\nx if { true and not not false }', { experimentalKeywords: true });
    expect(andOperand).toThrow('p.rego:3:21: rego_parse_error: unexpected not keyword');
  });

  it('treats keywords followed by a dot as names (data.foo.not.bar)', () => {
    const module = parseModule('k.rego', 'package foo.not.bar\nnot.x := 1');
    expect(module.pkg).toEqual(['foo', 'not', 'bar']);
    expect(module.rules[0]!.head.ref).toMatchObject({ head: { name: 'not' } });
  });

  it('reports parse errors as file:row:col: rego_parse_error', () => {
    const error = parseError('package p\n\nallow if {\n  x := \n}');
    expect(error.code).toBe('rego_parse_error');
    expect(error.message).toMatch(/^p\.rego:5:1: rego_parse_error: unexpected } token/);
    expect(parseError('allow := 1').message).toBe('p.rego:1:1: rego_parse_error: unexpected ident token, expected package');
    expect(parseError('package p\nx := "abc').message).toBe('p.rego:2:6: rego_parse_error: non-terminated string');
  });

  it('requires Rego v1 syntax: `if` before bodies, no else on multi-value rules', () => {
    expect(parseError('package p\nallow { true }').message).toBe('p.rego:2:7: rego_parse_error: `if` keyword is required before rule body (Rego v0 syntax: compile with the v0-compatible option, `--v0-compatible`)');
    expect(parseError('package p\nq contains 1 if false else true').detail).toBe('else keyword cannot be used on multi-value rules');
  });

  it('rejects the experimental keywords unless enabled', () => {
    expect(parseError('package p\nimport future.keywords.and\n').message).toBe('p.rego:2:8: rego_parse_error: unexpected keyword, must be one of [contains every if in not]');
    expect(parseModule('p.rego', 'package p\nimport future.keywords.and\np if { input.a and { input.b } }', { experimentalKeywords: true }).rules[0]!.body[0]!.kind).toBe('and');
  });

  it('attaches METADATA comment blocks to the package and the rule below them', () => {
    const module = parseModule(
      'm.rego',
      ['# METADATA', '# description: pkg docs', 'package m', '', '# METADATA', '# title: Allow', '# authors:', '# - Ann <ann@example.com>', 'allow := true'].join('\n'),
    );
    expect(module.annotations).toEqual([{ scope: 'package', description: 'pkg docs' }]);
    expect(module.rules[0]!.annotations).toEqual([{ scope: 'rule', title: 'Allow', authors: [{ name: 'Ann', email: 'ann@example.com' }] }]);
  });

  it('parses with modifiers inside template expressions', () => {
    const [expr] = parseQueryText('x := $"v={input.a with input as {"a": 1}}"');
    expect(expr).toMatchObject({ kind: 'unify', rhs: { type: 'template', parts: ['v=', { type: 'with', term: { type: 'ref' }, with: [{ target: { name: 'input' } }] }] } });
  });
});
