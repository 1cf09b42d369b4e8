/**
 * Bearer-token authentication and the one role rule of the REST API: viewers read, the
 * other roles may also change things. Installed as an `onRequest` hook on the protected
 * routes only, so a refused request is answered before its body is read.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Broker } from '@skyport/core';
import { SkyportError, isSkyportError } from '@skyport/model';

/** Who made a request, as the broker authenticated it. */
export interface Caller {
  readonly tokenId: string;
  readonly role: 'admin' | 'operator' | 'viewer';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every protected route. */
    caller: Caller | null;
  }
}

const HOW_TO_GET_A_TOKEN =
  'send "Authorization: Bearer <token>"; the broker prints an admin token when it starts and writes it to <data dir>/admin-token';

const READ_METHODS = new Set(['GET', 'HEAD']);

export function authenticationHook(broker: Broker): onRequestAsyncHookHandler {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw new SkyportError('Unauthenticated', `this request needs a token: ${HOW_TO_GET_A_TOKEN}`);
    }
    const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
    if (match === null || match[1] === undefined) {
      throw new SkyportError('Unauthenticated', `the Authorization header is not of the form "Bearer <token>": ${HOW_TO_GET_A_TOKEN}`);
    }
    let caller: Caller;
    try {
      caller = await broker.auth.authenticate(match[1]);
    } catch (error) {
      if (isSkyportError(error) && error.code === 'Unauthenticated') {
        throw new SkyportError('Unauthenticated', `${error.message}; ${HOW_TO_GET_A_TOKEN}`, {
          ...(error.details === undefined ? {} : { details: error.details }),
          cause: error,
        });
      }
      throw error;
    }
    if (caller.role === 'viewer' && !READ_METHODS.has(request.method)) {
      throw new SkyportError(
        'Forbidden',
        `role viewer may only read (GET); ${request.method} ${request.routeOptions.url ?? request.url} needs role operator or admin`,
        { details: { role: caller.role, method: request.method } },
      );
    }
    request.caller = caller;
  };
}
