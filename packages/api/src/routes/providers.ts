/** Providers: configured cloud accounts. Credentials go in and never come out. */
import { Type } from '@sinclair/typebox';
import { ProviderViewSchema } from '../schemas/entities.js';
import { errorResponses } from '../schemas/error.js';
import { ItemsSchema } from '../schemas/page.js';
import { ProviderIdParams } from '../schemas/helpers.js';
import { API_PREFIX } from '../api-prefix.js';
import type { RoutePlugin } from './plugin.js';

export const AddProviderBody = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Unique name, usable in place of the id anywhere.' }),
    driver: Type.String({ minLength: 1, description: 'A driver name from GET /api/v1/drivers.' }),
    endpoint: Type.Optional(Type.String({ minLength: 1 })),
    region: Type.Optional(Type.String({ minLength: 1 })),
    credentials: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        writeOnly: true,
        description: "The driver's secret configuration fields. Write-only: encrypted at rest, never returned.",
      }),
    ),
    settings: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Driver settings that are not secret.' })),
  },
  { additionalProperties: false },
);

export const ProviderTestResultSchema = Type.Object(
  {
    ok: Type.Boolean(),
    latencyMs: Type.Number(),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  },
  { description: 'Whether the provider answered, and how fast.' },
);

export const SyncStatusSchema = Type.Object(
  {
    providerId: Type.String(),
    lastSyncAt: Type.Optional(Type.String({ format: 'date-time' })),
    lastSyncError: Type.Optional(Type.String()),
    nextPollInMs: Type.Number({ description: 'Milliseconds until the next poll.' }),
    intervalMs: Type.Number({ description: 'The current poll interval.' }),
  },
  { description: "The provider's inventory sync." },
);

export const providerRoutes: RoutePlugin = async (app, { broker }) => {
  app.get(
    '/providers',
    {
      schema: {
        operationId: 'listProviders',
        tags: ['providers'],
        summary: 'List providers',
        response: { 200: ItemsSchema(Type.Ref(ProviderViewSchema), 'The providers.'), ...errorResponses },
      },
    },
    async () => ({ items: await broker.providers.list() }),
  );

  app.post(
    '/providers',
    {
      schema: {
        operationId: 'addProvider',
        tags: ['providers'],
        summary: 'Add a provider',
        description: 'Checks the configuration against the driver and stores the credentials encrypted.',
        body: AddProviderBody,
        response: { 201: Type.Ref(ProviderViewSchema, { description: 'The provider was added.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const provider = await broker.providers.add(request.body);
      void reply.code(201).header('location', `${API_PREFIX}/providers/${provider.id}`);
      return provider;
    },
  );

  app.get(
    '/providers/:id',
    {
      schema: {
        operationId: 'getProvider',
        tags: ['providers'],
        summary: 'Get a provider by id or name',
        params: ProviderIdParams,
        response: { 200: Type.Ref(ProviderViewSchema), ...errorResponses },
      },
    },
    async (request) => broker.providers.get(request.params.id),
  );

  app.delete(
    '/providers/:id',
    {
      schema: {
        operationId: 'removeProvider',
        tags: ['providers'],
        summary: 'Remove a provider',
        description: 'Forgets the provider and its inventory; resources in the cloud are left untouched.',
        params: ProviderIdParams,
        response: { 204: Type.Null({ description: 'The provider was removed.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await broker.providers.remove(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/providers/:id/test',
    {
      schema: {
        operationId: 'testProvider',
        tags: ['providers'],
        summary: 'Check that the provider answers with its credentials',
        params: ProviderIdParams,
        response: { 200: ProviderTestResultSchema, ...errorResponses },
      },
    },
    async (request) => broker.providers.test(request.params.id),
  );

  app.post(
    '/providers/:id/sync',
    {
      schema: {
        operationId: 'syncProvider',
        tags: ['providers'],
        summary: "Refresh the provider's inventory now",
        description: 'Polls the provider and answers when the sync has finished.',
        params: ProviderIdParams,
        response: { 200: SyncStatusSchema, ...errorResponses },
      },
    },
    async (request) => broker.providers.sync(request.params.id),
  );

  app.get(
    '/providers/:id/sync',
    {
      schema: {
        operationId: 'getProviderSyncStatus',
        tags: ['providers'],
        summary: 'When the provider was last synced and will be next',
        params: ProviderIdParams,
        response: { 200: SyncStatusSchema, ...errorResponses },
      },
    },
    async (request) => broker.providers.syncStatus(request.params.id),
  );
};
