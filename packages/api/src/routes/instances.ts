/** Instances: list, inspect, create, act on, wait for, read the console of. */
import { Type } from '@sinclair/typebox';
import { INSTANCE_STATES, INSTANCE_STATE_MACHINE, type InstanceAction, type InstanceState } from '@skyport/model';
import { InstanceSchema } from '../schemas/entities.js';
import { errorResponses } from '../schemas/error.js';
import { IdParams, ReadonlyArray, TagsSchema } from '../schemas/helpers.js';
import { AllowedListParam, checkAllowed, splitList } from '../list-query.js';
import { inventoryRoutes } from './inventory-routes.js';
import { IdempotencyHeaders, accepted, acceptedResponses, createOptions, unlessShuttingDown, type RoutePlugin } from './plugin.js';

/** What `wait` waits for when no state is named: any state that does not move on by itself. */
const STABLE_STATES = INSTANCE_STATE_MACHINE.filter((s) => !s.transitional).map((s) => s.state);

/** Seconds a wait may last: long enough for a slow boot, short enough for proxies and users. */
const MAX_WAIT_SECONDS = 600;
const DEFAULT_WAIT_SECONDS = 30;

export const CreateInstanceBody = Type.Object(
  {
    providerId: Type.String({ minLength: 1, description: 'The provider to create the instance in.' }),
    name: Type.String({ minLength: 1 }),
    imageId: Type.String({ minLength: 1 }),
    hardwareProfileId: Type.String({ minLength: 1, description: "Id or name of one of the provider's hardware profiles." }),
    cpus: Type.Optional(Type.Integer({ minimum: 1, description: "Override inside the profile's range (if the driver allows overrides)." })),
    memoryMiB: Type.Optional(Type.Integer({ minimum: 1 })),
    diskGiB: Type.Optional(Type.Integer({ minimum: 1 })),
    locationId: Type.Optional(Type.String({ minLength: 1 })),
    keyName: Type.Optional(Type.String({ minLength: 1, description: 'A key pair of the provider to install.' })),
    userData: Type.Optional(Type.String({ description: 'Passed to the guest at first boot (cloud-init).' })),
    securityGroupIds: Type.Optional(
      ReadonlyArray(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 5, description: "Security groups of the same provider (capability `securityGroups`); default: the provider's default group." }),
    ),
    tags: Type.Optional(TagsSchema),
  },
  { additionalProperties: false },
);

const StopBody = Type.Object(
  { force: Type.Optional(Type.Boolean({ description: 'Power off at once instead of asking the guest to shut down.' })) },
  { additionalProperties: false },
);

const CountsSchema = Type.Object(
  Object.fromEntries(INSTANCE_STATES.map((state) => [state, Type.Integer({ minimum: 0 })])),
  { description: 'Number of instances in each state (every state is present).' },
);

const WaitQuery = Type.Object(
  {
    state: AllowedListParam('Answer when the instance is in one of these states', INSTANCE_STATES),
    timeout: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: DEFAULT_WAIT_SECONDS, description: 'Seconds to wait before answering 504 Timeout.' }),
    ),
  },
  { additionalProperties: false },
);

const ConsoleSchema = Type.Object(
  {
    output: Type.String({ description: 'The serial console output the provider keeps.' }),
    timestamp: Type.String({ format: 'date-time', description: 'When the provider captured it.' }),
  },
  { description: 'Console output.' },
);

export const instanceRoutes: RoutePlugin = async (app, { broker, shutdown }) => {
  inventoryRoutes(app, {
    path: 'instances',
    noun: 'instance',
    plural: 'instances',
    operationIds: ['listInstances', 'getInstance'],
    entity: InstanceSchema,
    list: (query) => broker.instances.list(query),
    get: (id) => broker.instances.get(id),
    extraQuery: {
      properties: { state: AllowedListParam('Only instances in these states', INSTANCE_STATES) },
      states: (query) => checkAllowed('state', splitList(query['state'] as string[] | undefined), INSTANCE_STATES),
    },
  });

  app.get(
    '/instances/counts',
    {
      schema: {
        operationId: 'countInstances',
        tags: ['instances'],
        summary: 'Count instances per state',
        querystring: Type.Object(
          { provider: Type.Optional(Type.String({ minLength: 1, description: 'Only this provider.' })) },
          { additionalProperties: false },
        ),
        response: { 200: CountsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const counts = await broker.instances.countByState(request.query.provider);
      // Every state is present, so a dashboard need not guess whether a missing one is 0.
      return Object.fromEntries(INSTANCE_STATES.map((state) => [state, counts[state] ?? 0]));
    },
  );

  app.post(
    '/instances',
    {
      schema: {
        operationId: 'createInstance',
        tags: ['instances'],
        summary: 'Create an instance',
        description: 'Validates the request against the provider (image, profile, overrides, capabilities) and starts the creation.',
        headers: IdempotencyHeaders,
        body: CreateInstanceBody,
        response: acceptedResponses('The creation has started.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.instances.create(request.body, createOptions(request.headers))),
  );

  const action = (name: Exclude<InstanceAction, 'destroy' | 'stop'>, operationId: string, summary: string) =>
    app.post(
      `/instances/:id/${name}`,
      {
        schema: {
          operationId,
          tags: ['instances'],
          summary,
          description: 'Refused with 409 InvalidState when the current state does not allow it (see GET /api/v1/instance-states).',
          params: IdParams,
          response: acceptedResponses(`The ${name} has started.`),
        },
      },
      async (request, reply) => accepted(reply, await broker.instances.act(request.params.id, name)),
    );
  action('start', 'startInstance', 'Start an instance');
  action('reboot', 'rebootInstance', 'Reboot an instance');

  app.post(
    '/instances/:id/stop',
    {
      config: { optionalBody: true },
      schema: {
        operationId: 'stopInstance',
        tags: ['instances'],
        summary: 'Stop an instance',
        description: 'Refused with 409 InvalidState when the current state does not allow it. The body is optional.',
        params: IdParams,
        body: StopBody,
        response: acceptedResponses('The stop has started.'),
      },
    },
    async (request, reply) => {
      const force = request.body?.force;
      return accepted(reply, await broker.instances.act(request.params.id, 'stop', force === undefined ? {} : { force }));
    },
  );

  app.delete(
    '/instances/:id',
    {
      schema: {
        operationId: 'destroyInstance',
        tags: ['instances'],
        summary: 'Destroy an instance',
        params: IdParams,
        response: acceptedResponses('The destruction has started.'),
      },
    },
    async (request, reply) => accepted(reply, await broker.instances.act(request.params.id, 'destroy')),
  );

  app.get(
    '/instances/:id/wait',
    {
      schema: {
        operationId: 'waitForInstance',
        tags: ['instances'],
        summary: 'Wait until an instance is in one of some states',
        description: `Answers as soon as the instance is in one of \`state\` (default: any stable state: ${STABLE_STATES.join(', ')}); 504 Timeout after \`timeout\` seconds.`,
        params: IdParams,
        querystring: WaitQuery,
        response: { 200: Type.Ref(InstanceSchema), ...errorResponses },
      },
    },
    async (request) => {
      const states = checkAllowed('state', splitList(request.query.state), INSTANCE_STATES) ?? STABLE_STATES;
      const timeoutMs = (request.query.timeout ?? DEFAULT_WAIT_SECONDS) * 1000;
      return unlessShuttingDown(shutdown, broker.instances.waitFor(request.params.id, states as InstanceState[], timeoutMs));
    },
  );

  app.get(
    '/instances/:id/console',
    {
      schema: {
        operationId: 'getInstanceConsole',
        tags: ['instances'],
        summary: "Read an instance's serial console",
        description: '501 Unsupported when the driver cannot read consoles (capability `instances.console`).',
        params: IdParams,
        response: { 200: ConsoleSchema, ...errorResponses },
      },
    },
    async (request) => broker.instances.consoleOutput(request.params.id),
  );
};
