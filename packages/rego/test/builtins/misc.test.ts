import { describe, expect, it } from 'vitest';
import { httpBuiltins } from '../../src/builtins/http.ts';
import { randBuiltins } from '../../src/builtins/rand.ts';
import { runtimeBuiltins } from '../../src/builtins/runtime.ts';
import { uriBuiltins } from '../../src/builtins/uri.ts';
import { uuidBuiltins } from '../../src/builtins/uuid.ts';
import { fromJson, toJson } from '../../src/value.ts';
import { caller } from './call.ts';

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
    expect(() => call('http.send', fromJson({ method: 'get', url: 'http://x' }))).toThrow('http.send: not allowed in mcp-warden policies');
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
    expect(toJson(call('uri.parse', '')!)).toEqual({});
  });
});
