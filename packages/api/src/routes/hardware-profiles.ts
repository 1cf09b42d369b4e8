/** Hardware profiles: the CPU, memory and disk choices of every provider. */
import { HardwareProfileSchema } from '../schemas/entities.js';
import { inventoryRoutes } from './inventory-routes.js';
import type { RoutePlugin } from './plugin.js';

export const hardwareProfileRoutes: RoutePlugin = async (app, { broker }) => {
  inventoryRoutes(app, {
    path: 'hardware-profiles',
    noun: 'hardware profile',
    plural: 'hardware profiles',
    operationIds: ['listHardwareProfiles', 'getHardwareProfile'],
    entity: HardwareProfileSchema,
    list: (query) => broker.hardwareProfiles.list(query),
    get: (id) => broker.hardwareProfiles.get(id),
  });
};
