/**
 * NextToken: opaque to clients, and bound to the query that produced it, so a token reused
 * with other filters is refused instead of silently returning the wrong page.
 */
import { createHash } from 'node:crypto';
import { Ec2Error } from './ec2-error.js';

/** Where the next page starts: an inventory cursor, or an offset into an in-memory list. */
export interface PagePosition {
  readonly cursor?: string;
  readonly offset?: number;
}

/** A short fingerprint of what defines the query (action, filters, ids, options — not the page size). */
export function queryKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12);
}

export function encodeNextToken(position: PagePosition, key: string): string {
  return Buffer.from(JSON.stringify({ k: key, ...position })).toString('base64url');
}

export function decodeNextToken(token: string | undefined, key: string): PagePosition | undefined {
  if (token === undefined || token === '') return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const record = decoded as { k?: unknown; cursor?: unknown; offset?: unknown } | undefined;
  if (typeof record !== 'object' || record === null || typeof record.k !== 'string') {
    throw new Ec2Error('InvalidPaginationToken', 'The NextToken is not valid: pass the NextToken of the previous response unchanged');
  }
  if (record.k !== key) {
    throw new Ec2Error('InvalidPaginationToken', 'The NextToken belongs to a request with other filters or ids; repeat the same request with it, or start again without a NextToken');
  }
  const offset = record.offset;
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)) {
    throw new Ec2Error('InvalidPaginationToken', 'The NextToken is not valid: pass the NextToken of the previous response unchanged');
  }
  return { ...(typeof record.cursor === 'string' ? { cursor: record.cursor } : {}), ...(offset === undefined ? {} : { offset }) };
}
