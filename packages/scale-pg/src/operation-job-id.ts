import { createHash } from 'node:crypto';

/**
 * The pg-boss job id of an operation: a UUID derived from the operation id (name-based, as a
 * version-5 UUID is), so announcing an operation twice — a retried request, the sweep after a
 * crash — finds the one job instead of making a second (pg-boss ids must be UUIDs).
 */
export function operationJobId(operationId: string): string {
  const bytes = createHash('sha1').update(`skyport-operation:${operationId}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
