/**
 * @skyport/client — a typed client for the Skyport REST API, on the global `fetch` only, so
 * it runs in Node and in the browser alike. Errors are the model's `SkyportError`.
 */
export { createClient, type ClientOptions, type ListMethod, type SkyportClient } from './create-client.js';
export { paginate } from './paginate.js';
export { SseParser, readEventStream, type SseMessage } from './sse.js';
export { readJsonLines } from './json-lines.js';
export { errorFromResponse, unreachableError } from './errors.js';
export type * from './types.js';
