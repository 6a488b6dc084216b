import { describe, expect, it } from 'vitest';
import { compile } from '../src/index.ts';

describe('rego public API', () => {
  const policies = compile(
    { 'api.rego': 'package api\nroles := {r | some r in input.roles}\nkeyed := {1: "one", [2]: "two"}\nlevel := data.cfg.level\nbig := 9007199254740993' },
    { data: { cfg: { level: 1 } } },
  );

  it('returns plain JSON: sets as sorted arrays, non-string keys as their JSON text', () => {
    expect(policies.evaluate('r = data.api.roles; k = data.api.keyed', { input: { roles: ['b', 'a', 'b'] } })).toEqual([
      { r: ['a', 'b'], k: { '1': 'one', '[2]': 'two' } },
    ]);
  });

  it('keeps integers beyond 2^53 as bigint', () => {
    expect(policies.evaluate('x = data.api.big')).toEqual([{ x: 9007199254740993n }]);
  });

  it('uses the compile-time data unless an evaluation passes its own', () => {
    expect(policies.evaluate('x = data.api.level')).toEqual([{ x: 1 }]);
    expect(policies.evaluate('x = data.api.level', { data: { cfg: { level: 2 } } })).toEqual([{ x: 2 }]);
  });

  it('answers an undefined query with no results and a variable-free true query with one empty row', () => {
    expect(policies.evaluate('x = data.api.missing')).toEqual([]);
    expect(policies.evaluate('data.api.level == 1')).toEqual([{}]);
  });

  it('hands print output to the caller with its location', () => {
    const printed: string[] = [];
    compile({ 'p.rego': 'package p\nq if print("hello", input.who, input.nope)' }).evaluate('data.p.q', {
      input: { who: 'you' },
      print: (message, loc) => printed.push(`${loc.file}:${loc.row} ${message}`),
    });
    expect(printed).toEqual(['p.rego:2 hello you <undefined>']);
  });
});
