/**
 * Migration plans: created, checked (preflight), run, watched, cancelled, retried, rolled back
 * and finalized. A run is many jobs (one operation per VM); the plan is the resource to follow
 * (`GET /migrations/{id}`, `.../wait`, or `migration.updated` on the event stream).
 */
import { Type } from '@sinclair/typebox';
import { API_PREFIX } from '../api-prefix.js';
import { errorResponses } from '../schemas/error.js';
import type { MigrationPlan } from '@skyport/model';
import { IdParams, ReadonlyArray } from '../schemas/helpers.js';
import { MigrationMappingsSchema, MigrationOptionsBody, MigrationPlanSchema, MigrationPreflightSchema, MigrationStepEntrySchema, MigrationVmOverrideSchema } from '../schemas/migration.js';
import { ItemsSchema } from '../schemas/page.js';
import { unlessShuttingDown, type RoutePlugin } from './plugin.js';

const MAX_WAIT_SECONDS = 600;
const DEFAULT_WAIT_SECONDS = 30;

export const CreateMigrationPlanBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    sourceProviderId: Type.String({ minLength: 1, description: 'The provider (id or name) the instances leave.' }),
    targetProviderId: Type.String({ minLength: 1, description: 'The provider (id or name) they move to.' }),
    instanceIds: Type.Optional(ReadonlyArray(Type.String({ minLength: 1 }), { maxItems: 500, description: 'Source instances; or `selector`, or both.' })),
    selector: Type.Optional(
      Type.Object(
        { tags: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), { description: 'Every source instance with these tags (`null`: the key with any value), chosen now.' }) },
        { additionalProperties: false },
      ),
    ),
    mappings: Type.Optional(Type.Ref(MigrationMappingsSchema)),
    overrides: Type.Optional(Type.Record(Type.String(), Type.Ref(MigrationVmOverrideSchema), { description: 'Per source instance id.' })),
    options: Type.Optional(MigrationOptionsBody),
  },
  { additionalProperties: false },
);

export const UpdateMigrationPlanBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    mappings: Type.Optional(Type.Ref(MigrationMappingsSchema, { description: 'Replaces the mappings; what is left out is proposed by the broker, as on create.' })),
    overrides: Type.Optional(Type.Record(Type.String(), Type.Ref(MigrationVmOverrideSchema), { description: 'Per source instance id; replaces every override.' })),
    options: Type.Optional(MigrationOptionsBody),
  },
  { additionalProperties: false, description: 'Each part given replaces the plan\'s (options are merged over them).' },
);

export const MigrationVmSelectionBody = Type.Object(
  { vmIds: Type.Optional(ReadonlyArray(Type.String({ minLength: 1 }), { minItems: 1, description: 'VM ids (or source instance ids); all VMs the action applies to when left out.' })) },
  { additionalProperties: false },
);

const VmParams = Type.Object({ id: Type.String({ minLength: 1, description: 'The plan id.' }), vmId: Type.String({ minLength: 1, description: 'The VM id.' }) });

const planReply = (description: string) => ({ 200: Type.Ref(MigrationPlanSchema, { description }), ...errorResponses });
const acceptedPlan = (description: string) => ({
  202: Type.Ref(MigrationPlanSchema, {
    description: `${description} Follow the plan at its URL (Location) or with .../wait.`,
    // Read by @fastify/swagger into the response's `headers`; the serializer ignores it.
    headers: { location: { type: 'string', description: 'The plan: /api/v1/migrations/{id}.' } },
  }),
  ...errorResponses,
});

export const migrationRoutes: RoutePlugin = async (app, { broker, shutdown }) => {
  const location = (id: string) => `${API_PREFIX}/migrations/${id}`;

  app.get(
    '/migrations',
    {
      schema: {
        operationId: 'listMigrationPlans',
        tags: ['migrations'],
        summary: 'List migration plans, newest first',
        response: { 200: ItemsSchema(Type.Ref(MigrationPlanSchema), 'Every plan of the tenant.'), ...errorResponses },
      },
    },
    async () => ({ items: await broker.migrations.list() }),
  );

  app.post(
    '/migrations',
    {
      schema: {
        operationId: 'createMigrationPlan',
        tags: ['migrations'],
        summary: 'Create a migration plan',
        description:
          'Stores the plan; nothing moves until it runs. Mappings left out are proposed by the broker (`proposed`: nearest hardware profile, same-named key pair, default security group). 404 for an unknown provider or instance; 400 for an instance of another provider.',
        body: CreateMigrationPlanBody,
        response: { 201: Type.Ref(MigrationPlanSchema, { description: 'The plan was created.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const plan = await broker.migrations.create(request.body);
      void reply.code(201).header('location', location(plan.id));
      return plan;
    },
  );

  app.get(
    '/migrations/:id',
    { schema: { operationId: 'getMigrationPlan', tags: ['migrations'], summary: 'Get a plan with its VMs and runs', params: IdParams, response: planReply('The plan.') } },
    async (request) => broker.migrations.get(request.params.id),
  );

  app.patch(
    '/migrations/:id',
    {
      schema: {
        operationId: 'updateMigrationPlan',
        tags: ['migrations'],
        summary: 'Change a plan before it runs',
        description: 'Name, mappings, per-VM overrides and options of a draft plan. 409 once a run has started or the plan is finalized.',
        params: IdParams,
        body: UpdateMigrationPlanBody,
        response: planReply('The changed plan.'),
      },
    },
    async (request) => broker.migrations.update(request.params.id, request.body),
  );

  app.delete(
    '/migrations/:id',
    {
      schema: {
        operationId: 'deleteMigrationPlan',
        tags: ['migrations'],
        summary: 'Delete a plan',
        description: 'Forgets the plan and its history; what it migrated stays. 409 while VMs are moving.',
        params: IdParams,
        response: { 204: Type.Null({ description: 'The plan was deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await broker.migrations.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/migrations/:id/preflight',
    {
      schema: {
        operationId: 'preflightMigrationPlan',
        tags: ['migrations'],
        summary: 'Check a plan now',
        description: 'Per VM: the target it will get and the findings (blockers stop a run; warnings are for a person). Changes nothing.',
        params: IdParams,
        response: { 200: Type.Ref(MigrationPreflightSchema), ...errorResponses },
      },
    },
    async (request) => broker.migrations.preflight(request.params.id),
  );

  const action = (path: string, operationId: string, summary: string, description: string, run: (id: string, body: { vmIds?: readonly string[] }) => Promise<MigrationPlan>, withSelection: boolean) =>
    app.post(
      `/migrations/:id/${path}`,
      {
        config: { optionalBody: true },
        schema: {
          operationId,
          tags: ['migrations'],
          summary,
          description,
          params: IdParams,
          body: withSelection ? MigrationVmSelectionBody : Type.Object({}, { additionalProperties: false }),
          response: acceptedPlan(summary),
        },
      },
      async (request, reply) => {
        const plan = await run(request.params.id, request.body as { vmIds?: readonly string[] });
        void reply.code(202).header('location', location(request.params.id));
        return plan;
      },
    );

  action('run', 'runMigrationPlan', 'Run a plan', 'Starts the first run: every VM, within the concurrency limits. 409 when preflight finds blockers (listed in `details.findings`) or the plan ran already.', (id) => broker.migrations.run(id), false);
  action('pause', 'pauseMigrationPlan', 'Pause a run', 'VMs not started yet are held; moving ones stop after the step in progress (nothing is undone). 409 when no VM is moving.', (id) => broker.migrations.pause(id), false);
  action('resume', 'resumeMigrationPlan', 'Resume a paused run', 'Paused VMs go on from the step they stopped before, in the same attempt. 409 when no VM is paused.', (id) => broker.migrations.resume(id), false);
  action('cancel', 'cancelMigrationPlan', 'Cancel a run', 'VMs still waiting stop at once; moving ones are rolled back (source restarted). Cut-over VMs stay.', (id) => broker.migrations.cancel(id), false);
  action(
    'retry',
    'retryMigrationPlan',
    'Retry failed VMs',
    'A new run of the failed, cancelled and rolled-back VMs only (or those named). A failed VM that was not rolled back resumes where it stopped.',
    (id, body) => broker.migrations.retry(id, body.vmIds === undefined ? {} : { vmIds: body.vmIds }),
    true,
  );
  action(
    'rollback',
    'rollbackMigrationPlan',
    'Roll back VMs',
    'Undoes cut-over and failed VMs (or those named): target instance and image removed, source restarted if it ran.',
    (id, body) => broker.migrations.rollback(id, body.vmIds === undefined ? {} : { vmIds: body.vmIds }),
    true,
  );
  action('finalize', 'finalizeMigrationPlan', 'Finalize a plan', 'Ends the plan: each cut-over source is deleted or kept, per `options.sourceAfterFinalize`. 409 while VMs move or have failed.', (id) => broker.migrations.finalize(id), false);

  app.get(
    '/migrations/:id/vms/:vmId/steps',
    {
      schema: {
        operationId: 'listMigrationVmSteps',
        tags: ['migrations'],
        summary: "A VM's step history",
        description: 'Every step started, checkpointed, completed, failed or compensated, oldest first: what a restarted broker replays.',
        params: VmParams,
        response: { 200: ItemsSchema(Type.Ref(MigrationStepEntrySchema), 'The history.'), ...errorResponses },
      },
    },
    async (request) => ({ items: await broker.migrations.steps(request.params.id, request.params.vmId) }),
  );

  app.get(
    '/migrations/:id/wait',
    {
      schema: {
        operationId: 'waitForMigrationPlan',
        tags: ['migrations'],
        summary: 'Wait until no VM of a plan is moving',
        description: '504 Timeout after `timeout` seconds.',
        params: IdParams,
        querystring: Type.Object(
          { timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: DEFAULT_WAIT_SECONDS, description: 'Seconds to wait.' })) },
          { additionalProperties: false },
        ),
        response: planReply('The plan, settled.'),
      },
    },
    async (request) => unlessShuttingDown(shutdown, broker.migrations.waitFor(request.params.id, (request.query.timeout ?? DEFAULT_WAIT_SECONDS) * 1000)),
  );
};
