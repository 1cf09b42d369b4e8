/**
 * @skyport/api — the REST front end: Fastify routes under `/api/v1` over the Broker, an
 * OpenAPI 3.1 document generated from the same TypeBox schemas that validate requests,
 * and server-sent events of inventory and operation changes.
 */
export { createApi, DEFAULT_RATE_LIMITS, type ApiRateLimits, listRoutes, type ApiOptions, type ApiRoute } from './create-api.js';
export { API_PREFIX } from './api-prefix.js';
export { STATUS_BY_CODE, toHttpError, type ErrorBody, type HttpError } from './error-handler.js';

