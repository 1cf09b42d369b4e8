/** Volume snapshots: create and delete answer 202 with an operation. */
import { Type } from '@sinclair/typebox';
import { SnapshotSchema } from '../schemas/entities.js';
import { IdParams, TagsSchema } from '../schemas/helpers.js';
import { inventoryRoutes } from './inventory-routes.js';
import { IdempotencyHeaders, accepted, acceptedResponses, createOptions, type RoutePlugin } from './plugin.js';

export const CreateSnapshotBody = Type.Object(
  {
    volumeId: Type.String({ minLength: 1, description: 'The volume to snapshot.' }),
    name: Type.String({ minLength: 1 }),
    tags: Type.Optional(TagsSchema),
  },
  { additionalProperties: false },
);

export const snapshotRoutes: RoutePlugin = async (app, { broker }) => {
  inventoryRoutes(app, {
    path: 'snapshots',
    noun: 'snapshot',
    plural: 'snapshots',
    operationIds: ['listSnapshots', 'getSnapshot'],
    entity: SnapshotSchema,
    list: (query) => broker.snapshots.list(query),
    get: (id) => broker.snapshots.get(id),
  });

  app.post(
    '/snapshots',
    {
      schema: {
        operationId: 'createSnapshot',
        tags: ['snapshots'],
        summary: 'Snapshot a volume',
        headers: IdempotencyHeaders,
        body: CreateSnapshotBody,
        response: acceptedResponses('The snapshot has started.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.snapshots.create(request.body, createOptions(request.headers))),
  );

  app.delete(
    '/snapshots/:id',
    {
      schema: {
        operationId: 'deleteSnapshot',
        tags: ['snapshots'],
        summary: 'Delete a snapshot',
        params: IdParams,
        response: acceptedResponses('The deletion has started.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.snapshots.delete(request.params.id)),
  );
};
