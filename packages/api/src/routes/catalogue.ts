/** What the broker knows without any provider: the state machine, capabilities, drivers. */
import { CAPABILITY_CATALOGUE, INSTANCE_STATE_MACHINE } from '@skyport/model';
import { CapabilityDescriptionSchema, DriverInfoSchema, InstanceStateInfoSchema } from '../schemas/entities.js';
import { errorResponses } from '../schemas/error.js';
import { ItemsSchema } from '../schemas/page.js';
import { Type } from '@sinclair/typebox';
import type { RoutePlugin } from './plugin.js';

export const catalogueRoutes: RoutePlugin = async (app, { broker }) => {
  app.get(
    '/instance-states',
    {
      schema: {
        operationId: 'listInstanceStates',
        tags: ['catalogue'],
        summary: 'The normalized instance state machine',
        description: 'Every state with whether it is transitional, the states it may move to and the actions it accepts.',
        response: { 200: ItemsSchema(Type.Ref(InstanceStateInfoSchema), 'The instance states.'), ...errorResponses },
      },
    },
    async () => ({ items: [...INSTANCE_STATE_MACHINE] }),
  );

  app.get(
    '/capabilities',
    {
      schema: {
        operationId: 'listCapabilities',
        tags: ['catalogue'],
        summary: 'The capability catalogue',
        description: "Every capability group a driver may declare, with what it means; each provider's own are in its `capabilities`.",
        response: { 200: ItemsSchema(Type.Ref(CapabilityDescriptionSchema), 'The capability groups.'), ...errorResponses },
      },
    },
    async () => ({ items: [...CAPABILITY_CATALOGUE] }),
  );

  app.get(
    '/drivers',
    {
      schema: {
        operationId: 'listDrivers',
        tags: ['catalogue'],
        summary: 'The drivers this broker can run',
        description: 'Each driver with its capabilities, behaviour flags and configuration fields (secret ones are credentials).',
        response: { 200: ItemsSchema(Type.Ref(DriverInfoSchema), 'The drivers.'), ...errorResponses },
      },
    },
    async () => ({ items: broker.drivers.list() }),
  );
};
