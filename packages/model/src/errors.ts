/**
 * The one error type of Skyport. Drivers translate provider errors into it at their edge;
 * each front end maps it once (REST status, EC2 `<Code>`). Nothing else throws raw errors
 * across a package boundary.
 */

/** Stable, documented error codes. Adding one is fine; renaming one breaks clients. */
export const ERROR_CODES = {
  InvalidArgument: { fault: 'client', retryable: false, description: 'A parameter is missing, malformed or out of range.' },
  NotFound: { fault: 'client', retryable: false, description: 'The named resource does not exist.' },
  AlreadyExists: { fault: 'client', retryable: false, description: 'A resource with that name or key already exists.' },
  InvalidState: { fault: 'client', retryable: false, description: 'The resource is not in a state that allows the action.' },
  IdempotencyMismatch: { fault: 'client', retryable: false, description: 'An idempotency key was reused with a different request.' },
  Unauthenticated: { fault: 'client', retryable: false, description: 'No valid credentials were presented.' },
  Forbidden: { fault: 'client', retryable: false, description: 'The caller may not perform this action.' },
  Unsupported: { fault: 'client', retryable: false, description: 'The provider does not support this feature.' },
  QuotaExceeded: { fault: 'client', retryable: false, description: 'A quota or provider limit would be exceeded.' },
  RateLimited: { fault: 'client', retryable: true, description: 'Too many requests from this token or address; retry after the time given.' },
  Timeout: { fault: 'server', retryable: true, description: 'The action did not finish in the time allowed.' },
  Throttled: { fault: 'provider', retryable: true, description: 'The provider asked the broker to slow down.' },
  ProviderUnavailable: { fault: 'provider', retryable: true, description: 'The provider could not be reached or answered with a server error.' },
  ProviderError: { fault: 'provider', retryable: false, description: 'The provider refused the request.' },
  Internal: { fault: 'server', retryable: false, description: 'An unexpected error inside the broker.' },
} as const satisfies Record<string, { fault: ErrorFault; retryable: boolean; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
/** Whose fault an error is: the caller's, the broker's, or the cloud provider's. */
export type ErrorFault = 'client' | 'server' | 'provider';

export interface SkyportErrorOptions {
  /** Whether repeating the same request later may succeed. Defaults from the code. */
  readonly retryable?: boolean;
  /** The provider's own error code, e.g. `InvalidInstanceID.NotFound`. */
  readonly providerCode?: string;
  /** The provider's request id, for support tickets with the provider. */
  readonly requestId?: string;
  /** Milliseconds the provider asked us to wait (throttling). */
  readonly retryAfterMs?: number;
  /** Structured details: the offending field, allowed values, current state... */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** JSON shape of an error as every front end and the store see it. */
export interface SkyportErrorJson {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly providerCode?: string;
  readonly requestId?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export class SkyportError extends Error {
  override readonly name = 'SkyportError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly providerCode: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: SkyportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.providerCode = options.providerCode;
    this.requestId = options.requestId;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  get fault(): ErrorFault {
    return ERROR_CODES[this.code].fault;
  }

  toJSON(): SkyportErrorJson {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.providerCode === undefined ? {} : { providerCode: this.providerCode }),
      ...(this.requestId === undefined ? {} : { requestId: this.requestId }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }

  static fromJSON(json: SkyportErrorJson): SkyportError {
    return new SkyportError(json.code, json.message, json);
  }
}

export function isSkyportError(value: unknown): value is SkyportError {
  return value instanceof SkyportError;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Wraps anything thrown into a SkyportError without losing an existing one. */
export function toSkyportError(error: unknown): SkyportError {
  if (error instanceof SkyportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SkyportError('Internal', message, { cause: error });
}
