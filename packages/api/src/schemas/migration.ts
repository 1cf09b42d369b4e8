/**
 * Migration plans as JSON Schema. `type-checks.ts` proves each has exactly the fields of the
 * model type it describes.
 */
import { Type, type TInteger, type TOptional } from '@sinclair/typebox';
import { MIGRATION_PLAN_STATUSES, MIGRATION_RUN_STATUSES, MIGRATION_STEPS, MIGRATION_VM_STATUSES, PREFLIGHT_CODES } from '@skyport/model';
import { DISK_FORMATS } from './entities.js';
import { JsonObject, ReadonlyArray, StringEnum, TagsSchema } from './helpers.js';
import { SkyportErrorJsonSchema } from './operation.js';

const DateTime = (description: string) => Type.String({ format: 'date-time', description });
const IdMap = (description: string) => Type.Record(Type.String(), Type.String(), { description });

export const MigrationMappingsSchema = Type.Object(
  {
    hardwareProfiles: Type.Optional(IdMap('Source hardware profile id → target hardware profile id or name.')),
    locations: Type.Optional(IdMap('Source location id → target location id: where the instance is placed (its network).')),
    keyPairs: Type.Optional(IdMap('Source key pair name → target key pair name.')),
    securityGroupIds: Type.Optional(ReadonlyArray(Type.String(), { maxItems: 5, description: 'Target security groups every migrated instance joins.' })),
    diskFormat: Type.Optional(StringEnum(DISK_FORMATS, { description: 'Storage: the format the target imports (default: the source\'s, or one the target takes).' })),
  },
  { $id: 'MigrationMappings', additionalProperties: false, description: 'Source things to target things; what is left out the broker proposes.' },
);

export const MigrationVmOverrideSchema = Type.Object(
  {
    targetName: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    hardwareProfileId: Type.Optional(Type.String({ minLength: 1 })),
    keyName: Type.Optional(Type.String({ minLength: 1 })),
    securityGroupIds: Type.Optional(ReadonlyArray(Type.String(), { maxItems: 5 })),
    locationId: Type.Optional(Type.String({ minLength: 1 })),
  },
  { $id: 'MigrationVmOverride', additionalProperties: false, description: 'Per-VM choices that win over the plan\'s mappings.' },
);

const optionProperties = {
  sourceMode: StringEnum(['stop', 'snapshot'] as const, { description: '`stop`: stop the source and copy its disk; `snapshot`: copy an image of it while it runs (stopped at cut-over).' }),
  sourceAfterFinalize: StringEnum(['keep', 'delete'] as const, { description: 'What finalize does with each cut-over source.' }),
  verifyBoot: Type.Boolean({ description: 'Wait for the target to run (and show `bootMarker`) before cutting over.' }),
  bootMarker: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Text the guest prints on its serial console once booted.' })),
  bootTimeoutSeconds: Type.Integer({ minimum: 10, maximum: 3600 }),
  maxParallel: Type.Integer({ minimum: 1, maximum: 64, description: 'VMs of this plan moving at once (the broker also limits per provider).' }),
  rollbackOnFailure: Type.Boolean({ description: 'Undo a failed VM at once (source restarted); otherwise it waits for retry or rollback.' }),
};

export const MigrationOptionsSchema = Type.Object(optionProperties, { $id: 'MigrationOptions' });

/** Options in a request: each may be left out (defaults apply). */
export const MigrationOptionsBody = Type.Partial(Type.Object(optionProperties, { additionalProperties: false }));

export const MigrationProgressSchema = Type.Object(
  {
    step: Type.Optional(StringEnum(MIGRATION_STEPS)),
    percent: Type.Number({ minimum: 0, maximum: 100, description: 'Of the whole VM.' }),
    stepPercent: Type.Optional(Type.Number()),
    bytesDone: Type.Optional(Type.Number()),
    bytesTotal: Type.Optional(Type.Number()),
    bytesPerSecond: Type.Optional(Type.Number()),
    etaSeconds: Type.Optional(Type.Number({ description: 'Until the VM is cut over, extrapolated from its progress so far.' })),
    message: Type.Optional(Type.String()),
  },
  { $id: 'MigrationProgress' },
);

export const MigrationVmSchema = Type.Object(
  {
    id: Type.String(),
    planId: Type.String(),
    runId: Type.Optional(Type.String()),
    sourceInstanceId: Type.String(),
    sourceName: Type.String(),
    targetName: Type.String(),
    status: StringEnum(MIGRATION_VM_STATUSES),
    step: Type.Optional(StringEnum(MIGRATION_STEPS, { description: 'The step being run, or the one that failed.' })),
    attempt: Type.Integer({ minimum: 1 }),
    progress: Type.Ref(MigrationProgressSchema),
    targetInstanceId: Type.Optional(Type.String()),
    targetImageId: Type.Optional(Type.String()),
    operationId: Type.Optional(Type.String({ description: 'The operation the VM\'s current job runs in.' })),
    error: Type.Optional(Type.Ref(SkyportErrorJsonSchema)),
    createdAt: DateTime('When the VM was planned.'),
    updatedAt: DateTime('Last change.'),
    startedAt: Type.Optional(DateTime('When a worker first took its current job.')),
    finishedAt: Type.Optional(DateTime('When its last job ended.')),
  },
  { $id: 'MigrationVm', description: 'One VM of a plan: status, step, progress.' },
);

export const MigrationRunSchema = Type.Object(
  {
    id: Type.String(),
    planId: Type.String(),
    seq: Type.Integer({ minimum: 1 }),
    kind: StringEnum(['run', 'retry'] as const),
    vmIds: ReadonlyArray(Type.String()),
    status: StringEnum(MIGRATION_RUN_STATUSES),
    createdAt: DateTime('When the run started.'),
    cancelRequestedAt: Type.Optional(DateTime('When it was cancelled.')),
    finishedAt: Type.Optional(DateTime('When its last VM settled.')),
  },
  { $id: 'MigrationRun' },
);

const countProperties = Object.fromEntries(MIGRATION_VM_STATUSES.map((s) => [s, Type.Optional(Type.Integer())])) as {
  [K in (typeof MIGRATION_VM_STATUSES)[number]]: TOptional<TInteger>;
};

export const MigrationPlanSchema = Type.Object(
  {
    id: Type.String(),
    tenantId: Type.String(),
    name: Type.String(),
    sourceProviderId: Type.String(),
    targetProviderId: Type.String(),
    status: StringEnum(MIGRATION_PLAN_STATUSES),
    selector: Type.Optional(Type.Object({ tags: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])) })),
    mappings: Type.Ref(MigrationMappingsSchema),
    proposed: Type.Ref(MigrationMappingsSchema, { description: 'What the broker proposed where the user mapped nothing.' }),
    overrides: Type.Record(Type.String(), Type.Ref(MigrationVmOverrideSchema)),
    options: Type.Ref(MigrationOptionsSchema),
    progress: Type.Number({ minimum: 0, maximum: 100 }),
    counts: Type.Object(countProperties, { description: 'VMs per status.' }),
    vms: ReadonlyArray(Type.Ref(MigrationVmSchema)),
    runs: ReadonlyArray(Type.Ref(MigrationRunSchema)),
    createdAt: DateTime('When the plan was created.'),
    updatedAt: DateTime('Last change.'),
    finalizedAt: Type.Optional(DateTime('When it was finalized.')),
  },
  { $id: 'MigrationPlan', description: 'A migration plan with its VMs and runs.' },
);

export const PreflightFindingSchema = Type.Object(
  {
    severity: StringEnum(['blocker', 'warning'] as const),
    code: StringEnum(PREFLIGHT_CODES),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'The mapping or option the finding is about.' })),
  },
  { $id: 'PreflightFinding' },
);

export const MigrationTargetSpecSchema = Type.Object(
  {
    name: Type.String(),
    hardwareProfileId: Type.Optional(Type.String()),
    hardwareProfileName: Type.Optional(Type.String()),
    cpus: Type.Optional(Type.Integer()),
    memoryMiB: Type.Optional(Type.Integer()),
    diskGiB: Type.Optional(Type.Integer()),
    keyName: Type.Optional(Type.String()),
    securityGroupIds: Type.Optional(ReadonlyArray(Type.String())),
    locationId: Type.Optional(Type.String()),
    sourceFormat: Type.Optional(StringEnum(DISK_FORMATS)),
    diskFormat: Type.Optional(StringEnum(DISK_FORMATS)),
    tags: Type.Optional(TagsSchema),
  },
  { $id: 'MigrationTargetSpec', description: 'What a VM\'s target instance will be.' },
);

export const MigrationVmPreflightSchema = Type.Object(
  {
    vmId: Type.String(),
    sourceInstanceId: Type.String(),
    sourceName: Type.String(),
    target: Type.Ref(MigrationTargetSpecSchema),
    findings: ReadonlyArray(Type.Ref(PreflightFindingSchema)),
  },
  { $id: 'MigrationVmPreflight' },
);

export const MigrationPreflightSchema = Type.Object(
  {
    planId: Type.String(),
    ok: Type.Boolean({ description: 'No blockers anywhere.' }),
    checkedAt: DateTime('When the checks ran.'),
    findings: ReadonlyArray(Type.Ref(PreflightFindingSchema)),
    vms: ReadonlyArray(Type.Ref(MigrationVmPreflightSchema)),
  },
  { $id: 'MigrationPreflight' },
);

export const MigrationStepEntrySchema = Type.Object(
  {
    vmId: Type.String(),
    seq: Type.Integer({ minimum: 1 }),
    attempt: Type.Integer({ minimum: 1 }),
    step: Type.String(),
    kind: StringEnum(['action', 'compensation'] as const),
    event: StringEnum(['started', 'checkpoint', 'completed', 'failed', 'skipped'] as const),
    output: Type.Optional(JsonObject('What the step recorded.')),
    error: Type.Optional(Type.Ref(SkyportErrorJsonSchema)),
    at: DateTime('When it was recorded.'),
  },
  { $id: 'MigrationStepEntry' },
);

export const MIGRATION_SCHEMAS = [
  MigrationMappingsSchema,
  MigrationVmOverrideSchema,
  MigrationOptionsSchema,
  MigrationProgressSchema,
  MigrationVmSchema,
  MigrationRunSchema,
  MigrationPlanSchema,
  PreflightFindingSchema,
  MigrationTargetSpecSchema,
  MigrationVmPreflightSchema,
  MigrationPreflightSchema,
  MigrationStepEntrySchema,
] as const;
