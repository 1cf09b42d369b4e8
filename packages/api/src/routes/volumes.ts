/** Block volumes: create, attach, detach, delete; all long actions answer 202. */
import { Type } from '@sinclair/typebox';
import { VolumeSchema } from '../schemas/entities.js';
import { IdParams, TagsSchema } from '../schemas/helpers.js';
import { inventoryRoutes } from './inventory-routes.js';
import { IdempotencyHeaders, accepted, acceptedResponses, createOptions, type RoutePlugin } from './plugin.js';

export const CreateVolumeBody = Type.Object(
  {
    providerId: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    sizeGiB: Type.Integer({ minimum: 1, description: "Size in GiB, up to the driver's `volumes.maxSizeGiB`." }),
    locationId: Type.Optional(Type.String({ minLength: 1 })),
    snapshotId: Type.Optional(Type.String({ minLength: 1, description: 'Create the volume from this snapshot.' })),
    tags: Type.Optional(TagsSchema),
  },
  { additionalProperties: false },
);

const AttachBody = Type.Object(
  {
    instanceId: Type.String({ minLength: 1 }),
    device: Type.Optional(Type.String({ minLength: 1, description: 'Device name in the guest, e.g. `/dev/vdb`; the driver picks one when absent.' })),
  },
  { additionalProperties: false },
);

export const volumeRoutes: RoutePlugin = async (app, { broker }) => {
  inventoryRoutes(app, {
    path: 'volumes',
    noun: 'volume',
    plural: 'volumes',
    operationIds: ['listVolumes', 'getVolume'],
    entity: VolumeSchema,
    list: (query) => broker.volumes.list(query),
    get: (id) => broker.volumes.get(id),
  });

  app.post(
    '/volumes',
    {
      schema: {
        operationId: 'createVolume',
        tags: ['volumes'],
        summary: 'Create a volume',
        headers: IdempotencyHeaders,
        body: CreateVolumeBody,
        response: acceptedResponses('The creation has started.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.volumes.create(request.body, createOptions(request.headers))),
  );

  app.delete(
    '/volumes/:id',
    {
      schema: {
        operationId: 'deleteVolume',
        tags: ['volumes'],
        summary: 'Delete a volume',
        params: IdParams,
        response: acceptedResponses('The deletion has started.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.volumes.delete(request.params.id)),
  );

  app.post(
    '/volumes/:id/attach',
    {
      schema: {
        operationId: 'attachVolume',
        tags: ['volumes'],
        summary: 'Attach a volume to an instance',
        params: IdParams,
        body: AttachBody,
        response: acceptedResponses('The attachment has started.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.volumes.attach(request.params.id, request.body.instanceId, request.body.device)),
  );

  app.post(
    '/volumes/:id/detach',
    {
      schema: {
        operationId: 'detachVolume',
        tags: ['volumes'],
        summary: 'Detach a volume from its instance',
        params: IdParams,
        response: acceptedResponses('The detachment has started.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.volumes.detach(request.params.id)),
  );
};
