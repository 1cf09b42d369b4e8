/** Locations: regions and zones of every provider. */
import { LocationSchema } from '../schemas/entities.js';
import { inventoryRoutes } from './inventory-routes.js';
import type { RoutePlugin } from './plugin.js';

export const locationRoutes: RoutePlugin = async (app, { broker }) => {
  inventoryRoutes(app, {
    path: 'locations',
    noun: 'location',
    plural: 'locations',
    operationIds: ['listLocations', 'getLocation'],
    entity: LocationSchema,
    list: (query) => broker.locations.list(query),
    get: (id) => broker.locations.get(id),
  });
};
