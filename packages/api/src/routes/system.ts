/** Routes without authentication: health for probes, and the OpenAPI document for tools. */
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../schemas/error.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export interface SystemRouteOptions {
  readonly version: string;
}

export const systemRoutes: FastifyPluginAsyncTypebox<SystemRouteOptions> = async (app, { version }) => {
  app.get(
    '/health',
    {
      exposeHeadRoute: true,
      schema: {
        operationId: 'getHealth',
        tags: ['system'],
        summary: 'Whether the broker answers',
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }, { description: 'The broker is up.' }),
          ...errorResponses,
        },
      },
    },
    async () => ({ status: 'ok' as const, version }),
  );

  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'getOpenApiDocument',
        tags: ['system'],
        summary: 'This API as an OpenAPI 3.1 document',
        security: [],
        response: {
          200: Type.Object({}, { additionalProperties: true, description: 'The OpenAPI 3.1 document.' }),
          ...errorResponses,
        },
      },
    },
    async () => app.swagger(),
  );
};
