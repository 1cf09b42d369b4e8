/** Password login: the one route that takes no token. Answers a session token for the portal and CLI. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { BrokerService } from '@skyport/core';
import { randomBytes } from 'node:crypto';
import { errorResponses } from '../schemas/error.js';
import { CSRF_COOKIE, SESSION_COOKIE } from '../auth.js';
import type { RateLimiter } from '../rate-limit.js';

export const sessionRoutes: FastifyPluginAsyncTypebox<{ service: BrokerService; limiter: RateLimiter }> = async (app, { service, limiter }) => {
  app.post(
    '/sessions',
    {
      schema: {
        operationId: 'login',
        tags: ['tenancy'],
        summary: 'Log in with a user name and password',
        security: [],
        body: Type.Object(
          {
            userName: Type.String({ minLength: 1, maxLength: 128 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            cookie: Type.Optional(Type.Boolean({ description: 'Also set the portal session cookies (HttpOnly session + CSRF value).' })),
            tenant: Type.Optional(Type.String({ minLength: 1, description: "The tenant to act in (id or name); the user's first membership when absent." })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ token: Type.String({ description: 'A session token: send it as a bearer token.' }), expiresAt: Type.String(), userId: Type.String(), tenantId: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      limiter.take(request.ip, `address ${request.ip} (logins)`);
      const { principal, token, expiresAt } = await service.auth.login(request.body.userName, request.body.password, { door: request.body.cookie === true ? 'portal' : 'rest', address: request.ip }, request.body.tenant);
      if (request.body.cookie === true) {
        const expires = new Date(expiresAt).toUTCString();
        const secure = request.protocol === 'https' ? '; Secure' : '';
        void reply.header('set-cookie', [
          `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Expires=${expires}${secure}`,
          `${CSRF_COOKIE}=${randomBytes(24).toString('base64url')}; Path=/; SameSite=Strict; Expires=${expires}${secure}`,
        ]);
      }
      return reply.code(201).send({ token, expiresAt, userId: principal.userId, tenantId: principal.tenantId });
    },
  );
};
