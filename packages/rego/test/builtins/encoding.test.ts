import { describe, expect, it } from 'vitest';
import { encodingBuiltins } from '../../src/builtins/encoding.ts';
import { RObject, RSet, toJson } from '../../src/value.ts';
import { caller } from './call.ts';

const call = caller(encodingBuiltins);

describe('base64', () => {
  it('round-trips and validates as Go does', () => {
    expect(call('base64.encode', 'subjects?_d')).toBe('c3ViamVjdHM/X2Q=');
    expect(call('base64.decode', 'c3ViamVjdHM/X2Q=')).toBe('subjects?_d');
    expect(call('base64.is_valid', "{'not':'base64'}")).toBe(false);
    expect(call('base64.is_valid', 'aGVsbG8')).toBe(false);
    expect(() => call('base64.decode', 'aGV^bG8=')).toThrow('base64.decode: illegal base64 data at input byte 3');
  });
  it('decodes base64url with or without padding', () => {
    expect(call('base64url.decode', 'aGVsbG8=')).toBe('hello');
    expect(call('base64url.decode', 'aGVsbG8')).toBe('hello');
    expect(call('base64url.encode_no_pad', 'hello')).toBe('aGVsbG8');
    expect(call('base64url.encode', '\xff\xfe')).toBe('w7_Dvg==');
    expect(() => call('base64url.decode', 'aGVsb')).toThrow('illegal base64url string');
  });
});

describe('hex and urlquery', () => {
  it('encodes like Go', () => {
    expect(call('hex.decode', '6c6f72656d')).toBe('lorem');
    expect(() => call('hex.decode', 'zz')).toThrow("invalid byte: U+007A 'z'");
    expect(() => call('hex.decode', 'aé')).toThrow("invalid byte: U+00C3 'Ã'");
    expect(() => call('hex.decode', 'a\n')).toThrow(/invalid byte: U\+000A$/);
    expect(() => call('hex.decode', 'abc')).toThrow('odd length hex string');
    expect(call('urlquery.encode', "a=b+1 c!")).toBe('a%3Db%2B1+c%21');
    expect(call('urlquery.decode', 'a%3Db%2B1+c')).toBe('a=b+1 c');
    expect(call('urlquery.encode_object', RObject.fromEntries([['c', 'd'], ['a', RSet.of(['b+1'])]]))).toBe('a=b%2B1&c=d');
    expect(toJson(call('urlquery.decode_object', 'a=1&b=2&a=3')!)).toEqual({ a: ['1', '3'], b: ['2'] });
    expect(() => call('urlquery.decode_object', 'a=1;b=2')).toThrow('invalid semicolon separator in query');
    expect(call('urlquery.decode', '%C3%A9%ff')).toBe('é\ufffd');
    expect(() => call('urlquery.decode', 'a%zz')).toThrow('invalid URL escape "%zz"');
  });
});

describe('json', () => {
  it('keeps big integers exact and escapes HTML like Go', () => {
    expect(call('json.unmarshal', '[18446744073709551617, 1.5]')).toEqual([18446744073709551617n, 1.5]);
    expect(call('json.marshal', [RObject.fromEntries([['foo', RSet.of([3, 1, 2])]]), '<&>'])).toBe('[{"foo":[1,2,3]},"\\u003c\\u0026\\u003e"]');
    expect(call('json.is_valid', '{')).toBe(false);
    expect(() => call('json.unmarshal', '{"a" 1}')).toThrow("json.unmarshal: invalid character '1' after object key");
    expect(() => call('json.unmarshal', '"\\q"')).toThrow("invalid character 'q' in string escape code");
    expect(() => call('json.unmarshal', '[1,')).toThrow('unexpected end of JSON input');
    expect(call('json.is_valid', 1)).toBe(false);
    expect(call('json.is_valid', '['.repeat(5000) + ']'.repeat(5000))).toBe(false);
  });
  it('marshals with prefix and indent', () => {
    const options = RObject.fromEntries([['prefix', '> ']]);
    expect(call('json.marshal_with_options', RObject.fromEntries([['b', [1]], ['a', []]]), options)).toBe(
      '> {\n> \t"a": [],\n> \t"b": [\n> \t\t1\n> \t]\n> }',
    );
    expect(call('json.marshal_with_options', [1], RObject.fromEntries([['pretty', false], ['indent', 'x']]))).toBe('[1]');
    expect(() => call('json.marshal_with_options', [], RObject.fromEntries([['nope', true]]))).toThrow(
      'operand 2 object contained unknown key "nope"',
    );
  });
});

describe('yaml', () => {
  it('parses, validates and writes', () => {
    expect(toJson(call('yaml.unmarshal', 'foo:\n  - qux: bar\n  - baz: 2')!)).toEqual({ foo: [{ qux: 'bar' }, { baz: 2 }] });
    expect(call('yaml.is_valid', 'foo:\n - baz: {')).toBe(false);
    expect(call('yaml.marshal', RObject.fromEntries([['b', 1], ['a', ['x']]]))).toBe('a:\n- x\nb: 1\n');
  });
});

describe('yaml edge cases', () => {
  it('reads YAML 1.1 scalars as go-yaml v2 does', () => {
    expect(toJson(call('yaml.unmarshal', 'a: yes\nb: 0777\nc: 2001-12-14\nd: 12:30\ne: on')!)).toEqual({ a: true, b: 511, c: '2001-12-14', d: '12:30', e: true });
    expect(() => call('yaml.unmarshal', 'a: .inf')).toThrow('json: unsupported value');
    expect(call('yaml.marshal', RObject.fromEntries([['a', 'yes']]))).toBe('a: "yes"\n');
  });
  it('refuses self-referencing aliases instead of recursing forever', () => {
    expect(() => call('yaml.unmarshal', 'a: &x [*x]')).toThrow('yaml.unmarshal: yaml: an alias refers to a node that contains it');
    expect(toJson(call('yaml.unmarshal', 'a: &x [1]\nb: *x')!)).toEqual({ a: [1], b: [1] });
  });
});

describe('yaml alias bombs', () => {
  it('are refused as built-in errors', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);
    expect(() => call('yaml.unmarshal', levels.join('\n'))).toThrow('yaml.unmarshal: yaml:');
  });
});
