import { describe, expect, it } from 'vitest';
import { TransientMap, TransientSet } from '../../src/transient-tables.ts';

describe('TransientSet', () => {
  it('gives each item a handle, takes it back once, and reuses freed handles', () => {
    const set = new TransientSet<{ n: number }>();
    const [a, b, c] = [{ n: 1 }, { n: 2 }, { n: 3 }].map((item) => set.add(item));
    expect(new Set([a, b, c]).size).toBe(3);
    expect(set.size).toBe(3);
    expect(set.delete(b!)).toBe(true);
    expect(set.delete(b!)).toBe(false);
    expect(set.values().map((item) => item.n).sort()).toEqual([1, 3]);
    expect(set.add({ n: 4 })).toBe(b);
    expect(set.size).toBe(3);
  });

  it('starts over when empty, and clear forgets everything', () => {
    const set = new TransientSet<object>();
    const handles = Array.from({ length: 100 }, () => set.add({}));
    for (const handle of handles) set.delete(handle);
    expect(set.size).toBe(0);
    expect(set.add({})).toBe(0);
    set.clear();
    expect(set.values()).toEqual([]);
    expect(set.delete(0)).toBe(false);
  });
});

describe('TransientMap', () => {
  it('keeps a number id and a string id that read alike apart', () => {
    const map = new TransientMap<string>();
    map.set(1, 'number');
    map.set('1', 'string');
    expect([map.get(1), map.get('1'), map.size]).toEqual(['number', 'string', 2]);
    expect(map.delete(1)).toBe(true);
    expect(map.delete(1)).toBe(false);
    expect([map.get(1), map.get('1'), map.size]).toEqual([undefined, 'string', 1]);
  });

  it('treats ids named after Object.prototype members as data', () => {
    const map = new TransientMap<number>();
    for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(map.get(id)).toBeUndefined();
    map.set('__proto__', 1);
    map.set('constructor', 2);
    expect([map.get('__proto__'), map.get('constructor'), map.size]).toEqual([1, 2, 2]);
    expect(map.values().sort()).toEqual([1, 2]);
  });

  it('counts a replaced value once, and clear empties it', () => {
    const map = new TransientMap<number>();
    map.set('a', 1);
    map.set('a', 2);
    expect([map.get('a'), map.size]).toEqual([2, 1]);
    map.clear();
    expect([map.get('a'), map.size, map.values()]).toEqual([undefined, 0, []]);
  });
});
