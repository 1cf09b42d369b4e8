/**
 * Builds the REST front end: a Fastify instance with every route under `/api/v1`, the
 * OpenAPI document and docs page, authentication and the one error mapping. It is returned
 * unstarted; the server package decides where it listens and may register more.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions, type RouteOptions as FastifyRouteOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { BrokerService } from '@skyport/core';
import { API_PREFIX } from './api-prefix.js';
import { authenticationHook, bindHandlerToCaller, requestBroker } from './auth.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { securityHeaders } from './security-headers.js';
import { useJsonBodyParser } from './json-body-parser.js';
import { openApiOptions } from './openapi.js';
import { SHARED_SCHEMAS } from './schemas/index.js';
import { systemRoutes } from './routes/system.js';
import { catalogueRoutes } from './routes/catalogue.js';
import { providerRoutes } from './routes/providers.js';
import { locationRoutes } from './routes/locations.js';
import { hardwareProfileRoutes } from './routes/hardware-profiles.js';
import { imageRoutes } from './routes/images.js';
import { instanceRoutes } from './routes/instances.js';
import { keyPairRoutes } from './routes/key-pairs.js';
import { volumeRoutes } from './routes/volumes.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { securityGroupRoutes } from './routes/security-groups.js';
import { tagRoutes } from './routes/tags.js';
import { operationRoutes } from './routes/operations.js';
import { eventRoutes } from './routes/events.js';
import { tenancyRoutes } from './routes/tenancy.js';
import { sessionRoutes } from './routes/sessions.js';
import { migrationRoutes } from './routes/migrations.js';
import { applianceRoutes } from './routes/appliances.js';

export interface ApiOptions {
  /** The use cases every route calls. */
  /** The broker's use cases; each request gets the Broker of its caller (`service.as`). */
  readonly service: BrokerService;
  /** Request rate limits; the defaults suit one broker serving people and scripts. */
  readonly rateLimits?: Partial<ApiRateLimits>;
  /** `false` (default), `true`, pino options, or a pino logger to log through. */
  readonly logger?: boolean | object;
  /** The broker's version, shown by `/health` and in the OpenAPI document. */
  readonly version: string;
  /** Largest request body accepted; default 1 MiB. */
  readonly bodyLimitBytes?: number;
}

/** One registered route, as `listRoutes` reports it. */
export interface ApiRoute {
  readonly method: string;
  readonly url: string;
  readonly operationId: string | undefined;
  /** Left out of the OpenAPI document (the docs page's own files). */
  readonly hidden: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body may be left out; it is then validated as `{}`. */
    optionalBody?: boolean;
    /** Bytes instead of JSON: the request body's media types, the success response's type. */
    binary?: BinaryMedia;
  }
}

const routeTables = new WeakMap<FastifyInstance, ApiRoute[]>();

/** A route that takes or answers bytes, which route schemas (JSON) cannot describe. */
export interface BinaryMedia {
  readonly request?: readonly string[];
  readonly response?: string;
}

/** The routes `createApi` registered (a copy), e.g. to check the document covers them all. */
export function listRoutes(app: FastifyInstance): readonly ApiRoute[] {
  return [...(routeTables.get(app) ?? [])];
}

export interface ApiRateLimits {
  readonly perCredential: RateLimitOptions;
  readonly failedAuthPerAddress: RateLimitOptions;
  readonly loginPerAddress: RateLimitOptions;
}

export const DEFAULT_RATE_LIMITS: ApiRateLimits = {
  perCredential: { ratePerSecond: 100, burst: 200 },
  failedAuthPerAddress: { ratePerSecond: 2, burst: 20 },
  loginPerAddress: { ratePerSecond: 1, burst: 10 },
};

/** Builds the REST API over `options.broker`; call `listen` (or `inject`) on the result. */
export async function createApi(options: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...loggerOptions(options.logger),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // Unique across restarts and processes, unlike Fastify's counter, so a request id
    // quoted by a user finds one log line.
    genReqId: () => randomUUID(),
    // Errors Fastify meets before routing (a URL that does not decode) get the one error body too.
    frameworkErrors: errorHandler,
    // HEAD would run GET handlers, including the event stream; only /health opts in.
    exposeHeadRoutes: false,
    ajv: {
      customOptions: {
        // Fastify's default silently drops unknown body fields; a typo must be refused by name.
        removeAdditional: false,
        // Keeps the schema on each error so an unknown field can be answered with the known ones.
        verbose: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routes: ApiRoute[] = [];
  routeTables.set(app, routes);
  const optionalBodies = new Set<string>();
  const binaryMedia = new Map<string, BinaryMedia>();
  app.addHook('onRoute', (route) => onRoute(route, routes, optionalBodies, binaryMedia));

  app.decorateRequest('principal', null);
  app.addHook('onRequest', securityHeaders);
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  useJsonBodyParser(app);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  await app.register(swagger, openApiOptions(options.version, optionalBodies, binaryMedia));
  await app.register(swaggerUi, { routePrefix: `${API_PREFIX}/docs` });
  await app.register(systemRoutes, { prefix: API_PREFIX, version: options.version });
  await app.register(sessionRoutes, { prefix: API_PREFIX, service: options.service, limiter: new RateLimiter(limits.loginPerAddress) });
  const shutdown = new AbortController();
  app.addHook('preClose', async () => shutdown.abort());
  await app.register(
    async (api) => {
      api.addHook('onRequest', authenticationHook(options.service, { perCredential: new RateLimiter(limits.perCredential), failuresPerAddress: new RateLimiter(limits.failedAuthPerAddress) }));
      api.addHook('onRoute', (route) => bindHandlerToCaller(route, options.service));
      const routeOptions = { broker: requestBroker, shutdown: shutdown.signal };
      for (const plugin of [
        catalogueRoutes,
        providerRoutes,
        locationRoutes,
        hardwareProfileRoutes,
        imageRoutes,
        instanceRoutes,
        keyPairRoutes,
        volumeRoutes,
        snapshotRoutes,
        securityGroupRoutes,
        tagRoutes,
        operationRoutes,
        eventRoutes,
        tenancyRoutes,
        migrationRoutes,
        applianceRoutes,
      ]) {
        await api.register(plugin, routeOptions);
      }
    },
    { prefix: API_PREFIX },
  );
  return app;
}

/**
 * Fastify 5 takes logger options as `logger` and a ready logger only as `loggerInstance`
 * (it refuses an instance passed as options); callers pass either as `logger`.
 */
function loggerOptions(logger: ApiOptions['logger']): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  const isInstance =
    typeof logger === 'object' && logger !== null && ['info', 'error', 'child'].every((m) => typeof (logger as Record<string, unknown>)[m] === 'function');
  if (isInstance) return { loggerInstance: logger as FastifyBaseLogger };
  return { logger: (logger ?? false) as FastifyServerOptions['logger'] };
}

/**
 * Records each route and refuses, at start, a documented route without an operation id:
 * generated clients name their methods after it, so it must never be missing.
 */
function onRoute(route: FastifyRouteOptions, routes: ApiRoute[], optionalBodies: Set<string>, binaryMedia: Map<string, BinaryMedia>): void {
  const schema = route.schema as { hide?: boolean; operationId?: string } | undefined;
  const hidden = schema?.hide === true;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  for (const method of methods) {
    if (method === 'HEAD') continue;
    if (!hidden && schema?.operationId === undefined) {
      throw new Error(`route ${method} ${route.url} has no schema.operationId; every documented route needs one`);
    }
    routes.push({ method, url: route.url, operationId: schema?.operationId, hidden });
  }
  if (route.config?.binary !== undefined && schema?.operationId !== undefined) binaryMedia.set(schema.operationId, route.config.binary);
  if (route.config?.optionalBody === true) {
    if (schema?.operationId !== undefined) optionalBodies.add(schema.operationId);
    const defaultBody = (request: { body: unknown }, _reply: unknown, done: () => void) => {
      request.body ??= {};
      done();
    };
    const existing = route.preValidation;
    route.preValidation = existing === undefined ? [defaultBody] : [defaultBody, ...(Array.isArray(existing) ? existing : [existing])];
  }
}
