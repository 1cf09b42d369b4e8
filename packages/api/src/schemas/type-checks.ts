/**
 * Compile-time proof that the JSON schemas describe exactly the model's types: each pair
 * must be assignable both ways and have the same top-level keys. A field added to the model
 * and forgotten here (which the serializer would silently drop) fails `tsc`.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { BROKER_EVENT_TYPES } from '../routes/events.js';
import type { AddProviderBody, ProviderTestResultSchema, SyncStatusSchema } from '../routes/providers.js';
import type { CreateInstanceBody } from '../routes/instances.js';
import type { CreateKeyPairBody, CreatedKeyPairSchema } from '../routes/key-pairs.js';
import type { CreateVolumeBody } from '../routes/volumes.js';
import type { CreateSnapshotBody } from '../routes/snapshots.js';
import type { TagChangeBody } from '../routes/tags.js';
import type { CreateSecurityGroupBody } from '../routes/security-groups.js';
import type { CreateImageBody } from '../routes/images.js';
import type { CreateMigrationPlanBody, MigrationVmSelectionBody, UpdateMigrationPlanBody } from '../routes/migrations.js';
import type { ExportSummarySchema } from '../routes/appliances.js';
import type * as M from './migration.js';
import type {
  AddProviderRequest,
  CreateImageRequest,
  CreateInstanceRequest,
  CreateSecurityGroupRequest,
  CreateKeyPairRequest,
  CreateMigrationPlanRequest,
  UpdateMigrationPlanRequest,
  MigrationVmSelection,
  CreateSnapshotRequest,
  CreateVolumeRequest,
  CreatedKeyPairView,
  DriverInfo,
  ProviderTestResult,
  ProviderView,
  SyncStatus,
  TagChange,
} from '@skyport/core';
import type {
  BrokerEvent,
  Capabilities,
  CapabilityDescription,
  DiskFormat,
  DriverBehaviour,
  HardwareProfile,
  Image,
  ImageState,
  Instance,
  InstanceStateInfo,
  KeyPair,
  Location,
  MigrationMappings,
  MigrationOptions,
  MigrationPlan,
  MigrationPlanStatus,
  MigrationPreflight,
  MigrationProgress,
  MigrationRun,
  MigrationStepEntry,
  MigrationTargetSpec,
  MigrationVm,
  MigrationVmOverride,
  MigrationVmPreflight,
  Operation,
  PreflightFinding,
  OperationStatus,
  Provider,
  ProviderStatus,
  SecurityGroup,
  SecurityGroupRule,
  SkyportErrorJson,
  Snapshot,
  SnapshotState,
  TaggableKind,
  Volume,
  VolumeState,
  CapabilityGroup,
  ExportSummary,
} from '@skyport/model';
import type * as E from './entities.js';
import type { OperationSchema, SkyportErrorJsonSchema, OPERATION_STATUSES } from './operation.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;
type Describes<S extends TSchema, M> = Same<Static<S>, M>;
type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Each entry must be `true`; a `false` names the pair that drifted. */
export interface SchemaChecks {
  capabilities: Describes<typeof E.CapabilitiesSchema, Capabilities>;
  behaviour: Describes<typeof E.DriverBehaviourSchema, DriverBehaviour>;
  driverInfo: Describes<typeof E.DriverInfoSchema, DriverInfo>;
  provider: Describes<typeof E.ProviderSchema, Provider>;
  providerView: Describes<typeof E.ProviderViewSchema, ProviderView>;
  location: Describes<typeof E.LocationSchema, Location>;
  hardwareProfile: Describes<typeof E.HardwareProfileSchema, HardwareProfile>;
  image: Describes<typeof E.ImageSchema, Image>;
  instance: Describes<typeof E.InstanceSchema, Instance>;
  keyPair: Describes<typeof E.KeyPairSchema, KeyPair>;
  volume: Describes<typeof E.VolumeSchema, Volume>;
  snapshot: Describes<typeof E.SnapshotSchema, Snapshot>;
  securityGroup: Describes<typeof E.SecurityGroupSchema, SecurityGroup>;
  securityGroupRule: Describes<typeof E.SecurityGroupRuleSchema, SecurityGroupRule>;
  instanceStateInfo: Describes<typeof E.InstanceStateInfoSchema, InstanceStateInfo>;
  capabilityDescription: Describes<typeof E.CapabilityDescriptionSchema, CapabilityDescription>;
  operation: Describes<typeof OperationSchema, Operation>;
  operationError: Describes<typeof SkyportErrorJsonSchema, SkyportErrorJson>;
  imageStates: SameUnion<(typeof E.IMAGE_STATES)[number], ImageState>;
  volumeStates: SameUnion<(typeof E.VOLUME_STATES)[number], VolumeState>;
  snapshotStates: SameUnion<(typeof E.SNAPSHOT_STATES)[number], SnapshotState>;
  taggableKinds: SameUnion<(typeof E.TAGGABLE_KINDS)[number], TaggableKind>;
  diskFormats: SameUnion<(typeof E.DISK_FORMATS)[number], DiskFormat>;
  providerStatuses: SameUnion<(typeof E.PROVIDER_STATUSES)[number], ProviderStatus>;
  capabilityGroups: SameUnion<(typeof E.CAPABILITY_GROUPS)[number], CapabilityGroup>;
  operationStatuses: SameUnion<(typeof OPERATION_STATUSES)[number], OperationStatus>;
  eventTypes: SameUnion<(typeof BROKER_EVENT_TYPES)[number], BrokerEvent['type']>;
  addProvider: Describes<typeof AddProviderBody, AddProviderRequest>;
  providerTest: Describes<typeof ProviderTestResultSchema, ProviderTestResult>;
  syncStatus: Describes<typeof SyncStatusSchema, SyncStatus>;
  createInstance: Describes<typeof CreateInstanceBody, CreateInstanceRequest>;
  createKeyPair: Describes<typeof CreateKeyPairBody, CreateKeyPairRequest>;
  createdKeyPair: Describes<typeof CreatedKeyPairSchema, CreatedKeyPairView>;
  createVolume: Describes<typeof CreateVolumeBody, CreateVolumeRequest>;
  createSnapshot: Describes<typeof CreateSnapshotBody, CreateSnapshotRequest>;
  tagChange: Describes<typeof TagChangeBody, TagChange>;
  createSecurityGroup: Describes<typeof CreateSecurityGroupBody, CreateSecurityGroupRequest>;
  createImage: Describes<typeof CreateImageBody, CreateImageRequest>;
  migrationMappings: Describes<typeof M.MigrationMappingsSchema, MigrationMappings>;
  migrationVmOverride: Describes<typeof M.MigrationVmOverrideSchema, MigrationVmOverride>;
  migrationOptions: Describes<typeof M.MigrationOptionsSchema, MigrationOptions>;
  migrationProgress: Describes<typeof M.MigrationProgressSchema, MigrationProgress>;
  migrationVm: Describes<typeof M.MigrationVmSchema, MigrationVm>;
  migrationRun: Describes<typeof M.MigrationRunSchema, MigrationRun>;
  migrationPlan: Describes<typeof M.MigrationPlanSchema, MigrationPlan>;
  migrationPlanStatuses: SameUnion<Static<typeof M.MigrationPlanSchema>['status'], MigrationPlanStatus>;
  preflightFinding: Describes<typeof M.PreflightFindingSchema, PreflightFinding>;
  migrationTargetSpec: Describes<typeof M.MigrationTargetSpecSchema, MigrationTargetSpec>;
  migrationVmPreflight: Describes<typeof M.MigrationVmPreflightSchema, MigrationVmPreflight>;
  migrationPreflight: Describes<typeof M.MigrationPreflightSchema, MigrationPreflight>;
  migrationStepEntry: Describes<typeof M.MigrationStepEntrySchema, MigrationStepEntry>;
  createMigrationPlan: Describes<typeof CreateMigrationPlanBody, CreateMigrationPlanRequest>;
  updateMigrationPlan: Describes<typeof UpdateMigrationPlanBody, UpdateMigrationPlanRequest>;
  exportSummary: Describes<typeof ExportSummarySchema, ExportSummary>;
  migrationVmSelection: Describes<typeof MigrationVmSelectionBody, MigrationVmSelection>;
}

type Failing<T> = { [K in keyof T]: T[K] extends true ? never : K }[keyof T];
/** Fails to compile, naming the drifted pairs, when any check is false. */
export const schemaChecksPass: [Failing<SchemaChecks>] extends [never] ? true : `schema drifted from the model: ${Failing<SchemaChecks>}` = true;
