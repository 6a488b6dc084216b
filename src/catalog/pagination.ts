import { WardenError } from '../errors.ts';

/**
 * The gateway's own pagination over its merged lists. Cursors are opaque to clients (MCP
 * 2025-11-25, "Pagination") and never forwarded upstream: an upstream's cursor means nothing
 * for a merged list. A cursor we did not issue is invalid params, as the spec asks.
 */
const PREFIX = 'w1:';

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export function paginate<T>(items: readonly T[], cursor: string | undefined, pageSize: number): Page<T> {
  const start = cursor === undefined ? 0 : decodeCursor(cursor);
  const end = start + pageSize;
  const page: Page<T> = { items: items.slice(start, end) };
  if (end < items.length) page.nextCursor = Buffer.from(`${PREFIX}${end}`).toString('base64url');
  return page;
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const offset = text.startsWith(PREFIX) ? Number(text.slice(PREFIX.length)) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new WardenError('REQUEST_INVALID', 'Invalid cursor', { details: { field: 'params.cursor' } });
  }
  return offset;
}
