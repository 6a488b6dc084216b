import { describe, expect, it } from 'vitest';
import { paginate } from '../../../src/catalog/pagination.ts';

describe('catalog - pagination', () => {
  const items = Array.from({ length: 7 }, (_, i) => i);

  it('walks every item once with opaque cursors and ends without nextCursor', () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = paginate(items, cursor, 3);
      seen.push(...page.items);
      cursor = page.nextCursor;
      if (cursor !== undefined) expect(cursor).not.toMatch(/^\d+$/);
    } while (cursor !== undefined);
    expect(seen).toEqual(items);
  });

  it('rejects a cursor it did not issue with REQUEST_INVALID', () => {
    expect(() => paginate(items, 'abc', 3)).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', message: 'Invalid cursor' }));
    expect(() => paginate(items, Buffer.from('w1:-4').toString('base64url'), 3)).toThrow('Invalid cursor');
  });
});
