/**
 * No JavaScript exception ever escapes a built-in: every built-in, called with many argument
 * shapes (right and wrong types, empty, huge, malformed, nested), returns a value, returns
 * undefined, or throws a BuiltinError. A TypeError or RangeError here is a bug in a built-in (it
 * used to abort a whole `policy test` run with INTERNAL). The calls are drawn from a seeded
 * generator, so a failure names a reproducible call.
 */
import { describe, expect, it } from 'vitest';
import { builtins, callBuiltin } from '../../src/builtins/index.ts';
import type { Builtin, BuiltinContext } from '../../src/builtins/types.ts';
import { BuiltinError } from '../../src/errors.ts';
import { RObject, RSet, fromJson } from '../../src/value.ts';
import { regoText } from '../../src/rego-text.ts';
import type { Value } from '../../src/value.ts';

/** An array nested `depth` times: deep enough to overflow a naive recursive walk. */
function deep(depth: number): Value {
  let value: Value = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const DEEP = deep(3000);

const obj = (entries: [Value, Value][]): RObject => RObject.fromEntries(entries);

/** Argument shapes: scalars at the edges, texts each family parses, and nested collections. */
const SHAPES: Value[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  2.5,
  -0.5,
  1e300,
  2 ** 53 + 2,
  10n ** 40n,
  -(10n ** 40n),
  '',
  'a',
  ' ',
  '\u0000',
  '💩é',
  '0',
  '1.5',
  '-3',
  '1ms',
  'abc.def.ghi',
  'eyJhbGciOiJIUzI1NiJ9.e30.x',
  '{',
  '[1,2]',
  '{"a":1}',
  '{"type":"object","required":["a"]}',
  '{"type":"nope"}',
  '{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}]}',
  '{"$schema":"https://json-schema.org/draft/2019-09/schema","dependentRequired":{"a":["b"]}}',
  '{"$schema":"http://json-schema.org/draft-04/schema#","exclusiveMinimum":true,"minimum":1}',
  '{"$schema":"http://example.com/unknown"}',
  '{"$ref":"http://example.com/remote.json"}',
  '{"properties":{"a":{"$ref":"#/definitions/missing"}}}',
  '---\na: 1\n---\nb: 2',
  '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
  'http://example.com:80/a?b=c#d',
  '%zz',
  '10.0.0.0/8',
  '::1',
  '1.2.3-rc.1+b',
  '(',
  '.*',
  '[a-',
  '{{ .a }}',
  '{{ if }}',
  '{{ index .a 5 }}',
  'package p\nx := 1',
  'package',
  'type Query { a: Int }',
  '{ a }',
  '2006-01-02T15:04:05Z',
  'Mon Jan _2',
  'a'.repeat(2000),
  [],
  [1, 'a', null],
  [[]],
  [['a', 'b'], ['c']],
  [obj([['op', 'add'], ['path', '/a'], ['value', 1]])],
  ['10.0.0.1', '192.168.0.0/16'],
  obj([]),
  obj([['a', 1]]),
  obj([
    ['a', obj([['b', [1, 2, obj([['c', null]])]]])],
    ['d', RSet.of([1, 'x'])],
  ]),
  obj([[1, 'one'], [RSet.of([]), 2]]),
  obj([
    ['method', 'get'],
    ['url', 'http://x'],
  ]),
  obj([
    ['a', ['b']],
    ['b', ['a']],
  ]),
  obj([
    ['cert', ''],
    ['private_key', ''],
    ['alg', 'RS256'],
    ['iss', 'x'],
    ['time', 1],
  ]),
  obj([['pretty', true], ['indent', 7], ['prefix', null]]),
  fromJson({ kty: 'oct', k: 'AAAA', keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] }),
  DEEP,
  RSet.of([]),
  RSet.of([1, 2, 3]),
  RSet.of(['a', RSet.of(['b'])]),
  RSet.of([RSet.of([1]), RSet.of([2])]),
  RSet.of([[1, 2], 'x']),
];

/** mulberry32: a small seeded generator, so the calls are the same on every run. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Rego value as the engine builds them: scalars, arrays, RObject and RSet, nothing else. */
function isRegoValue(value: unknown, depth = 0): boolean {
  if (depth > 64) return true;
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'bigint') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isRegoValue(v, depth + 1));
  if (value instanceof RObject) return [...value.entries()].every(([k, v]) => isRegoValue(k, depth + 1) && isRegoValue(v, depth + 1));
  if (value instanceof RSet) return [...value].every((v) => isRegoValue(v, depth + 1));
  return false;
}

function calls(builtin: Builtin, count: number): Value[][] {
  const random = generator(builtin.name.length * 7919 + builtin.arity);
  const out: Value[][] = [];
  if (builtin.arity === 0) return [[]];
  // Every shape in every position once (the others fixed to the same shape), then random mixes.
  for (const shape of SHAPES) out.push(new Array<Value>(builtin.arity).fill(shape));
  for (let i = 0; i < count; i++) out.push(Array.from({ length: builtin.arity }, () => SHAPES[Math.floor(random() * SHAPES.length)]!));
  return out;
}

/**
 * Through the evaluator's seam (callBuiltin). The seam turns a stray exception into an
 * `internal error` BuiltinError: that still counts as an escape here, except a stack overflow on a
 * value nested thousands deep (a recursive walk of such a value cannot finish; the call fails).
 */
function outcome(builtin: Builtin, args: Value[], context: BuiltinContext): string | undefined {
  try {
    const result = callBuiltin(builtin, args, context);
    if (result === undefined) return undefined;
    if (builtin.relation) return Array.isArray(result) && result.every((r) => isRegoValue(r)) ? undefined : 'not a list of values';
    return isRegoValue(result) ? undefined : `not a Rego value: ${String(result)}`;
  } catch (error) {
    if (!(error instanceof BuiltinError)) return `escaped the seam: ${String(error)}`;
    if (!error.message.includes(': internal error: ')) return undefined;
    if (args.includes(DEEP) && error.message.includes('RangeError: Maximum call stack size exceeded')) return undefined;
    return error.message;
  }
}

describe('built-ins - no JavaScript exception escapes', () => {
  // One test per family (the name's first segment), so no single test carries all the work.
  const families = new Map<string, Builtin[]>();
  for (const builtin of builtins.values()) {
    const family = builtin.name.split('.')[0]!;
    families.set(family, [...(families.get(family) ?? []), builtin]);
  }
  for (const [family, members] of families) {
    it(`${family}: returns a value, undefined or a BuiltinError for any arguments`, () => {
      const escapes: string[] = [];
      for (const builtin of members) {
        for (const args of calls(builtin, 40)) {
          const context: BuiltinContext = { memo: new Map(), nowNs: 1_700_000_000_000_000_000n, strict: true };
          const problem = outcome(builtin, args, context);
          if (problem !== undefined) escapes.push(`${builtin.name}(${args.map((a) => regoText(a).slice(0, 60)).join(', ')}): ${problem}`);
        }
      }
      expect([...new Set(escapes.map((e) => e.replace(/\(.*\):/s, ':')))]).toEqual([]);
    });
  }

  it('the call seam turns any other exception into an eval_builtin_error naming the built-in', () => {
    const broken: Builtin = {
      name: 'test.broken',
      arity: 1,
      impl: ([value]) => (value as unknown as { missing: { field: Value } }).missing.field,
    };
    const context: BuiltinContext = { memo: new Map(), nowNs: 0n, strict: false };
    let thrown: unknown;
    try {
      callBuiltin(broken, [null], context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BuiltinError);
    expect((thrown as BuiltinError).code).toBe('eval_builtin_error');
    expect((thrown as BuiltinError).message).toMatch(/^test\.broken: internal error: TypeError: Cannot read properties of null/);
    const typed = new BuiltinError('eval_type_error', 'count: operand 1 must be one of {array, object, set, string} but got null');
    expect(() => callBuiltin({ name: 'count', arity: 1, impl: () => { throw typed; } }, [null], context)).toThrow(typed);
  });
});
