/** What every route file receives, and the typed plugin signature they share. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Broker } from '@skyport/core';
import { SkyportError, type Operation } from '@skyport/model';
import { API_PREFIX } from '../api-prefix.js';
import { errorResponses } from '../schemas/error.js';
import { OperationSchema } from '../schemas/operation.js';

export interface RouteOptions {
  readonly broker: Broker;
  /** Aborted when the server starts closing; long waits give up on it. */
  readonly shutdown: AbortSignal;
}

/** A route file: a Fastify plugin typed by the TypeBox provider, given the broker. */
export type RoutePlugin = FastifyPluginAsyncTypebox<RouteOptions>;

/**
 * `202 Accepted` with the operation and its address in `Location`, for every long action,
 * so a client can follow any of them the same way.
 */
export function accepted(reply: FastifyReply, operation: Operation): Operation {
  void reply.code(202).header('location', `${API_PREFIX}/operations/${operation.id}`);
  return operation;
}

/** The responses of a route that answers with `accepted`. */
export function acceptedResponses(description: string) {
  return {
    202: Type.Ref(OperationSchema, {
      description: `${description} Follow the operation in the Location header.`,
      // Read by @fastify/swagger into the response's `headers`; the serializer ignores it.
      headers: { location: { type: 'string', description: 'The operation: /api/v1/operations/{id}.' } },
    }),
    ...errorResponses,
  };
}

/** Header schema of the creates that honour an idempotency key. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Makes a retried create safe: the same key with the same body returns the same operation; with another body, 422.',
    }),
  ),
});

/** Passes the header on as the broker's create option. */
export function createOptions(headers: { readonly 'idempotency-key'?: string }): { idempotencyKey?: string } {
  const key = headers['idempotency-key'];
  return key === undefined ? {} : { idempotencyKey: key };
}

/** The Fastify instance a route file registers on, typed by the TypeBox provider. */
export type FastifyInstanceTypebox = Parameters<RoutePlugin>[0];

/**
 * Settles like `work`, unless the server starts closing first: then a retryable Timeout,
 * so a long-poll does not hold the shutdown for its whole timeout (the broker's waits take
 * no signal; see the README).
 */
export function unlessShuttingDown<T>(shutdown: AbortSignal, work: Promise<T>): Promise<T> {
  if (shutdown.aborted) return Promise.reject(shuttingDown());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(shuttingDown());
    shutdown.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => shutdown.removeEventListener('abort', onAbort));
  });
}

function shuttingDown(): SkyportError {
  return new SkyportError('Timeout', 'the broker is shutting down; wait again once it is back', { retryable: true });
}
