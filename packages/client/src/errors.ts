/** Turns what went wrong on the wire into the one SkyportError, as thrown by the broker. */
import { ERROR_CODES, SkyportError, isErrorCode, type ErrorCode } from '@skyport/model';
import type { ApiErrorBody } from './types.js';

/**
 * The error for a non-2xx answer. A Skyport error body keeps its code, message, details and
 * request id, with the HTTP status added as `details.status` and the provider's code
 * lifted back to `providerCode`; anything else (a proxy's HTML page, say) gets a code
 * from the status and a message quoting the start of the body.
 */
export function errorFromResponse(status: number, body: unknown, retryAfter: string | null, what: string): SkyportError {
  const retryAfterMs = parseRetryAfter(retryAfter);
  if (isErrorBody(body)) {
    const retryable = typeof body.retryable === 'boolean' ? body.retryable : ERROR_CODES[body.code].retryable;
    const details: Record<string, unknown> = { ...body.details, status };
    const providerCode = typeof details['providerCode'] === 'string' ? details['providerCode'] : undefined;
    // Equivalent to SkyportError.fromJSON({ ...body, retryable }), plus Retry-After, which
    // the JSON form does not carry.
    return new SkyportError(body.code, body.message, {
      retryable,
      details,
      ...(body.requestId === undefined ? {} : { requestId: body.requestId }),
      ...(providerCode === undefined ? {} : { providerCode }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  const code = codeForStatus(status);
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
  return new SkyportError(code, `${what} answered HTTP ${status} without a Skyport error body${text === '' ? '' : `: ${text}`}`, {
    retryable: status === 502 || status === 503 || status === 504 || status === 429,
    details: { status },
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** The error for a request that never got an answer (refused, reset, DNS...). */
export function unreachableError(baseUrl: string, error: unknown): SkyportError {
  const cause = (error as { cause?: unknown }).cause;
  const reason =
    cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return new SkyportError('Internal', `cannot reach the Skyport broker at ${baseUrl}: ${reason}; is it running? start it with npm start`, {
    details: { url: baseUrl, reason },
    cause: error,
  });
}

function isErrorBody(body: unknown): body is ApiErrorBody & { code: ErrorCode } {
  return (
    typeof body === 'object' &&
    body !== null &&
    isErrorCode((body as { code?: unknown }).code) &&
    typeof (body as { message?: unknown }).message === 'string'
  );
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 413 || status === 415) return 'InvalidArgument';
  if (status === 401) return 'Unauthenticated';
  if (status === 403) return 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 409) return 'InvalidState';
  if (status === 429) return 'Throttled';
  if (status === 501) return 'Unsupported';
  if (status === 504) return 'Timeout';
  return status >= 500 ? 'Internal' : 'InvalidArgument';
}

/** `Retry-After` in seconds or as an HTTP date, to milliseconds. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
