import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type EventFields, GENESIS_HASH, HASHED_COLUMNS, canonicalJson, rowHash } from '../../../src/audit/chain.ts';

const fields: EventFields = {
  kind: 'decision', time: '2026-11-23T12:00:00.000Z', request_id: 'r', session_id: 's', sub: 'alice', iss: 'idp', method: 'tools/call',
  public_name: 'db__query', upstream: 'db', upstream_name: 'query', decision: 'allow', decision_id: 'd', outcome: null, code: null, data: '{"a":1}',
};

describe('audit chain encoding', () => {
  it('hashes the previous hash and the columns in HASHED_COLUMNS order', () => {
    const expected = createHash('sha256')
      .update(`${GENESIS_HASH}\n${JSON.stringify(HASHED_COLUMNS.map((column) => fields[column]))}`)
      .digest('hex');
    expect(rowHash(GENESIS_HASH, fields)).toBe(expected);
  });

  it('changes when any hashed column or the previous hash changes', () => {
    const base = rowHash(GENESIS_HASH, fields);
    for (const column of HASHED_COLUMNS) {
      expect(rowHash(GENESIS_HASH, { ...fields, [column]: `${String(fields[column])}x` }), column).not.toBe(base);
    }
    expect(rowHash('1'.repeat(64), fields)).not.toBe(base);
  });

  it('encodes equal values to equal bytes whatever their key order', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('encodes exactly as JSON.stringify over a copy with sorted keys, which every existing chain hashed', () => {
    // The encoding every existing chain was written with, kept as the reference.
    const sortKeys = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(sortKeys);
      if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
        const sorted = Object.create(null) as Record<string, unknown>;
        for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
        return sorted;
      }
      return value;
    };
    const reference = (value: unknown) => JSON.stringify(sortKeys(value)) ?? 'null';
    class Point { constructor(public y: number, public x: number) {} }
    // Called on the copy every existing chain was written from, never on the original.
    const withToJson = { a: 1, toJSON(): string { return this === withToJson ? 'original' : 'copy'; } };
    const sparse: unknown[] = [1];
    sparse[3] = 'x';
    const values: unknown[] = [
      JSON.parse('{"__proto__":{"b":1,"a":2},"constructor":"c","toString":1}'),
      { 10: 'ten', 2: 'two', b: 1, a: 2, '01': 'x', '-1': 'y', 4294967295: 'max', 4294967294: 'index', '': 'empty' },
      { s: 'quote " backslash \\ newline \n tab \t \u2028 \ud83d\ude00 lone \ud800', n: [0, -0, 1.5e300, 1e-7, NaN, Infinity, -Infinity] },
      { u: undefined, f: () => 1, sym: Symbol('s'), arr: [undefined, () => 1, Symbol('t'), null] },
      { d: new Date('2026-12-06T19:00:00.000Z'), p: new Point(1, 2), nested: { z: [{ y: { x: [] } }], a: {} } },
      Object.assign(Object.create(null) as object, { b: 1, a: [true, false] }),
      sparse,
      'top', 3, null, undefined, [],
      // Already in canonical order (returned without a copy), and with one change deep inside.
      { a: 1, b: { c: [1, { d: 2, e: null }], f: 'x' }, g: [] },
      { a: 1, b: { c: [1, { e: 2, d: null }], f: 'x' }, g: [] },
      [{ a: 1 }, { c: 1, b: 2 }, { d: 3 }],
      { 1: 'one', 2: 'two', a: { 0: 'zero', b: 1 } },
      JSON.parse('{"__proto__":{"a":1},"b":2}'),
      withToJson,
      Object.assign([1, { b: 1, a: 2 }], { toJSON: () => 'own' }),
      { sorted: new Point(1, 2), list: [new Date('2026-12-06T19:00:00.000Z')] },
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(reference(value));
  });
});
