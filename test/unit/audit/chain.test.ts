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
});
