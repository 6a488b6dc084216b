import { describe, expect, it } from 'vitest';
import type { Value } from '../../src/value.ts';
import { regexBuiltins } from '../../src/builtins/regex.ts';
import { caller } from './call.ts';
import { failure as failureOf } from './failure.ts';

const call = caller(regexBuiltins);
const failure = (name: string, ...args: Value[]) => failureOf(() => call(name, ...args));

describe('regex - RE2 syntax and Go semantics', () => {
  it('matches like Go regexp', () => {
    expect(call('regex.match', '^[a-z]+\\[[0-9]+\\]$', 'foo[1]')).toBe(true);
    expect(call('regex.match', '', 'x')).toBe(true);
    expect(call('regex.match', '^$', 'something')).toBe(false);
    expect(call('regex.match', '(?i)^ABC$', 'abc')).toBe(true);
    expect(call('regex.match', '^\\Qa.b\\E$', 'a.b')).toBe(true);
    expect(call('regex.match', '^\\Qa.b\\E$', 'axb')).toBe(false);
    expect(call('regex.match', '^(?P<word>\\w+)$', 'hello')).toBe(true);
    expect(call('regex.match', '^[[:alpha:]]+$', 'abcXYZ')).toBe(true);
    expect(call('regex.match', '^\\pL+$', 'héllo')).toBe(true);
    expect(call('regex.match', '^a{,2}$', 'a{,2}')).toBe(true);
    expect(call('regex.match', '^[]a]+$', ']a]')).toBe(true);
    expect(call('regex.match', '\\s', '\u00a0')).toBe(false);
    expect(call('regex.match', '^\\x{41}\\101$', 'AA')).toBe(true);
  });

  it('matches in linear time: nested quantifiers over hostile input do not backtrack', () => {
    const hostile = `${'a'.repeat(20000)}b`;
    const started = performance.now();
    expect(call('regex.match', '^(a+)+$', hostile)).toBe(false);
    expect(call('regex.match', '^(a|aa)*$', hostile)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses what RE2 refuses, even where JS accepts it', () => {
    expect(failure('regex.match', '$^[[[', 'x')).toBe('eval_builtin_error: regex.match: error parsing regexp: missing closing ]: `[[[`');
    expect(failure('regex.match', '(a)\\1', 'aa')).toContain('invalid escape sequence');
    expect(failure('regex.match', 'a(?=b)', 'ab')).toContain('invalid or unsupported Perl syntax');
    expect(call('regex.is_valid', '++')).toBe(false);
    expect(call('regex.is_valid', 10)).toBe(false);
    expect(call('regex.is_valid', '[a-z]+')).toBe(true);
  });

  it('splits, finds and replaces with Go empty-match rules', () => {
    expect(call('regex.split', '^[a-z ]+$', 'foobar baz')).toEqual(['', '']);
    expect(call('regex.split', '[a-z]+$', 'foobar baz')).toEqual(['foobar ', '']);
    expect(call('regex.split', 'z+', 'pizza')).toEqual(['pi', 'a']);
    expect(call('regex.split', 'x*', 'abc')).toEqual(['a', 'b', 'c']);
    expect(call('regex.split', 'a', 'banana')).toEqual(['b', 'n', 'n', '']);
    expect(call('regex.split', '', '')).toEqual([]);
    expect(call('regex.split', 'x', '')).toEqual(['']);
    expect(call('regex.find_n', 'a.', 'paranormal', 2)).toEqual(['ar', 'an']);
    expect(call('regex.find_n', 'a*', 'baaab', -1)).toEqual(['', 'aaa', '']);
    expect(call('regex.find_all_string_submatch_n', 'a(x*)b', '-ab-axb-', -1)).toEqual([['ab', ''], ['axb', 'x']]);
    expect(call('regex.replace', '-wy-wxxy-', 'w(x*)y', '0')).toBe('-0-0-');
    expect(call('regex.replace', 'foo', '(foo)', '$1$1')).toBe('foofoo');
    expect(call('regex.replace', 'foo barx', '[a-z]{2}', '_')).toBe('_o __');
    expect(call('regex.replace', 'abc', 'x*', '-')).toBe('-a-b-c-');
    expect(call('regex.replace', 'ab', '(?P<l>a)', '${l}$$')).toBe('a$b');
  });

  it('matches templates with delimited patterns', () => {
    expect(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}')).toBe(true);
    expect(call('regex.template_match', 'urn:foo.{[0-9]+}', 'urn:fooX12', '{', '}')).toBe(false);
  });
});

describe('regex.globs_match - glob intersection', () => {
  it('decides whether two globs share a string', () => {
    expect(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z')).toBe(true);
    expect(call('regex.globs_match', '[a-z]+', '[0-9]*')).toBe(false);
    expect(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo["bar"]')).toBe(false);
    expect(call('regex.globs_match', 'a*', 'b*')).toBe(true);
  });

  it('reports invalid globs with the library message', () => {
    expect(failure('regex.globs_match', 'pqrs]', '[a-b]+')).toBe(
      "eval_builtin_error: regex.globs_match: input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid",
    );
  });
});
