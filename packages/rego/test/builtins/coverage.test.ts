/**
 * Built-in coverage against OPA's list (fixtures/opa-builtins.txt, derived from OPA's capabilities
 * file; its header names the source). Fails when OPA has a built-in we lack, when an arity or the
 * deprecated flag differs, and when a listed gap has been closed (move it out of KNOWN_GAPS).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtins } from '../../src/builtins/index.ts';
import { compile } from '../../src/index.ts';

interface Listed {
  name: string;
  arity: number | '*';
  deprecated: boolean;
}

const LISTED: Listed[] = readFileSync(new URL('./fixtures/opa-builtins.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [name, arity, flag] = line.split(' ');
    return { name: name!, arity: arity === '*' ? '*' : Number(arity), deprecated: flag === 'deprecated' };
  });

/** One rule `p`, evaluated: its value, or the compile/evaluation error text. */
function value(rule: string): unknown {
  try {
    return compile({ 'p.rego': `package t\n${rule}\n` }).evaluate('x = data.t.p')[0]?.x;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Names OPA lists that are language forms here, not registry entries: each with a check that the form works. */
const LANGUAGE_FORMS: Record<string, { why: string; rule: string; expected: unknown }> = {
  print: { why: 'print(...) is handled by the evaluator (any arity)', rule: 'p if print("x", 1)', expected: true },
  'internal.template_string': { why: 'what OPA compiles `$"..."` into; the evaluator renders template strings', rule: 'p := $"a{1 + 1}"', expected: 'a2' },
  'rego.metadata.rule': { why: 'answered by the compiler from annotations', rule: '# METADATA\n# title: T\np := rego.metadata.rule().title', expected: 'T' },
  'rego.metadata.chain': { why: 'answered by the compiler from annotations', rule: 'p := count(rego.metadata.chain())', expected: 1 },
  eq: { why: 'the call form of `=`: the compiler rewrites `eq(a, b)` to unification', rule: 'p if eq(1, 1)', expected: true },
  assign: { why: 'the call form of `:=`: the compiler rewrites `assign(x, v)` to assignment', rule: 'p if { assign(x, 1); x == 1 }', expected: true },
};

/**
 * Names OPA lists that this engine does not offer yet, each with the reason; the test checks that
 * each is still missing, so closing a gap fails it until the entry is removed.
 */
const KNOWN_GAPS: Record<string, { why: string; rule: string }> = {
  'internal.print': { why: 'what OPA compiles print() into; only print() itself is offered', rule: 'p if internal.print([{1}])' },
  'internal.test_case': { why: 'parametrised tests (`test_x[name] if ...`) belong to the test runner', rule: 'p if internal.test_case([1])' },
};

describe('built-in coverage against OPA v1.19', () => {
  it('offers every built-in OPA lists, with the same arity and deprecation', () => {
    const missing = LISTED.filter((b) => !builtins.has(b.name) && !(b.name in LANGUAGE_FORMS) && !(b.name in KNOWN_GAPS)).map((b) => b.name);
    expect(missing).toEqual([]);
    const differing = LISTED.filter((b) => builtins.has(b.name))
      .filter((b) => builtins.get(b.name)!.arity !== b.arity || (builtins.get(b.name)!.deprecated === true) !== b.deprecated)
      .map((b) => `${b.name}: OPA ${b.arity}${b.deprecated ? ' deprecated' : ''}, here ${builtins.get(b.name)!.arity}`);
    expect(differing).toEqual([]);
  });

  it('runs the language forms OPA lists as built-ins', () => {
    for (const [name, form] of Object.entries(LANGUAGE_FORMS)) expect(value(form.rule), `${name}: ${form.why}`).toEqual(form.expected);
  });

  it('still lacks only the known gaps (remove an entry once it works)', () => {
    for (const [name, gap] of Object.entries(KNOWN_GAPS)) expect(value(gap.rule), `${name}: ${gap.why}`).toMatch(/undefined function/);
  });

  it('keeps deprecated built-ins out of Rego v1 modules, as OPA does', () => {
    expect(value('p := any([true])')).toMatch(/rego_type_error: undefined function any/);
  });
});
