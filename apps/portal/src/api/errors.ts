/** Reading the API's errors: its own words, and which field they are about. */
import { SkyportError } from '@skyport/model';

/** The message as the API worded it (or the browser's, for a failure that never reached it). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function errorCode(error: unknown): string | undefined {
  return error instanceof SkyportError ? error.code : undefined;
}

/** The field an error names (`details.field`: `cpus`, `securityGroupIds/0`), if any. */
export function errorField(error: unknown): string | undefined {
  if (!(error instanceof SkyportError)) return undefined;
  const field = error.details?.['field'];
  return typeof field === 'string' ? field : undefined;
}

/** Whether `error` is about `field` or a part of it (`tags/env` is about `tags`). */
export function isAboutField(error: unknown, field: string): boolean {
  const named = errorField(error);
  return named !== undefined && (named === field || named.startsWith(`${field}/`));
}

/** Client faults (bad input, wrong state, missing rights) do not improve by asking again. */
export function worthRetrying(error: unknown): boolean {
  return !(error instanceof SkyportError) || error.fault !== 'client' || error.code === 'RateLimited';
}
