/**
 * The one place where errors become HTTP responses. Everything thrown in a route, a hook or
 * Fastify itself (validation, body parsing, content type) ends here and leaves as the one
 * error body `{ code, message, retryable, details?, requestId }`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SkyportError, isSkyportError, type ErrorCode } from '@skyport/model';
import { describeValidationError, type FastifyValidationError } from './validation-message.js';

/** HTTP status of each error code. A `Record` so that a new code fails to compile until mapped. */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  InvalidArgument: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  InvalidState: 409,
  IdempotencyMismatch: 422,
  QuotaExceeded: 403,
  RateLimited: 429,
  Unsupported: 501,
  Throttled: 503,
  ProviderUnavailable: 502,
  ProviderError: 502,
  Timeout: 504,
  Internal: 500,
};

/** The error body as the document declares it (`#/components/schemas/Error`). */
export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly requestId: string;
}

export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** Whether the broker, not the caller, is at fault: logged as an error with its stack. */
  readonly serverFault: boolean;
}

/** What the request knew that an error message may quote. */
export interface ErrorContext {
  /** The body limit of the route, for "too large" answers. */
  readonly bodyLimit?: number;
}

/** Maps anything thrown to the response it becomes. Pure, so the mapping is testable alone. */
export function toHttpError(error: unknown, requestId: string, context: ErrorContext = {}): HttpError {
  const skyport = toSkyportErrorWithStatus(error, context);
  const { code } = skyport.error;
  if (code === 'Internal') {
    // The message and details of an unexpected error may hold internals (paths, SQL, hosts):
    // they are logged with the request id, and the caller gets only the id to quote.
    return {
      status: 500,
      body: { code, message: `internal error in the broker; it was logged with request id ${requestId}`, retryable: skyport.error.retryable, requestId },
      headers: {},
      serverFault: true,
    };
  }
  const details = detailsOf(skyport.error);
  const headers: Record<string, string> = {};
  const retryAfterMs = skyport.error.retryAfterMs ?? (code === 'Throttled' || code === 'RateLimited' ? 1000 : undefined);
  if (retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return {
    status: skyport.status,
    body: {
      code,
      message: skyport.error.message,
      retryable: skyport.error.retryable,
      ...(details === undefined ? {} : { details }),
      requestId,
    },
    headers,
    serverFault: false,
  };
}

/** Fastify's `setErrorHandler` callback. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // routeOptions is not there for errors before routing (a URL that does not decode).
  const bodyLimit = (request.routeOptions as { bodyLimit?: number } | undefined)?.bodyLimit;
  const http = toHttpError(error, request.id, bodyLimit === undefined ? {} : { bodyLimit });
  if (http.serverFault) request.log.error({ err: error }, 'request failed with an internal error');
  else request.log.info({ code: http.body.code, status: http.status }, http.body.message);
  void reply.status(http.status).headers(http.headers).send(http.body);
}

/** Fastify's `setNotFoundHandler` callback: unknown paths and methods name what was asked. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? request.url;
  throw new SkyportError('NotFound', `no route ${request.method} ${path}; the routes are listed at /api/v1/docs`, {
    details: { method: request.method, path },
  });
}

interface MappedError {
  readonly error: SkyportError;
  readonly status: number;
}

function toSkyportErrorWithStatus(error: unknown, context: ErrorContext): MappedError {
  if (isSkyportError(error)) return { error, status: STATUS_BY_CODE[error.code] };
  const fastify = error as Partial<FastifyValidationError> & { code?: string; statusCode?: number };
  if (Array.isArray(fastify.validation)) {
    const { message, details } = describeValidationError(fastify as FastifyValidationError);
    return { error: new SkyportError('InvalidArgument', message, { details }), status: 400 };
  }
  switch (fastify.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalid(415, 'unsupported content type: send a JSON body with "Content-Type: application/json"', { allowed: ['application/json'] });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return context.bodyLimit === undefined
        ? invalid(413, 'the request body is larger than the broker accepts', { field: 'body' })
        : invalid(413, `the request body is larger than the limit of ${context.bodyLimit} bytes`, { field: 'body', allowed: { maxBytes: context.bodyLimit } });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalid(400, 'the request body is not valid JSON', { field: 'body' });
  }
  // Other Fastify errors with a 4xx status are the caller's (a bad Content-Length, a URL
  // that does not decode...); Fastify's messages for them are safe to show.
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500 && error instanceof Error) {
    return invalid(fastify.statusCode, error.message, undefined);
  }
  return { error: new SkyportError('Internal', error instanceof Error ? error.message : String(error), { cause: error }), status: 500 };
}

function invalid(status: number, message: string, details: Record<string, unknown> | undefined): MappedError {
  return { error: new SkyportError('InvalidArgument', message, details === undefined ? {} : { details }), status };
}

/** The error's details plus the provider's code and request id, which support tickets need. */
function detailsOf(error: SkyportError): Record<string, unknown> | undefined {
  const details: Record<string, unknown> = { ...error.details };
  if (error.providerCode !== undefined) details['providerCode'] = error.providerCode;
  if (error.requestId !== undefined) details['providerRequestId'] = error.requestId;
  return Object.keys(details).length === 0 ? undefined : details;
}
