/**
 * The remote broker's errors as this broker's. The client already turns a remote error body
 * (`{code, message, retryable, details, requestId}`, docs/api.md) into a SkyportError; here it
 * becomes a provider error: the remote's code is the provider code (or the remote cloud's own
 * code when the remote had one), the remote request id is kept for support, and the codes that
 * describe the remote broker's own health become provider codes of this broker.
 */
import { SkyportError, isErrorCode, type ErrorCode } from '@skyport/model';

/** Codes whose meaning changes when they come from a provider rather than from our own caller. */
const REMAPPED: Partial<Record<ErrorCode, ErrorCode>> = {
  // The remote limits our token: for us, the provider throttles.
  RateLimited: 'Throttled',
  // A bug or crash inside the remote broker: the provider failed.
  Internal: 'ProviderError',
  // The remote waited too long on its own cloud.
  Timeout: 'ProviderUnavailable',
};

export function remoteError(endpoint: string, what: string, error: unknown): SkyportError {
  if (!(error instanceof SkyportError)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new SkyportError('ProviderUnavailable', `remote broker ${endpoint}: ${what} failed: ${reason}`, { cause: error, details: { endpoint } });
  }
  const status = error.details?.['status'];
  if (typeof status !== 'number') {
    // No HTTP answer at all (refused, reset, DNS): the client says so with the URL it tried.
    if (error.details?.['url'] !== undefined) {
      return new SkyportError('ProviderUnavailable', `remote broker ${endpoint} cannot be reached (${String(error.details['reason'] ?? error.message)}); check the endpoint and that the broker runs`, {
        cause: error,
        details: { endpoint },
      });
    }
    return error;
  }
  const code = REMAPPED[error.code] ?? error.code;
  const remoteProviderCode = error.providerCode ?? (typeof error.details?.['providerCode'] === 'string' ? error.details['providerCode'] : undefined);
  const message =
    error.code === 'Unauthenticated'
      ? `remote broker ${endpoint} refused the token (${error.message}); give the provider a valid API token of the remote broker in credentials.token`
      : `remote broker ${endpoint}: ${error.message}`;
  return new SkyportError(code, message, {
    retryable: code === error.code ? error.retryable : undefined,
    providerCode: remoteProviderCode ?? error.code,
    ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    details: { ...error.details, endpoint, remoteCode: error.code },
    cause: error,
  });
}

/** A failed remote operation's error, as recorded on the operation. */
export function operationError(endpoint: string, operationId: string, json: { code: string; message: string; requestId?: string; providerCode?: string; retryable?: boolean; details?: Readonly<Record<string, unknown>> } | undefined, status: string): SkyportError {
  if (json === undefined) {
    return new SkyportError('ProviderError', `remote broker ${endpoint}: operation ${operationId} ended ${status} without an error`, { details: { endpoint, operationId }, providerCode: status });
  }
  const original = new SkyportError(isErrorCode(json.code) ? json.code : 'ProviderError', json.message, {
    ...(json.retryable === undefined ? {} : { retryable: json.retryable }),
    ...(json.providerCode === undefined ? {} : { providerCode: json.providerCode }),
    ...(json.requestId === undefined ? {} : { requestId: json.requestId }),
    details: { ...json.details, status: 0 },
  });
  const mapped = remoteError(endpoint, `operation ${operationId}`, original);
  return new SkyportError(mapped.code, `remote broker ${endpoint}: operation ${operationId} failed: ${json.message}`, {
    retryable: mapped.retryable,
    ...(mapped.providerCode === undefined ? {} : { providerCode: mapped.providerCode }),
    ...(mapped.requestId === undefined ? {} : { requestId: mapped.requestId }),
    details: { ...json.details, endpoint, operationId, remoteCode: json.code },
  });
}
