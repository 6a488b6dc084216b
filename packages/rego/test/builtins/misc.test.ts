import { describe, expect, it } from 'vitest';
import { httpBuiltins } from '../../src/builtins/http.ts';
import { randBuiltins } from '../../src/builtins/rand.ts';
import { runtimeBuiltins } from '../../src/builtins/runtime.ts';
import { uriBuiltins } from '../../src/builtins/uri.ts';
import { uuidBuiltins } from '../../src/builtins/uuid.ts';
import { fromJson, toJson } from '../../src/value.ts';
import { caller } from './call.ts';
import { failure } from './failure.ts';

const call = caller([...uuidBuiltins, ...randBuiltins, ...runtimeBuiltins, ...httpBuiltins, ...uriBuiltins]);

describe('uuid', () => {
  it('parses time-based and random UUIDs like google/uuid', () => {
    expect(toJson(call('uuid.parse', 'urn:uuid:000003e8-48b9-21ee-b200-325096b39f47')!)).toEqual({
      clocksequence: 12800,
      domain: 'Person',
      id: 1000,
      macvariables: 'local:unicast',
      nodeid: '32-50-96-b3-9f-47',
      time: 1693566990121469600n,
      variant: 'RFC4122',
      version: 2,
    });
    expect(toJson(call('uuid.parse', '{00000000-0000-4000-8000-000000000000}')!)).toEqual({ variant: 'RFC4122', version: 4 });
    expect(call('uuid.parse', 'not-a-uuid')).toBeUndefined();
  });
  it('memoises per query and key', () => {
    expect(call('uuid.rfc4122', 'a')).toBe(call('uuid.rfc4122', 'a'));
    expect(call('uuid.rfc4122', 'a')).not.toBe(call('uuid.rfc4122', 'b'));
    expect(call('rand.intn', 'k', 1000)).toBe(call('rand.intn', 'k', 1000));
    expect(call('rand.intn', 'k', 0)).toBe(0);
  });
});

describe('runtime, http.send and uri.parse', () => {
  it('keeps policies off the network', () => {
    expect(toJson(call('opa.runtime')!)).toEqual({});
    expect(() => call('http.send', fromJson({ method: 'get' }))).toThrow('http.send: operand 1 missing required request parameters(s): {"url"}');
    expect(() => call('http.send', fromJson({ method: 'get', url: 'x', foo: 1 }))).toThrow('invalid request parameters(s): {"foo"}');
    // As OPA with the capability allow_net: [] (no host allowed).
    expect(failure(() => call('http.send', fromJson({ method: 'get', url: 'https://user@api.example.com:8443/x' })))).toBe('eval_builtin_error: http.send: unallowed host: api.example.com');
    expect(toJson(call('http.send', fromJson({ method: 'get', url: 'http://x/', raise_error: false }))!)).toEqual({
      status_code: 0,
      error: { code: 'eval_http_send_internal_error', message: 'unallowed host: x' },
    });
    expect(toJson(call('http.send', fromJson({ method: 'get', url: 'http://[::1', raise_error: false }))!)).toEqual({
      status_code: 0,
      error: { code: 'eval_http_send_network_error', message: `parse "http://[::1": missing ']' in host` },
    });
  });
  it('parses URIs', () => {
    expect(toJson(call('uri.parse', 'http://[::1]:8080/path%2Fx?q=1#top')!)).toEqual({
      scheme: 'http',
      hostname: '::1',
      port: '8080',
      path: '/path/x',
      raw_path: '/path%2Fx',
      raw_query: 'q=1',
      fragment: 'top',
    });
    expect(toJson(call('uri.parse', 'mailto:user@example.com')!)).toEqual({ scheme: 'mailto' });
    expect(toJson(call('uri.parse', 'mailto:user@example.com?subject=hi#x')!)).toEqual({ scheme: 'mailto', raw_query: 'subject=hi', fragment: 'x' });
    expect(toJson(call('uri.parse', 'http://user@h:80/a%20b')!)).toEqual({ scheme: 'http', hostname: 'h', port: '80', path: '/a b', raw_path: '/a b' });
    expect(toJson(call('uri.parse', '')!)).toEqual({});
  });
  it('refuses what Go\'s url.Parse refuses, with its message', () => {
    expect(failure(() => call('uri.parse', 'http://[::1'))).toBe(`eval_builtin_error: uri.parse: parse "http://[::1": missing ']' in host`);
    expect(failure(() => call('uri.parse', 'http://x:abc/'))).toBe('eval_builtin_error: uri.parse: parse "http://x:abc/": invalid port ":abc" after host');
    expect(failure(() => call('uri.parse', '/p%zz'))).toBe('eval_builtin_error: uri.parse: parse "/p%zz": invalid URL escape "%zz"');
    expect(failure(() => call('uri.parse', ':x'))).toBe('eval_builtin_error: uri.parse: parse ":x": missing protocol scheme');
    expect(failure(() => call('uri.parse', 'a:b/c?x#%zz'))).toBe('eval_builtin_error: uri.parse: parse "a:b/c?x#%zz": invalid URL escape "%zz"');
  });
  it('uri.is_valid: what url.Parse accepts, except the empty string; non-strings are false', () => {
    for (const valid of ['https://example.com', '/relative/path', 'mailto:a@b', 'x', '*', 'http://[::1]:80/']) expect(call('uri.is_valid', valid), valid).toBe(true);
    for (const invalid of ['', 'http://[::1', 'http://a b/', '%zz', ':x', 'http://x:y/', 'a\u0000b']) expect(call('uri.is_valid', invalid), invalid).toBe(false);
    expect(call('uri.is_valid', 1)).toBe(false);
  });
});
