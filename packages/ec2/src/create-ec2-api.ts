/**
 * Builds the EC2 Query front end: one Fastify route at `/` taking GET and POST, every request
 * signed with AWS Signature V4 by an access key Skyport issued, answered in EC2's XML. It is
 * returned unstarted; the server package decides where it listens (port 8773 by default, the
 * Eucalyptus port).
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { RateLimiter, type BrokerService } from '@skyport/core';
import { isSkyportError, type Principal } from '@skyport/model';
import type { Action } from './action.js';
import { createActionContext } from './action-context.js';
import { ACTIONS } from './actions/index.js';
import { verifySignature } from './auth/verify-signature.js';
import { Ec2Error } from './protocol/ec2-error.js';
import { errorDocument, successDocument } from './protocol/envelope.js';
import { toEc2Error } from './protocol/error-mapping.js';
import { QueryParams, parseForm } from './protocol/query-params.js';

export interface Ec2ApiOptions {
  /** Authentication and the broker per caller. */
  readonly service: BrokerService;
  /** `false` (default), `true`, pino options, or a pino logger to log through. */
  readonly logger?: boolean | object;
  /** The time signatures are checked against and the `Date` header shows; default the system clock. */
  readonly clock?: { now(): Date };
  /** Largest request body accepted; default 1 MiB (user-data and public keys fit easily). */
  readonly bodyLimitBytes?: number;
}

const CONTENT_TYPE = 'text/xml;charset=UTF-8';
const FORM_TYPE = 'application/x-www-form-urlencoded';
/** Actions by name. */
const ACTION_TABLE: ReadonlyMap<string, Action> = new Map(ACTIONS.map((a) => [a.name, a]));

export async function createEc2Api(options: Ec2ApiOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? { now: () => new Date() };
  const app = Fastify({
    ...loggerOptions(options.logger),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    exposeHeadRoutes: false,
    frameworkErrors: (error, request, reply) => sendError(reply, request, new Ec2Error('InvalidRequest', `The request is malformed: ${error.message}`), clock),
  });
  // The body is hashed for the signature exactly as received, so it is kept as bytes; the
  // form is decoded only after. Other content types are refused by the route with a message.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const ec2 =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? new Ec2Error('InvalidRequest', `The request body is larger than the ${options.bodyLimitBytes ?? 1024 * 1024} bytes the broker accepts`, { status: 413 })
        : toEc2Error(error);
    sendError(reply, request, ec2, clock);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    sendError(reply, request, new Ec2Error('InvalidAction', `The EC2 API answers GET and POST at /, not ${request.method} ${path}`), clock);
  });
  // The same limits as the REST door: requests per access key, failed signatures per address.
  const limits: Ec2Limits = { perKey: new RateLimiter({ ratePerSecond: 100, burst: 200 }), failuresPerAddress: new RateLimiter({ ratePerSecond: 2, burst: 20 }) };
  app.route({ method: ['GET', 'POST'], url: '/', handler: (request, reply) => serve(options.service, clock, limits, request, reply) });
  return app;
}

interface Ec2Limits {
  readonly perKey: RateLimiter;
  readonly failuresPerAddress: RateLimiter;
}

async function serve(service: BrokerService, clock: { now(): Date }, limits: Ec2Limits, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  let action: Action | undefined;
  try {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const contentType = request.headers['content-type'];
    if (body.length > 0 && (contentType === undefined || contentType.split(';')[0]!.trim().toLowerCase() !== FORM_TYPE)) {
      throw new Ec2Error('InvalidRequest', `The request body must be a form (Content-Type: ${FORM_TYPE}), not ${contentType ?? 'untyped'}`);
    }
    const rawUrl = request.raw.url ?? '/';
    const q = rawUrl.indexOf('?');
    const values = parseForm(body.toString('utf8'), parseForm(q < 0 ? '' : rawUrl.slice(q + 1)));

    const address = request.ip;
    const verified = await (async () => {
      try {
        return await verifySignature<Principal>(
      { method: request.method, url: rawUrl, rawHeaders: request.raw.rawHeaders, body },
      {
        service: 'ec2',
        now: clock.now(),
        lookup: async (accessKeyId) => {
          try {
            return await service.auth.accessKey(accessKeyId, { door: 'ec2', address });
          } catch (error) {
            if (isSkyportError(error) && error.code === 'NotFound') return undefined;
            if (isSkyportError(error) && error.code === 'Unauthenticated') {
              throw new Ec2Error('AuthFailure', `AWS was not able to validate the provided access credentials: ${error.message} (${accessKeyId}); create a key with \`skyport access-key create\``);
            }
            throw error;
          }
        },
      },
    );
      } catch (error) {
        // Guessing keys or signatures from one address is slowed down like token guessing at the REST door.
        limits.failuresPerAddress.take(address, `address ${address} (failed signatures)`);
        throw error;
      }
    })();
    limits.perKey.take(verified.accessKeyId, 'this access key');
    const params = new QueryParams(values);
    params.consume('Version', ...verified.signatureParams);
    const name = params.string('Action');
    if (name === undefined || name === '') throw new Ec2Error('MissingAction', 'The request must contain the parameter Action');
    action = ACTION_TABLE.get(name);
    if (action === undefined) throw new Ec2Error('InvalidAction', `The action ${name} is not valid for this web service or not implemented by Skyport; the actions it implements are listed in docs/ec2.md`);
    request.log.debug({ action: name, accessKeyId: verified.accessKeyId, region: verified.region }, 'ec2 request');

    const principal = verified.principal;
    const ctx = createActionContext({
      broker: service.as(principal),
      principal,
      region: verified.region,
      requestId: request.id,
      endpointHost: request.headers.host ?? 'localhost',
      now: () => clock.now(),
    });
    if (action.regional !== false) await ctx.provider();
    const dryRun = params.boolean('DryRun') === true;
    const input = action.parse(params);
    params.rejectUnread(action.name, [...action.parameters, 'DryRun']);
    if (action.mutates && principal.role === 'viewer') {
      throw new Ec2Error('UnauthorizedOperation', `You are not authorized to perform this operation: role viewer may only describe; ${action.name} needs role operator or admin`);
    }
    if (dryRun) throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
    const result = await action.run(ctx, input);
    void reply.status(200).headers(commonHeaders(request.id, clock)).type(CONTENT_TYPE).send(successDocument(action.name, request.id, result));
  } catch (error) {
    sendError(reply, request, toEc2Error(error, action?.subject), clock);
  }
}

function commonHeaders(requestId: string, clock: { now(): Date }): Record<string, string> {
  // The JS SDK reads the request id only from this header; the Date header lets SDKs correct
  // a skewed clock after RequestExpired.
  return { 'x-amzn-RequestId': requestId, date: clock.now().toUTCString() };
}

function sendError(reply: FastifyReply, request: FastifyRequest, error: Ec2Error, clock: { now(): Date }): void {
  if (error.code === 'InternalError') request.log.error({ err: error.cause ?? error }, 'ec2 request failed with an internal error');
  else request.log.info({ code: error.code, status: error.status }, error.message);
  const headers = commonHeaders(request.id, clock);
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  void reply.status(error.status).headers(headers).type(CONTENT_TYPE).send(errorDocument(error, request.id));
}

/** Fastify 5 takes a ready logger only as `loggerInstance`; callers pass either as `logger`. */
function loggerOptions(logger: Ec2ApiOptions['logger']): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  const isInstance =
    typeof logger === 'object' && logger !== null && ['info', 'error', 'child'].every((m) => typeof (logger as Record<string, unknown>)[m] === 'function');
  if (isInstance) return { loggerInstance: logger as FastifyBaseLogger };
  return { logger: (logger ?? false) as FastifyServerOptions['logger'] };
}
