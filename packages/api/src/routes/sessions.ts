/** Password login: the one route that takes no token. Answers a session token for the portal and CLI. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BrokerService } from '@skyport/core';
import { errorResponses } from '../schemas/error.js';

export const sessionRoutes: FastifyPluginAsyncTypebox<{ service: BrokerService }> = async (app, { service }) => {
  app.post(
    '/sessions',
    {
      schema: {
        operationId: 'login',
        tags: ['tenancy'],
        summary: 'Log in with a user name and password',
        security: [],
        body: Type.Object({ userName: Type.String({ minLength: 1, maxLength: 128 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({ token: Type.String({ description: 'A session token: send it as a bearer token.' }), expiresAt: Type.String(), userId: Type.String(), tenantId: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { principal, token, expiresAt } = await service.auth.login(request.body.userName, request.body.password, { door: 'rest', address: request.ip });
      return reply.code(201).send({ token, expiresAt, userId: principal.userId, tenantId: principal.tenantId });
    },
  );
};
