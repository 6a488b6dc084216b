import { describe, expect, it } from 'vitest';
import type { Value } from '../../src/value.ts';
import { RObject, RSet } from '../../src/value.ts';
import { stringBuiltins } from '../../src/builtins/strings.ts';
import { caller } from './call.ts';
import { failure as failureOf } from './failure.ts';

const call = caller(stringBuiltins);
const failure = (name: string, ...args: Value[]) => failureOf(() => call(name, ...args));

describe('sprintf - Go fmt over Rego values', () => {
  it('formats strings, padded ints and fixed-point floats', () => {
    expect(call('sprintf', 'hi %s', ['there'])).toBe('hi there');
    expect(call('sprintf', 'hi %02d', [5])).toBe('hi 05');
    expect(call('sprintf', 'hi %.2f', [3.1415])).toBe('hi 3.14');
    expect(call('sprintf', 'hi', [])).toBe('hi');
  });

  it('writes booleans and composites as Rego text', () => {
    expect(call('sprintf', 'hi %s', [true])).toBe('hi true');
    expect(call('sprintf', 'hi %v', [['there', 5, 3.14]])).toBe('hi ["there", 5, 3.14]');
    expect(call('sprintf', '%v', [RObject.fromEntries([['b', 1], ['a', RSet.of([2, 1])]])])).toBe('{"a": {1, 2}, "b": 1}');
    expect(call('sprintf', '%v', [new RSet()])).toBe('set()');
  });

  it('keeps big integers exact, as *big.Int', () => {
    expect(call('sprintf', '%s', [123456789123456789123n])).toBe('123456789123456789123');
    expect(call('sprintf', '%d', [18446744073709551618n])).toBe('18446744073709551618');
    expect(call('sprintf', '%x', [255])).toBe('ff');
  });

  it('reports verb/type mismatches, missing and extra operands as Go does', () => {
    expect(call('sprintf', '%d', [1.5])).toBe('%!d(float64=1.5)');
    expect(call('sprintf', '%s', [5])).toBe('%!s(int=5)');
    expect(call('sprintf', '%s %s', ['a'])).toBe('a %!s(MISSING)');
    expect(call('sprintf', '%s', ['a', 1])).toBe('a%!(EXTRA int=1)');
  });

  it('prints floats with %v as Go %g (exponent from 1e+06)', () => {
    expect(call('sprintf', '%v', [1234567.5])).toBe('1.2345675e+06');
    expect(call('sprintf', '%v', [0.0001])).toBe('0.0001');
    expect(call('sprintf', '%v', [3.5])).toBe('3.5');
    expect(call('sprintf', '%e', [1234.5])).toBe('1.234500e+03');
    expect(call('sprintf', '%-5s|%5s', ['ab', 'cd'])).toBe('ab   |   cd');
    expect(call('sprintf', '%q', ['a"b'])).toBe('"a\\"b"');
    expect(call('sprintf', '%T %T %T %T', ['a', 1, 1.5, 18446744073709551616n])).toBe('string int float64 *big.Int');
    expect(call('sprintf', '%#v %U', ['a', 65])).toBe('"a" U+0041');
  });
});

describe('string built-ins', () => {
  it('index and slice by code point', () => {
    expect(call('indexof', 'skön var våren', 'vår')).toBe(9);
    expect(call('indexof', '\u{1F367}\u{1F368}\u{1F9C1}\u{1F370}\u{1F36E}', '\u{1F36E}')).toBe(4);
    expect(call('indexof', 'μ', 'μμ')).toBe(-1);
    expect(call('substring', 'abcdefghåäö', 2, 10000)).toBe('cdefghåäö');
    expect(call('substring', 'åäö', 3, -1)).toBe('');
    expect(failure('substring', 'aaa', -1, -1)).toBe('eval_builtin_error: substring: negative offset');
    expect(call('strings.reverse', '1\u{1F600}\u{1D6FE}')).toBe('\u{1D6FE}\u{1F600}1');
    expect(failure('strings.reverse', 123)).toBe('eval_type_error: reverse: operand 1 must be string but got number');
  });

  it('formats integers exactly in every base, truncating decimals', () => {
    expect(call('format_int', 15.5, 16)).toBe('f');
    expect(call('format_int', -15.9, 16)).toBe('-f');
    expect(call('format_int', 18446744073709551617n, 2)).toBe('1'.padEnd(64, '0') + '1');
    expect(failure('format_int', 4.1, 199)).toContain('operand 2 must be one of {2, 8, 10, 16}');
  });

  it('splits, counts, replaces and trims as Go strings does', () => {
    expect(call('split', 'test', '')).toEqual(['t', 'e', 's', 't']);
    expect(call('split', '', '')).toEqual([]);
    expect(call('split', '', '.')).toEqual(['']);
    expect(call('strings.split_n', 'a.b.c.d', '.', 2)).toEqual(['a', 'b']);
    expect(call('strings.split_n', 'a.b.c.d', '.', -2)).toEqual(['c', 'd']);
    expect(call('strings.split_n', 'abc', '', -2)).toEqual(['b', 'c']);
    expect(failure('strings.split_n', 'a.b', '.', 1.5)).toBe('eval_type_error: strings.split_n: operand 3 must be integer number but got floating-point number');
    expect(call('strings.count', 'dummy', '')).toBe(6);
    expect(call('strings.count', '11111', '11')).toBe(2);
    expect(call('replace', 'foo...bar', '..', ',,')).toBe('foo,,.bar');
    expect(call('trim', '...foo.bar...', '.fr')).toBe('oo.ba');
    expect(call('trim_left', '¡¡¡foo, bar!!!', '!¡')).toBe('foo, bar!!!');
    expect(call('trim_space', ' \t\n foo, bar \n\t\r\n')).toBe('foo, bar');
    expect(call('concat', '/', RSet.of(['b', 'a']))).toBe('a/b');
  });

  it('replace_n tries patterns in key order at each position', () => {
    expect(call('strings.replace_n', RObject.fromEntries([['foo', 'xxx'], ['f', 'x']]), 'foobar')).toBe('xoobar');
    expect(call('strings.replace_n', RObject.fromEntries([['<', '&lt;'], ['>', '&gt;']]), '<b>')).toBe('&lt;b&gt;');
    expect(failure('strings.replace_n', RObject.fromEntries([[2, 'x']]), 'foo')).toBe('eval_type_error: strings.replace_n: operand 1 non-string key found in pattern object');
  });

  it('any_prefix_match and any_suffix_match take strings or collections', () => {
    expect(call('strings.any_prefix_match', 'foo/bar', ['bar', 'foo/'])).toBe(true);
    expect(call('strings.any_suffix_match', RSet.of(['a.txt', 'b.md']), '.md')).toBe(true);
    expect(call('strings.any_prefix_match', 'foo', 'bar')).toBe(false);
  });
});

describe('indexof_n', () => {
  it('reports overlapping code-point offsets', () => {
    expect(call('indexof_n', 'dogcatdogcat', 'cat')).toEqual([3, 9]);
    expect(call('indexof_n', '\u{1F607}\u{1F600}\u{1F607}\u{1F600}', '\u{1F600}')).toEqual([1, 3]);
    expect(call('indexof_n', 'aaa', 'aa')).toEqual([0, 1]);
    expect(failure('indexof_n', 'abc', '')).toBe('eval_builtin_error: indexof_n: empty search character');
  });
});

describe('sprintf - bounded widths', () => {
  it('refuses widths and precisions beyond 1e6 as Go does', () => {
    expect(call('sprintf', '%99999999d', [1])).toBe('%!(NOVERB)%!(EXTRA int=1)');
    expect(call('sprintf', '%*d', [99999999, 1])).toBe('%!(BADWIDTH)1');
    expect(call('sprintf', '%.*f', [99999999, 1.5])).toBe('%!(BADPREC)1.500000');
    expect(call('sprintf', '%*d|', [3, 7])).toBe('  7|');
  });
});

describe('lower and upper - Go simple case mapping', () => {
  it('maps one code point at a time', () => {
    expect(call('upper', 'straße')).toBe('STRAßE');
    expect(call('lower', 'ΟΔΟΣ')).toBe('οδοσ');
    expect(call('lower', 'İstanbul')).toBe('istanbul');
    expect(call('upper', 'AbCdEf')).toBe('ABCDEF');
    expect(call('lower', 'ÅÄÖ')).toBe('åäö');
  });
});
