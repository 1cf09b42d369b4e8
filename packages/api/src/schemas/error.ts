/** The one error body of the REST API and the response entries every route declares for it. */
import { Type } from '@sinclair/typebox';
import { JsonObject, StringEnum } from './helpers.js';
import { ERROR_CODE_NAMES } from './operation.js';

export const ErrorBodySchema = Type.Object(
  {
    code: StringEnum(ERROR_CODE_NAMES, { description: 'Stable error code; see the table in the API description.' }),
    message: Type.String({ description: 'What was wrong and what is allowed, in words a user can act on.' }),
    retryable: Type.Boolean({ description: 'Whether repeating the same request later may succeed.' }),
    details: Type.Optional(
      JsonObject('Structured details: `field` and `allowed` for invalid arguments, `providerCode` and `providerRequestId` for provider errors.'),
    ),
    requestId: Type.String({ description: 'This request\'s id, also in the `x-request-id` header; quote it when reporting a problem.' }),
  },
  { $id: 'Error', description: 'An error.' },
);

/**
 * Added to every route's `response`. Ranges keep the document short; the descriptions give
 * the status of each code (the mapping itself lives in error-handler.ts).
 */
export const errorResponses = {
  '4xx': Type.Ref(ErrorBodySchema, {
    description:
      'Client error: InvalidArgument 400 (413 body too large, 415 wrong content type), Unauthenticated 401, ' +
      'Forbidden and QuotaExceeded 403, NotFound 404, AlreadyExists and InvalidState 409, IdempotencyMismatch 422.',
  }),
  '5xx': Type.Ref(ErrorBodySchema, {
    description:
      'Server or provider error: Internal 500, Unsupported 501, ProviderUnavailable and ProviderError 502, ' +
      'Throttled 503 (with Retry-After), Timeout 504.',
    // Read by @fastify/swagger into the response's `headers`; the serializer ignores it.
    headers: { 'retry-after': { type: 'integer', description: 'Seconds to wait before retrying (Throttled, and when a provider said).' } },
  }),
} as const;
