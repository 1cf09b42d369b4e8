/**
 * The model's entities as JSON Schema. Each has an `$id`, is added once with `addSchema` and
 * referenced with `Type.Ref`, so the OpenAPI document lists it once under
 * `components/schemas`. `type-checks.ts` proves at compile time that every schema has the
 * same fields as the model type it describes.
 *
 * Response schemas leave `additionalProperties` open on purpose: a client generated from
 * the document must keep working when a field is added. Fastify's serializer writes only
 * the declared fields, which is also what keeps anything undeclared (say, a credential that
 * leaked into an object) out of every response.
 */
import { Type } from '@sinclair/typebox';
import { INSTANCE_ACTIONS, INSTANCE_STATES, RULE_PROTOCOLS } from '@skyport/model';
import { JsonObject, ReadonlyArray, StringEnum, TagsSchema } from './helpers.js';

const DateTime = (description: string) => Type.String({ format: 'date-time', description });

// The model declares these unions as types only; type-checks.ts keeps the lists in step.
export const ARCHITECTURES = ['x86_64', 'aarch64'] as const;
export const IMAGE_STATES = ['pending', 'available', 'failed', 'deleted'] as const;
export const VOLUME_STATES = ['creating', 'available', 'attaching', 'in-use', 'detaching', 'deleting', 'deleted', 'error'] as const;
export const SNAPSHOT_STATES = ['pending', 'completed', 'error', 'deleted'] as const;
export const TAGGABLE_KINDS = ['instance', 'volume', 'snapshot', 'image', 'keyPair', 'securityGroup'] as const;
export const DISK_FORMATS = ['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx'] as const;
export const CAPABILITY_GROUPS = ['instances', 'keyPairs', 'volumes', 'snapshots', 'tags', 'securityGroups', 'imageImport', 'diskExport', 'imageFromInstance'] as const;
export const PROVIDER_STATUSES = ['available', 'unavailable', 'unknown'] as const;

export const CapabilitiesSchema = Type.Object(
  {
    instances: Type.Object({
      stopStart: Type.Boolean({ description: 'Stop and start (not only destroy).' }),
      reboot: Type.Boolean(),
      userData: Type.Boolean({ description: 'User-data passed to the guest at creation.' }),
      console: Type.Boolean({ description: 'Serial console output can be read.' }),
      profileOverrides: Type.Boolean({ description: "CPU/memory may be chosen inside a hardware profile's ranges." }),
      keyPair: Type.Boolean({ description: 'Instances accept a key pair at creation.' }),
    }),
    keyPairs: Type.Optional(Type.Object({ create: Type.Boolean(), import: Type.Boolean() })),
    volumes: Type.Optional(Type.Object({ attachWhileRunning: Type.Boolean(), maxSizeGiB: Type.Number() })),
    snapshots: Type.Optional(Type.Object({ volume: Type.Boolean() })),
    tags: Type.Optional(Type.Object({ kinds: ReadonlyArray(StringEnum(TAGGABLE_KINDS)), maxPerResource: Type.Integer() })),
    securityGroups: Type.Optional(Type.Object({ egress: Type.Boolean({ description: 'Egress (outbound) rules can be managed, not only ingress.' }) })),
    imageImport: Type.Optional(Type.Object({ formats: ReadonlyArray(StringEnum(DISK_FORMATS)) })),
    diskExport: Type.Optional(Type.Object({ formats: ReadonlyArray(StringEnum(DISK_FORMATS)) }, { description: "An image's or a stopped instance's disk can be read, e.g. to export it." })),
    imageFromInstance: Type.Optional(Type.Object({ whileRunning: Type.Boolean() })),
  },
  { $id: 'Capabilities', description: 'What a driver can do; an absent group means the feature is not supported at all.' },
);

export const DriverBehaviourSchema = Type.Object(
  {
    createdStopped: Type.Boolean({ description: 'A created instance starts in `stopped` and must be started.' }),
    stopDeletes: Type.Boolean({ description: 'Stopping an instance deletes it.' }),
    stopPreservesDisk: Type.Boolean({ description: 'The root disk survives a stop/start cycle.' }),
  },
  { $id: 'DriverBehaviour', description: 'Per-driver behaviour flags.' },
);

export const DriverConfigFieldSchema = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    secret: Type.Boolean({ description: 'Secret fields are credentials: write-only, encrypted at rest.' }),
    required: Type.Boolean(),
  },
  { $id: 'DriverConfigField' },
);

export const DriverInfoSchema = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    capabilities: Type.Ref(CapabilitiesSchema),
    behaviour: Type.Ref(DriverBehaviourSchema),
    configFields: ReadonlyArray(Type.Ref(DriverConfigFieldSchema)),
  },
  { $id: 'DriverInfo', description: 'A driver this broker can run, with what it can do and how to configure it.' },
);

const providerProperties = {
  id: Type.String(),
  tenantId: Type.String({ description: 'The tenant that owns the provider.' }),
  name: Type.String(),
  driver: Type.String(),
  endpoint: Type.Optional(Type.String()),
  region: Type.Optional(Type.String()),
  settings: JsonObject('Driver-specific settings that are not secret.'),
  status: StringEnum(PROVIDER_STATUSES),
  statusReason: Type.Optional(Type.String({ description: 'Why the provider is unavailable.' })),
  createdAt: DateTime('When the provider was added.'),
  lastSyncAt: Type.Optional(DateTime('Last successful inventory sync.')),
  lastSyncError: Type.Optional(Type.String()),
};

export const ProviderSchema = Type.Object(providerProperties, {
  $id: 'Provider',
  description: 'A configured cloud account. Credentials are write-only and never shown.',
});

export const ProviderViewSchema = Type.Object(
  { ...providerProperties, capabilities: Type.Ref(CapabilitiesSchema), behaviour: Type.Ref(DriverBehaviourSchema) },
  { $id: 'ProviderView', description: 'A provider with what its driver can do. Credentials are write-only and never shown.' },
);

export const LocationSchema = Type.Object(
  {
    id: Type.String(),
    providerId: Type.String(),
    name: Type.String(),
    kind: StringEnum(['region', 'zone'] as const),
    parent: Type.Optional(Type.String({ description: 'The region of a zone.' })),
    available: Type.Boolean(),
  },
  { $id: 'Location' },
);

export const ProfileDimensionSchema = Type.Union(
  [
    Type.Object({ kind: StringEnum(['fixed'] as const), value: Type.Number() }),
    Type.Object({
      kind: StringEnum(['range'] as const),
      min: Type.Number(),
      max: Type.Number(),
      default: Type.Number(),
      step: Type.Optional(Type.Number()),
    }),
    Type.Object({ kind: StringEnum(['enum'] as const), values: ReadonlyArray(Type.Number()), default: Type.Number() }),
  ],
  { $id: 'ProfileDimension', description: 'One dimension of a hardware profile: a fixed value, a range or a list.' },
);

export const HardwareProfileSchema = Type.Object(
  {
    id: Type.String(),
    providerId: Type.String(),
    name: Type.String(),
    architecture: StringEnum(ARCHITECTURES),
    cpus: Type.Ref(ProfileDimensionSchema),
    memoryMiB: Type.Ref(ProfileDimensionSchema),
    diskGiB: Type.Ref(ProfileDimensionSchema),
  },
  { $id: 'HardwareProfile' },
);

export const ImageSchema = Type.Object(
  {
    id: Type.String(),
    providerId: Type.String(),
    name: Type.String(),
    description: Type.Optional(Type.String()),
    architecture: StringEnum(ARCHITECTURES),
    os: Type.Optional(Type.String()),
    state: StringEnum(IMAGE_STATES),
    sizeGiB: Type.Optional(Type.Number()),
    public: Type.Boolean(),
    tags: TagsSchema,
    createdAt: Type.Optional(DateTime('When the image was registered.')),
  },
  { $id: 'Image' },
);

export const InstanceAddressSchema = Type.Object(
  { kind: StringEnum(['public', 'private'] as const), address: Type.String() },
  { $id: 'InstanceAddress' },
);

export const InstanceSchema = Type.Object(
  {
    id: Type.String(),
    providerId: Type.String(),
    name: Type.String(),
    state: StringEnum(INSTANCE_STATES, { description: 'The normalized state; see GET /api/v1/instance-states.' }),
    rawState: Type.String({ description: "The provider's own word for the state." }),
    stateReason: Type.Optional(Type.String()),
    imageId: Type.String(),
    hardwareProfileId: Type.String(),
    cpus: Type.Integer(),
    memoryMiB: Type.Integer(),
    diskGiB: Type.Integer(),
    locationId: Type.Optional(Type.String()),
    keyName: Type.Optional(Type.String()),
    securityGroupIds: Type.Optional(ReadonlyArray(Type.String(), { description: 'The security groups the instance is in (when the provider has them).' })),
    addresses: ReadonlyArray(Type.Ref(InstanceAddressSchema)),
    tags: TagsSchema,
    createdAt: DateTime('When the instance was created.'),
  },
  { $id: 'Instance' },
);

export const KeyPairSchema = Type.Object(
  {
    id: Type.String(),
    providerId: Type.String(),
    name: Type.String(),
    fingerprint: Type.String(),
    publicKey: Type.Optional(Type.String()),
    tags: TagsSchema,
    createdAt: DateTime('When the key pair was created or imported.'),
  },
  { $id: 'KeyPair' },
);

export const VolumeSchema = Type.Object(
  {
    id: Type.String(),
    providerId: Type.String(),
    name: Type.String(),
    sizeGiB: Type.Integer(),
    state: StringEnum(VOLUME_STATES),
    locationId: Type.Optional(Type.String()),
    snapshotId: Type.Optional(Type.String()),
    attachment: Type.Optional(Type.Object({ instanceId: Type.String(), device: Type.String() })),
    tags: TagsSchema,
    createdAt: DateTime('When the volume was created.'),
  },
  { $id: 'Volume' },
);

export const SnapshotSchema = Type.Object(
  {
    id: Type.String(),
    providerId: Type.String(),
    name: Type.String(),
    volumeId: Type.String(),
    sizeGiB: Type.Integer(),
    state: StringEnum(SNAPSHOT_STATES),
    progress: Type.Number({ minimum: 0, maximum: 100 }),
    tags: TagsSchema,
    createdAt: DateTime('When the snapshot was started.'),
  },
  { $id: 'Snapshot' },
);

export const SecurityGroupRuleSchema = Type.Object(
  {
    protocol: StringEnum(RULE_PROTOCOLS, { description: '`-1` means all protocols (then no ports).' }),
    fromPort: Type.Optional(Type.Integer({ minimum: -1, maximum: 65535, description: 'First port (tcp/udp, 0-65535), or the ICMP type (-1 = any).' })),
    toPort: Type.Optional(Type.Integer({ minimum: -1, maximum: 65535, description: 'Last port (tcp/udp, >= fromPort), or the ICMP code (-1 = any).' })),
    cidr: Type.String({ minLength: 1, description: 'IPv4 or IPv6 CIDR block the traffic comes from (ingress) or goes to (egress).', examples: ['0.0.0.0/0', '10.0.0.0/8', '::/0'] }),
  },
  { $id: 'SecurityGroupRule', additionalProperties: false, description: 'Traffic of one protocol on a port range from (or to) a CIDR block.' },
);

export const SecurityGroupSchema = Type.Object(
  {
    id: Type.String(),
    providerId: Type.String(),
    name: Type.String(),
    description: Type.String(),
    ingress: ReadonlyArray(Type.Ref(SecurityGroupRuleSchema)),
    egress: ReadonlyArray(Type.Ref(SecurityGroupRuleSchema)),
    tags: TagsSchema,
    createdAt: DateTime('When the group was created.'),
  },
  { $id: 'SecurityGroup', description: 'A firewall: instances in the group accept only the traffic its ingress rules allow.' },
);

export const InstanceStateInfoSchema = Type.Object(
  {
    state: StringEnum(INSTANCE_STATES),
    transitional: Type.Boolean({ description: 'A transitional state moves on by itself; wait for a stable one.' }),
    description: Type.String(),
    next: ReadonlyArray(StringEnum(INSTANCE_STATES), { description: 'States the machine may move to from here.' }),
    actions: ReadonlyArray(StringEnum(INSTANCE_ACTIONS), { description: 'User actions accepted in this state.' }),
  },
  { $id: 'InstanceStateInfo' },
);

export const CapabilityDescriptionSchema = Type.Object(
  {
    group: StringEnum(CAPABILITY_GROUPS),
    description: Type.String(),
  },
  { $id: 'CapabilityDescription' },
);
