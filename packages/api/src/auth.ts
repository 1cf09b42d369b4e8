/**
 * Bearer-token authentication of the REST API. Installed as an `onRequest` hook on the
 * protected routes only, so a refused request is answered before its body is read. What a
 * caller may do is decided in the core (its Broker checks the role), not here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler, RouteOptions as FastifyRouteOptions } from 'fastify';
import type { Broker, BrokerService } from '@skyport/core';
import { SkyportError, isSkyportError, type Principal } from '@skyport/model';
import type { RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every protected route. */
    principal: Principal | null;
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const HOW_TO_GET_A_TOKEN =
  'send "Authorization: Bearer <token>"; the broker prints an admin token when it starts and writes it to <data dir>/admin-token';

/** The caller's Broker while its request's handler runs. */
const current = new AsyncLocalStorage<Broker>();

/**
 * The Broker route files use: each access goes to the Broker of the request being handled,
 * so every route is scoped to its caller's tenant without passing it around by hand.
 */
export const requestBroker: Broker = new Proxy({} as Broker, {
  get(_target, group) {
    const broker = current.getStore();
    if (!broker) throw new SkyportError('Internal', 'the broker was used outside a request');
    return broker[group as keyof Broker];
  },
});

/** Runs every handler of the protected routes inside its caller's Broker. */
export function bindHandlerToCaller(route: FastifyRouteOptions, service: BrokerService): void {
  const handler = route.handler;
  route.handler = function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
    if (!request.principal) throw new SkyportError('Unauthenticated', `this request needs a token: ${HOW_TO_GET_A_TOKEN}`);
    return current.run(service.as(request.principal), () => handler.call(this as never, request, reply));
  } as typeof handler;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  if (match === null || match[1] === undefined) {
    throw new SkyportError('Unauthenticated', `the Authorization header is not of the form "Bearer <token>": ${HOW_TO_GET_A_TOKEN}`);
  }
  return match[1];
}

/** Cookie names of the portal's session: the token (HttpOnly) and the CSRF double-submit value. */
export const SESSION_COOKIE = 'skyport_session';
export const CSRF_COOKIE = 'skyport_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function cookies(request: FastifyRequest): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return jar;
}

export interface AuthenticationLimits {
  /** Requests per credential. */
  readonly perCredential: RateLimiter;
  /** Failed authentications per address (guessing tokens). */
  readonly failuresPerAddress: RateLimiter;
}

export function authenticationHook(service: BrokerService, limits: AuthenticationLimits): onRequestAsyncHookHandler {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    try {
      let token = bearerToken(request);
      if (token === undefined) {
        // The portal's cookie session. A cookie is sent by the browser on its own, so a change
        // must also prove it comes from the portal's page: the CSRF header must repeat the
        // CSRF cookie, which another site's page cannot read.
        const jar = cookies(request);
        token = jar.get(SESSION_COOKIE);
        if (token !== undefined && !READ_METHODS.has(request.method)) {
          const expected = jar.get(CSRF_COOKIE);
          const given = request.headers[CSRF_HEADER];
          if (expected === undefined || typeof given !== 'string' || given !== expected) {
            throw new SkyportError('Forbidden', `a change made with the session cookie needs the ${CSRF_HEADER} header set to the ${CSRF_COOKIE} cookie's value`, {
              details: { header: CSRF_HEADER },
            });
          }
        }
      }
      if (token === undefined) throw new SkyportError('Unauthenticated', `this request needs a token: ${HOW_TO_GET_A_TOKEN}`);
      request.principal = await service.auth.authenticateToken(token, { door: 'rest', address: request.ip });
    } catch (error) {
      if (isSkyportError(error) && error.code === 'Unauthenticated') {
        limits.failuresPerAddress.take(request.ip, `address ${request.ip} (failed authentications)`);
        throw new SkyportError('Unauthenticated', `${error.message}; ${HOW_TO_GET_A_TOKEN}`, {
          ...(error.details === undefined ? {} : { details: error.details }),
          cause: error,
        });
      }
      throw error;
    }
    limits.perCredential.take(request.principal.credentialId ?? request.principal.userId, 'this token');
  };
}
