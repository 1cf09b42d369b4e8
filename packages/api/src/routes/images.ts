/** Images of every provider; images made from instances, and their deletion (202 + operation). */
import { Type } from '@sinclair/typebox';
import { ImageSchema } from '../schemas/entities.js';
import { IdParams, TagsSchema } from '../schemas/helpers.js';
import { inventoryRoutes } from './inventory-routes.js';
import { IdempotencyHeaders, accepted, acceptedResponses, createOptions, type RoutePlugin } from './plugin.js';

export const CreateImageBody = Type.Object(
  {
    instanceId: Type.String({ minLength: 1, description: 'The instance whose disk becomes the image.' }),
    name: Type.String({ minLength: 1, description: 'Unique within the provider.' }),
    description: Type.Optional(Type.String({ maxLength: 255 })),
    tags: Type.Optional(TagsSchema),
  },
  { additionalProperties: false },
);

export const imageRoutes: RoutePlugin = async (app, { broker }) => {
  inventoryRoutes(app, {
    path: 'images',
    noun: 'image',
    plural: 'images',
    operationIds: ['listImages', 'getImage'],
    entity: ImageSchema,
    list: (query) => broker.images.list(query),
    get: (id) => broker.images.get(id),
  });

  app.post(
    '/images',
    {
      schema: {
        operationId: 'createImage',
        tags: ['images'],
        summary: 'Create an image from an instance',
        description:
          "501 Unsupported unless the provider can (capability `imageFromInstance`); 409 InvalidState unless the instance is stopped (or running, when `imageFromInstance.whileRunning`). The operation's `targetId` is the new image; it succeeds when the image is available.",
        headers: IdempotencyHeaders,
        body: CreateImageBody,
        response: acceptedResponses('The image is being created.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.images.createFromInstance(request.body, createOptions(request.headers))),
  );

  app.delete(
    '/images/:id',
    {
      schema: {
        operationId: 'deleteImage',
        tags: ['images'],
        summary: 'Delete (deregister) an image',
        description: "Instances already made from the image keep running. Public images of the provider cannot be deleted (400).",
        params: IdParams,
        response: acceptedResponses('The deletion has started.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.images.delete(request.params.id)),
  );
};
