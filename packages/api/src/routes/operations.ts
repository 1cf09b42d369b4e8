/** Operations: the long actions every 202 answer points to. */
import { Type } from '@sinclair/typebox';
import { OPERATION_STATUSES, OperationSchema } from '../schemas/operation.js';
import { errorResponses } from '../schemas/error.js';
import { IdParams } from '../schemas/helpers.js';
import { PageSchema } from '../schemas/page.js';
import { AllowedListParam, DEFAULT_LIMIT, checkAllowed, splitList } from '../list-query.js';
import { unlessShuttingDown, type RoutePlugin } from './plugin.js';

/** As for instances: long enough for a slow action, short enough for proxies and users. */
const MAX_WAIT_SECONDS = 600;
const DEFAULT_WAIT_SECONDS = 30;

const OperationsQuery = Type.Object(
  {
    status: AllowedListParam('Only operations with these statuses', OPERATION_STATUSES),
    provider: Type.Optional(Type.String({ minLength: 1, description: 'Only operations on this provider (id).' })),
    target: Type.Optional(Type.String({ minLength: 1, description: 'Only operations on this resource (id).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_LIMIT, description: 'Items per page.' })),
    cursor: Type.Optional(Type.String({ minLength: 1, description: '`nextCursor` of the previous page.' })),
  },
  { additionalProperties: false },
);

export const operationRoutes: RoutePlugin = async (app, { broker, shutdown }) => {
  app.get(
    '/operations',
    {
      schema: {
        operationId: 'listOperations',
        tags: ['operations'],
        summary: 'List operations, newest first',
        querystring: OperationsQuery,
        response: { 200: PageSchema(Type.Ref(OperationSchema), 'A page of operations.'), ...errorResponses },
      },
    },
    async (request) => {
      const { provider, target, limit, cursor } = request.query;
      const statuses = checkAllowed('status', splitList(request.query.status), OPERATION_STATUSES);
      return broker.operations.list({
        ...(statuses === undefined ? {} : { statuses }),
        ...(provider === undefined ? {} : { providerId: provider }),
        ...(target === undefined ? {} : { targetId: target }),
        limit: limit ?? DEFAULT_LIMIT,
        ...(cursor === undefined ? {} : { cursor }),
      });
    },
  );

  app.get(
    '/operations/:id',
    {
      schema: {
        operationId: 'getOperation',
        tags: ['operations'],
        summary: 'Get an operation',
        params: IdParams,
        response: { 200: Type.Ref(OperationSchema), ...errorResponses },
      },
    },
    async (request) => broker.operations.get(request.params.id),
  );

  app.get(
    '/operations/:id/wait',
    {
      schema: {
        operationId: 'waitForOperation',
        tags: ['operations'],
        summary: 'Wait until an operation is done',
        description: 'Answers when the operation has succeeded, failed or been cancelled; 504 Timeout after `timeout` seconds.',
        params: IdParams,
        querystring: Type.Object(
          { timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: DEFAULT_WAIT_SECONDS, description: 'Seconds to wait.' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref(OperationSchema), ...errorResponses },
      },
    },
    async (request) =>
      unlessShuttingDown(shutdown, broker.operations.waitFor(request.params.id, (request.query.timeout ?? DEFAULT_WAIT_SECONDS) * 1000)),
  );
};
