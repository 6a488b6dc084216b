import { describe, expect, it } from 'vitest';
import { bounded } from '../../../src/metrics/metrics.ts';

describe('bounded label values', () => {
  it('keeps at most 64 distinct values per label name; later ones become "other"', () => {
    const values = Array.from({ length: 100 }, (_, i) => bounded('test_label', `value_${i}`));
    expect(new Set(values).size).toBe(65);
    expect(values.slice(64).every((v) => v === 'other')).toBe(true);
    expect(bounded('test_label', 'value_3')).toBe('value_3'); // a known value stays itself
  });

  it('turns values of an unexpected shape into "other" (quotes, spaces, newlines, long strings)', () => {
    for (const value of ['a"b', 'two words', 'line\nbreak', 'x'.repeat(65), '']) expect(bounded('shape_label', value)).toBe('other');
    expect(bounded('shape_label', 'tools/call')).toBe('tools/call');
  });
});
