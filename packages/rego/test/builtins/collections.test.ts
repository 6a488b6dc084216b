import { describe, expect, it } from 'vitest';
import type { Value } from '../../src/value.ts';
import { RObject, RSet, fromJson, toJson } from '../../src/value.ts';
import { aggregateBuiltins } from '../../src/builtins/aggregates.ts';
import { arrayBuiltins } from '../../src/builtins/arrays.ts';
import { graphBuiltins } from '../../src/builtins/graph.ts';
import { jsonPatchBuiltins } from '../../src/builtins/json-patch.ts';
import { objectBuiltins } from '../../src/builtins/objects.ts';
import { setBuiltins } from '../../src/builtins/sets.ts';
import { walkBuiltins } from '../../src/builtins/walk.ts';
import { caller } from './call.ts';
import { failure as failureOf } from './failure.ts';

const call = caller([...aggregateBuiltins, ...arrayBuiltins, ...graphBuiltins, ...jsonPatchBuiltins, ...objectBuiltins, ...setBuiltins, ...walkBuiltins]);
const failure = (name: string, ...args: Value[]) => failureOf(() => call(name, ...args));
const json = (value: Value | undefined) => (value === undefined ? undefined : toJson(value));
const obj = (value: unknown) => fromJson(value);

describe('aggregates', () => {
  it('counts code points and collections', () => {
    expect(call('count', 'åäö')).toBe(3);
    expect(call('count', '\u{1F600}x')).toBe(2);
    expect(call('count', RSet.of([1, 2]))).toBe(2);
    expect(failure('count', null)).toBe('eval_type_error: count: operand 1 must be one of {array, object, set, string} but got null');
  });

  it('sums and multiplies integers exactly, decimals as doubles', () => {
    expect(call('sum', [18446744073709551617n, 1])).toBe(18446744073709551618n);
    expect(call('product', [18446744073709551617n, 2])).toBe(36893488147419103234n);
    expect(call('sum', [1, 2.5])).toBe(3.5);
    expect(call('sum', [])).toBe(0);
    expect(call('max', [])).toBeUndefined();
    expect(call('min', [3, 2, 1, 4, 6, -7, 10])).toBe(-7);
    expect(call('sort', RSet.of(['b', 1, 'a']))).toEqual([1, 'a', 'b']);
  });
});

describe('arrays and sets', () => {
  it('slices with clamping and flattens one level', () => {
    expect(call('array.slice', [1, 2, 3, 4, 5], -1, 2)).toEqual([1, 2]);
    expect(call('array.slice', [1, 2, 3, 4, 5], 4, 1)).toEqual([]);
    expect(call('array.flatten', [[[1], [2]], 3])).toEqual([[1], [2], 3]);
    expect(failure('array.concat', [1], obj({ a: 1 }))).toBe('eval_type_error: array.concat: operand 2 must be array but got object');
  });

  it('intersects and unites sets of sets', () => {
    expect(json(call('intersection', RSet.of([RSet.of([1, 2, 3]), RSet.of([2, 3, 4])])))).toEqual([2, 3]);
    expect(json(call('union', RSet.of([RSet.of([1]), RSet.of([2])])))).toEqual([1, 2]);
    expect(json(call('union', new RSet()))).toEqual([]);
  });
});

describe('objects', () => {
  it('gets by key or path with a default', () => {
    expect(call('object.get', obj({ a: 'b' }), 'c', 'c')).toBe('c');
    expect(call('object.get', obj({ a: { b: [{ c: 1 }] } }), ['a', 'b', 0, 'c'], 2)).toBe(1);
    expect(json(call('object.get', obj({ a: 1 }), [], 2))).toEqual({ a: 1 });
    expect(call('object.get', obj({ a: { b: [1] } }), ['a', 'b', 'a'], 2)).toBe(2);
  });

  it('merges recursively, the right side winning', () => {
    expect(json(call('object.union', obj({ a: 1 }), obj({ a: { b: { c: 1 } }, d: 7 })))).toEqual({ a: { b: { c: 1 } }, d: 7 });
    expect(json(call('object.union_n', [obj({ a: 1, b: 2 }), obj({ a: 'a' })]))).toEqual({ a: 'a', b: 2 });
    expect(failure('object.union_n', [obj({}), 'baz'])).toMatch(/^eval_type_error/);
  });

  it('removes and filters by array, set or object keys', () => {
    expect(json(call('object.remove', obj({ a: 1, b: 2, d: 4 }), obj({ b: 1, d: '' })))).toEqual({ a: 1 });
    expect(json(call('object.filter', RObject.fromEntries([['a', 1], [[[7]], 2]]), RSet.of([[[7]]])))).toEqual({ '[[7]]': 2 });
    expect(failure('object.filter', obj({ a: 1 }), 'foo')).toBe('eval_type_error: object.filter: operand 2 must be one of {object, set, array} but got string');
  });

  it('decides subsets recursively; arrays as contiguous runs', () => {
    expect(call('object.subset', obj({ a: 5, n: { x: [6, 7, 8] } }), obj({ n: { x: [7, 8] } }))).toBe(true);
    expect(call('object.subset', [1, 2, 3, 4], [2, 4])).toBe(false);
    expect(call('object.subset', [1, 2, 3], RSet.of([3, 1]))).toBe(true);
    expect(call('object.subset', RSet.of([1, 2, RSet.of(['a', 'b', 'c'])]), RSet.of([RSet.of(['a', 'b'])]))).toBe(false);
    expect(failure('object.subset', RSet.of([1]), [1])).toMatch(/^eval_type_error/);
  });
});

describe('json.patch, json.filter, json.remove', () => {
  it('patches objects, arrays and sets', () => {
    expect(json(call('json.patch', obj({ foo: RSet.of(['a', 'b']), bar: RSet.of(['c']) }), [obj({ op: 'move', from: 'foo/a', path: 'bar/a' })]))).toEqual({ bar: ['a', 'c'], foo: ['b'] });
    expect(call('json.patch', obj({ foo: RSet.of(['a']) }), [obj({ op: 'add', path: 'foo/d', value: 'e' })])).toBeUndefined();
    expect(json(call('json.patch', RSet.of([[1]]), [RObject.fromEntries([['op', 'add'], ['path', [[1], 1]], ['value', 2]])]))).toEqual([[1, 2]]);
    expect(call('json.patch', [1, 2, 3], [obj({ op: 'add', path: '1.2', value: 'foo' })])).toBeUndefined();
    expect(json(call('json.patch', obj({ a: [1] }), [obj({ op: 'add', path: '/a/-', value: 2 }), obj({ op: 'test', path: '/a/1', value: 2 })]))).toEqual({ a: [1, 2] });
  });

  it('is undefined, never an error, for failed or malformed operations (RFC 6902 cases)', () => {
    const patch = (doc: unknown, ...ops: unknown[]) => json(call('json.patch', obj(doc), ops.map(obj)));
    expect(patch({}, { op: 'add', path: '/', value: 1 })).toEqual({ '': 1 });
    expect(patch({ foo: {} }, { op: 'add', path: '/foo/', value: 1 })).toEqual({ foo: { '': 1 } });
    expect(patch({ '/': 9, '~1': 10 }, { op: 'test', path: '/~01', value: 10 })).toEqual({ '/': 9, '~1': 10 });
    expect(patch({ foo: 'bar' }, { op: 'replace', path: '', value: { baz: 'qux' } })).toEqual({ baz: 'qux' });
    expect(patch([1, 2, 3, 4], { op: 'remove', path: '/1' }, { op: 'remove', path: '/2' })).toEqual([1, 3]);
    expect(patch({ foo: 1 }, { op: 'move', from: '/foo', path: '/foo' })).toEqual({ foo: 1 });
    expect(patch(['foo', 'bar'], { op: 'test', path: '/1e0', value: 'bar' })).toBeUndefined();
    expect(patch(['foo', 'bar'], { op: 'test', path: '/01', value: 'bar' })).toBeUndefined();
    expect(patch({ bar: [1, 2] }, { op: 'add', path: '/bar/-1', value: '5' })).toBeUndefined();
    expect(patch([1], { op: 'add', path: '/-' })).toBeUndefined();
    expect(patch({}, { op: 'add', path: null, value: 'bar' })).toBeUndefined();
    expect(patch({ foo: 1 }, { op: 'spam', path: '/foo', value: 1 })).toBeUndefined();
    expect(patch({ foo: 1 }, { op: 'copy', from: '/bar', path: '/foo' })).toBeUndefined();
    expect(call('json.patch', obj({}), ['not an object'])).toBeUndefined();
  });

  it('filters and removes by paths, shorter paths winning', () => {
    const doc = obj({ a: { b: { c: 7, d: 8 }, e: 9 } });
    expect(json(call('json.filter', doc, RSet.of(['a/b/c', 'a/e'])))).toEqual({ a: { b: { c: 7 }, e: 9 } });
    expect(json(call('json.filter', obj({ a: [{ b: 7, c: 8 }, { d: 9 }] }), RSet.of(['a/0/b', 'a/1'])))).toEqual({ a: [{ b: 7 }, { d: 9 }] });
    expect(json(call('json.remove', obj({ a: { b: 7 }, c: 1 }), RSet.of(['a', 'a/b'])))).toEqual({ c: 1 });
    expect(json(call('json.remove', obj({ a: [{ b: 7, c: 8 }, { d: 9 }] }), RSet.of(['a/0/b', 'a/1'])))).toEqual({ a: [{ c: 8 }] });
    expect(failure('json.remove', obj({}), RSet.of(['a', 1]))).toBe(
      'eval_type_error: json.remove: operand 2 must be one of {set, array} containing string paths or array of path segments but got number',
    );
  });
});

describe('walk and graph', () => {
  it('walks every node with its path', () => {
    expect(json(call('walk', obj({ a: [1] })))).toEqual([[[], { a: [1] }], [['a'], [1]], [['a', 0], 1]]);
  });

  it('finds reachable nodes and maximal paths', () => {
    const graph = obj({ a: ['b', 'c'], b: ['c'], c: [] });
    expect(json(call('graph.reachable', graph, ['a']))).toEqual(['a', 'b', 'c']);
    expect(json(call('graph.reachable_paths', graph, RSet.of(['a'])))).toEqual([['a', 'b', 'c'], ['a', 'c']]);
    expect(json(call('graph.reachable_paths', obj({ a: ['b'], b: ['nonexistent'] }), RSet.of(['a', 'b'])))).toEqual([['a', 'b'], ['b']]);
    expect(json(call('graph.reachable', obj({ a: null }), ['a']))).toEqual(['a']);
    expect(failure('graph.reachable_paths', obj({ a: [] }), 'a')).toMatch(/^eval_type_error/);
  });
});
