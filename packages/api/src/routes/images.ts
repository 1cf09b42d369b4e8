/** Images of every provider. */
import { ImageSchema } from '../schemas/entities.js';
import { inventoryRoutes } from './inventory-routes.js';
import type { RoutePlugin } from './plugin.js';

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
};
