import { SkyportError } from '@skyport/model';

/**
 * Page cursors are base64url text with a short tag naming what they point into, so a cursor
 * from another list (or a hand-made one) is refused instead of silently returning a wrong page.
 */
type CursorTag = 'res' | 'op' | 'audit';

export function encodeCursor(tag: CursorTag, payload: string): string {
  return Buffer.from(`${tag}:${payload}`, 'utf8').toString('base64url');
}

export function decodeCursor(tag: CursorTag, cursor: string): string {
  // Buffer's decoder skips characters it does not know, so check the alphabet and the
  // round trip explicitly.
  if (/^[A-Za-z0-9_-]+$/.test(cursor)) {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    const prefix = `${tag}:`;
    if (text.startsWith(prefix) && text.length > prefix.length && Buffer.from(text, 'utf8').toString('base64url') === cursor) {
      return text.slice(prefix.length);
    }
  }
  throw invalidCursor(cursor);
}

export function invalidCursor(cursor: string): SkyportError {
  const shown = cursor.length > 60 ? `${cursor.slice(0, 60)}...` : cursor;
  return new SkyportError('InvalidArgument', `cursor '${shown}' is not valid for this list; pass the nextCursor of the previous page unchanged, or no cursor for the first page`, {
    details: { field: 'cursor' },
  });
}

/** Page sizes the port allows; larger pages would hold a connection too long. */
export const MAX_PAGE_SIZE = 1000;

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new SkyportError('InvalidArgument', `limit ${String(limit)} is out of range; use an integer from 1 to ${MAX_PAGE_SIZE}`, {
      details: { field: 'limit', min: 1, max: MAX_PAGE_SIZE },
    });
  }
}
