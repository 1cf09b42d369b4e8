/**
 * The EC2 driver: every method is one or a few EC2 calls through the AWS SDK v3, and every
 * failure leaves as a SkyportError (see ec2-errors.ts). Throttling and 5xx are retried by the
 * SDK's standard retry strategy (exponential backoff with jitter, `maxAttempts`).
 */
import {
  AttachVolumeCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateImageCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  GetConsoleOutputCommand,
  ImportKeyPairCommand,
  RebootInstancesCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeImages,
  paginateDescribeInstanceTypes,
  paginateDescribeInstances,
  paginateDescribeSecurityGroups,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  type Image as Ec2Image,
  type Instance as Ec2Instance,
  type InstanceStateChange,
  type InstanceTypeInfo,
  type RunInstancesCommandInput,
  type Tag,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import type {
  CloudDriver,
  CreatedKeyPair,
  DriverConfig,
  DriverCreateInstanceRequest,
  DriverCreateSecurityGroupRequest,
  DriverCreateSnapshotRequest,
  DriverCreateVolumeRequest,
  DriverImportImageRequest,
  ExportedDisk,
  NativeHardwareProfile,
  NativeImage,
  NativeInstance,
  NativeKeyPair,
  NativeLocation,
  NativeSecurityGroup,
  NativeSnapshot,
  NativeVolume,
} from '@skyport/core';
import { SkyportError, isSkyportError, normalizeRules, type Capabilities, type SecurityGroupRule, type TaggableKind, type Tags } from '@skyport/model';
import { ec2CapabilitiesFor, MAX_TAGS_PER_RESOURCE } from './ec2-capabilities.js';
import { translate } from './ec2-errors.js';
import {
  MAX_VOLUME_GIB,
  NAME_TAG,
  imageOf,
  instanceOf,
  keyPairOf,
  permissionsOf,
  profileOf,
  rootDiskOf,
  rootVolumeIdOf,
  securityGroupOf,
  snapshotOf,
  tagsOf,
  toTagList,
  volumeOf,
} from './ec2-records.js';
import type { Ec2Connection } from './ec2-connection.js';
import type { Ec2Settings } from './ec2-settings.js';
import { ImageTransfer } from './image-transfer.js';
import { addRequestIdFromErrorBody } from './request-id-middleware.js';

function withName(name: string, tags: Tags | undefined): Tag[] {
  return [{ Key: NAME_TAG, Value: name }, ...toTagList(tags ?? {}).filter((t) => t.Key !== NAME_TAG)];
}

function notFound(what: string, id: string, extra = ''): SkyportError {
  return new SkyportError('NotFound', `${what} ${id} does not exist${extra}`, { details: { id } });
}

/** First time this driver saw an id, for resources whose creation time EC2 does not report. */
class FirstSeen {
  readonly #times = new Map<string, string>();
  readonly at = (id: string): string => {
    let time = this.#times.get(id);
    if (time === undefined) {
      time = new Date().toISOString();
      this.#times.set(id, time);
    }
    return time;
  };
}

export class Ec2CloudDriver implements CloudDriver {
  readonly #ec2: EC2Client;
  readonly #settings: Ec2Settings;
  readonly #connection: Ec2Connection;
  readonly #capabilities: Capabilities;
  readonly #target: string;
  readonly #firstSeen = new FirstSeen();
  readonly #transfer: ImageTransfer | undefined;
  /** Instance types by name, filled by listHardwareProfiles and by lookups of unlisted types. */
  readonly #types = new Map<string, NativeHardwareProfile | null>();
  /** Root disk sizes of images, for instances whose root volume EC2 does not show. */
  readonly #imageRoots = new Map<string, number | null>();

  constructor(config: DriverConfig, connection: Ec2Connection, settings: Ec2Settings) {
    this.#settings = settings;
    this.#connection = connection;
    this.#capabilities = ec2CapabilitiesFor(config.settings);
    this.#target = `EC2 region ${connection.region}${connection.endpoint === undefined ? '' : ` at ${connection.endpoint}`}`;
    this.#ec2 = new EC2Client({
      region: connection.region,
      ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
      credentials: { ...connection.credentials },
      maxAttempts: settings.maxAttempts,
      retryMode: 'standard',
      requestHandler: { requestTimeout: settings.requestTimeoutMs, connectionTimeout: Math.min(settings.requestTimeoutMs, 10_000) },
    });
    addRequestIdFromErrorBody(this.#ec2);
    this.#transfer =
      settings.bucket === undefined
        ? undefined
        : new ImageTransfer({ ec2: this.#ec2, connection, settings, bucket: settings.bucket, dataDir: config.dataDir, call: (what, fn) => this.#call(what, fn) });
  }

  /** Runs one provider call; anything it throws leaves as a SkyportError. */
  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translate(error, what, this.#target);
    }
  }

  /** Like #call, but a NotFound answer becomes `undefined`. */
  async #find<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.#call(what, fn);
    } catch (error) {
      if (isSkyportError(error) && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  async testConnection(): Promise<void> {
    const regions = await this.#call('checking the connection', () => this.#ec2.send(new DescribeRegionsCommand({ RegionNames: [this.#connection.region] })));
    if (!regions.Regions?.some((r) => r.RegionName === this.#connection.region)) {
      throw new SkyportError('ProviderUnavailable', `${this.#target} does not list region ${this.#connection.region}; check the provider's region`, { details: { region: this.#connection.region } });
    }
  }

  // --- catalogue --------------------------------------------------------------------------------

  async listLocations(): Promise<NativeLocation[]> {
    const region = this.#connection.region;
    const [regions, zones] = await Promise.all([
      this.#call('listing regions', () => this.#ec2.send(new DescribeRegionsCommand({ RegionNames: [region] }))),
      this.#call('listing availability zones', () => this.#ec2.send(new DescribeAvailabilityZonesCommand({}))),
    ]);
    const locations: NativeLocation[] = (regions.Regions ?? [])
      .filter((r) => r.RegionName !== undefined)
      .map((r) => ({ nativeId: r.RegionName!, name: r.RegionName!, kind: 'region' as const, available: r.OptInStatus !== 'not-opted-in' }));
    if (locations.length === 0) locations.push({ nativeId: region, name: region, kind: 'region', available: true });
    for (const z of zones.AvailabilityZones ?? []) {
      // Local and Wavelength zones need opting in and behave differently; only real AZs are locations.
      if (z.ZoneName === undefined || (z.ZoneType !== undefined && z.ZoneType !== 'availability-zone')) continue;
      locations.push({ nativeId: z.ZoneName, name: z.ZoneName, kind: 'zone', parent: z.RegionName ?? region, available: z.State === 'available' });
    }
    return locations;
  }

  async listHardwareProfiles(): Promise<NativeHardwareProfile[]> {
    const everything = this.#settings.instanceTypes.includes('*');
    const input = everything ? {} : { Filters: [{ Name: 'instance-type', Values: [...this.#settings.instanceTypes] }] };
    const profiles: NativeHardwareProfile[] = [];
    await this.#call('listing instance types', async () => {
      for await (const page of paginateDescribeInstanceTypes({ client: this.#ec2 }, input)) {
        for (const type of page.InstanceTypes ?? []) {
          const profile = profileOf(type, this.#settings.rootDiskGiB);
          if (profile === undefined) continue;
          this.#types.set(profile.nativeId, profile);
          profiles.push(profile);
        }
      }
    });
    return profiles.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The profile of an instance type, listed or not (instances may run types outside the filter). */
  async #profiles(names: readonly string[]): Promise<Map<string, NativeHardwareProfile | null>> {
    const missing = [...new Set(names)].filter((n) => n !== '' && !this.#types.has(n));
    if (missing.length > 0) {
      const describe = async (names: readonly string[]): Promise<InstanceTypeInfo[]> => {
        const types: InstanceTypeInfo[] = [];
        for await (const page of paginateDescribeInstanceTypes({ client: this.#ec2 }, { InstanceTypes: names as _InstanceType[] })) types.push(...(page.InstanceTypes ?? []));
        return types;
      };
      let found: InstanceTypeInfo[];
      try {
        found = await this.#call('describing instance types', () => describe(missing));
      } catch (error) {
        // One unknown name fails the whole batch (InvalidInstanceType); then ask one by one.
        if (!(isSkyportError(error) && (error.code === 'InvalidArgument' || error.code === 'NotFound'))) throw error;
        found = [];
        for (const name of missing) {
          try {
            found.push(...(await this.#call(`describing instance type ${name}`, () => describe([name]))));
          } catch (inner) {
            if (!(isSkyportError(inner) && (inner.code === 'InvalidArgument' || inner.code === 'NotFound'))) throw inner;
          }
        }
      }
      for (const type of found) {
        const profile = profileOf(type, this.#settings.rootDiskGiB);
        if (profile !== undefined) this.#types.set(profile.nativeId, profile);
      }
      for (const n of missing) if (!this.#types.has(n)) this.#types.set(n, null);
    }
    return new Map(names.map((n) => [n, this.#types.get(n) ?? null]));
  }

  async listImages(): Promise<NativeImage[]> {
    const images = new Map<string, Ec2Image>();
    await this.#call('listing images', async () => {
      // Never every public image: the account's own, the configured owners and ids only.
      for await (const page of paginateDescribeImages({ client: this.#ec2 }, { Owners: ['self', ...this.#settings.imageOwners] })) {
        for (const image of page.Images ?? []) if (image.ImageId !== undefined) images.set(image.ImageId, image);
      }
    });
    if (this.#settings.imageIds.length > 0) {
      const extra = await this.#call('listing the configured images', () => this.#ec2.send(new DescribeImagesCommand({ ImageIds: [...this.#settings.imageIds] })));
      for (const image of extra.Images ?? []) if (image.ImageId !== undefined) images.set(image.ImageId, image);
    }
    const result: NativeImage[] = [];
    for (const image of images.values()) {
      this.#imageRoots.set(image.ImageId!, rootDiskOf(image).sizeGiB ?? null);
      const native = imageOf(image);
      if (native !== undefined) result.push(native);
    }
    return result;
  }

  async #image(imageId: string): Promise<Ec2Image | undefined> {
    const found = await this.#find(`describing image ${imageId}`, () => this.#ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })));
    const image = found?.Images?.find((i) => i.ImageId === imageId);
    if (image !== undefined) this.#imageRoots.set(imageId, rootDiskOf(image).sizeGiB ?? null);
    return image;
  }

  async #zoneNames(): Promise<Set<string>> {
    const zones = await this.#call('listing availability zones', () => this.#ec2.send(new DescribeAvailabilityZonesCommand({})));
    return new Set((zones.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName === undefined ? [] : [z.ZoneName])));
  }

  // --- instances --------------------------------------------------------------------------------

  /** Native records for EC2 instances: profiles for CPUs/memory, root volumes for the disk size. */
  async #natives(instances: readonly Ec2Instance[]): Promise<NativeInstance[]> {
    const profiles = await this.#profiles(instances.map((i) => i.InstanceType ?? ''));
    const rootIds = instances.flatMap((i) => {
      const id = rootVolumeIdOf(i);
      return id === undefined ? [] : [id];
    });
    const rootSizes = new Map<string, number>();
    if (rootIds.length > 0) {
      // One call for all root volumes; a volume deleted meanwhile only loses its size.
      const volumes = await this.#find('describing root volumes', async () => {
        const all = [];
        // EC2 takes at most 200 values per filter.
        for (let i = 0; i < rootIds.length; i += 200) {
          const Values = rootIds.slice(i, i + 200);
          for await (const page of paginateDescribeVolumes({ client: this.#ec2 }, { Filters: [{ Name: 'volume-id', Values }] })) all.push(...(page.Volumes ?? []));
        }
        return all;
      });
      for (const v of volumes ?? []) if (v.VolumeId !== undefined && v.Size !== undefined) rootSizes.set(v.VolumeId, v.Size);
    }
    const result: NativeInstance[] = [];
    for (const instance of instances) {
      const rootId = rootVolumeIdOf(instance);
      let diskGiB = rootId === undefined ? undefined : rootSizes.get(rootId);
      if (diskGiB === undefined && instance.ImageId !== undefined) diskGiB = await this.#imageRootGiB(instance.ImageId);
      result.push(instanceOf(instance, { profile: profiles.get(instance.InstanceType ?? '') ?? undefined, diskGiB: diskGiB ?? this.#settings.rootDiskGiB }));
    }
    return result;
  }

  async #imageRootGiB(imageId: string): Promise<number | undefined> {
    if (!this.#imageRoots.has(imageId)) await this.#image(imageId).catch(() => undefined);
    if (!this.#imageRoots.has(imageId)) this.#imageRoots.set(imageId, null);
    return this.#imageRoots.get(imageId) ?? undefined;
  }

  async listInstances(): Promise<NativeInstance[]> {
    const instances: Ec2Instance[] = [];
    await this.#call('listing instances', async () => {
      for await (const page of paginateDescribeInstances({ client: this.#ec2 }, {})) {
        for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []));
      }
    });
    return this.#natives(instances);
  }

  async #ec2Instance(nativeId: string): Promise<Ec2Instance | undefined> {
    const found = await this.#find(`describing instance ${nativeId}`, () => this.#ec2.send(new DescribeInstancesCommand({ InstanceIds: [nativeId] })));
    return found?.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === nativeId);
  }

  async getInstance(nativeId: string): Promise<NativeInstance | undefined> {
    const instance = await this.#ec2Instance(nativeId);
    return instance === undefined ? undefined : (await this.#natives([instance]))[0];
  }

  async createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    const profile = (await this.#profiles([request.hardwareProfileId])).get(request.hardwareProfileId);
    if (profile === undefined || profile === null) {
      throw notFound('instance type', request.hardwareProfileId, ` in ${this.#target}; list the hardware profiles (settings.instanceTypes chooses which are listed)`);
    }
    const fixedCpus = profile.cpus.kind === 'fixed' ? profile.cpus.value : profile.cpus.kind === 'range' ? profile.cpus.default : profile.cpus.default;
    const fixedMemory = profile.memoryMiB.kind === 'fixed' ? profile.memoryMiB.value : profile.memoryMiB.default;
    if (request.cpus !== fixedCpus || request.memoryMiB !== fixedMemory) {
      throw new SkyportError(
        'Unsupported',
        `EC2 instance types fix CPUs and memory: ${profile.name} has ${fixedCpus} vCPUs and ${fixedMemory} MiB, not ${request.cpus} and ${request.memoryMiB}; choose another instance type`,
        { details: { hardwareProfileId: profile.nativeId, cpus: fixedCpus, memoryMiB: fixedMemory } },
      );
    }
    if (!Number.isInteger(request.diskGiB) || request.diskGiB < 1 || request.diskGiB > MAX_VOLUME_GIB) {
      throw new SkyportError('InvalidArgument', `diskGiB ${request.diskGiB} is outside 1..${MAX_VOLUME_GIB}`, { details: { field: 'diskGiB' } });
    }
    const image = await this.#image(request.imageId);
    if (image === undefined) throw notFound('image', request.imageId, ` in ${this.#target}`);
    if (request.locationId !== undefined && !(await this.#zoneNames()).has(request.locationId)) {
      throw notFound('availability zone', request.locationId, ` in ${this.#target}`);
    }
    const root = rootDiskOf(image);
    // EC2 cannot shrink a root volume: below the image's size the launch takes the image's size;
    // above it, a block device mapping grows the root volume.
    const diskGiB = Math.max(request.diskGiB, root.sizeGiB ?? 0);
    const growRoot = root.sizeGiB !== undefined && root.deviceName !== undefined && request.diskGiB > root.sizeGiB;
    const input: RunInstancesCommandInput = {
      ImageId: request.imageId,
      InstanceType: request.hardwareProfileId as _InstanceType,
      MinCount: 1,
      MaxCount: 1,
      ...(request.keyName === undefined ? {} : { KeyName: request.keyName }),
      ...(request.userData === undefined ? {} : { UserData: Buffer.from(request.userData, 'utf8').toString('base64') }),
      ...(request.securityGroupIds === undefined || request.securityGroupIds.length === 0 ? {} : { SecurityGroupIds: [...request.securityGroupIds] }),
      ...(request.locationId === undefined ? {} : { Placement: { AvailabilityZone: request.locationId } }),
      ...(growRoot ? { BlockDeviceMappings: [{ DeviceName: root.deviceName!, Ebs: { VolumeSize: request.diskGiB, DeleteOnTermination: true } }] } : {}),
      TagSpecifications: [{ ResourceType: 'instance', Tags: withName(request.name, request.tags) }],
      // The SDK fills ClientToken itself and keeps it across its retries, so a retried launch is not doubled.
    };
    const result = await this.#call(`launching instance ${request.name}`, () => this.#ec2.send(new RunInstancesCommand(input)));
    const launched = result.Instances?.[0];
    if (launched?.InstanceId === undefined) throw new SkyportError('ProviderError', `launching instance ${request.name}: ${this.#target} answered without an instance`, { ...(result.$metadata.requestId === undefined ? {} : { requestId: result.$metadata.requestId }) });
    const native = instanceOf({ ...launched, Tags: launched.Tags?.length ? launched.Tags : withName(request.name, request.tags) }, { profile, diskGiB });
    return { ...native, name: request.name };
  }

  /**
   * EC2 answers a start of a running instance (or a stop of a stopped one) with success and the
   * state unchanged; Skyport's contract calls that an action the state does not allow.
   */
  #refuseNoOp(change: InstanceStateChange | undefined, id: string, action: string, target: string): void {
    const before = change?.PreviousState?.Name;
    if (before !== undefined && before === target && change?.CurrentState?.Name === target) {
      throw new SkyportError('InvalidState', `cannot ${action} instance ${id}: it is already ${target}`, { details: { state: target } });
    }
  }

  async startInstance(nativeId: string): Promise<void> {
    const result = await this.#call(`starting instance ${nativeId}`, () => this.#ec2.send(new StartInstancesCommand({ InstanceIds: [nativeId] })));
    this.#refuseNoOp(result.StartingInstances?.[0], nativeId, 'start', 'running');
  }

  async stopInstance(nativeId: string, options: { readonly force?: boolean } = {}): Promise<void> {
    const result = await this.#call(`stopping instance ${nativeId}`, () => this.#ec2.send(new StopInstancesCommand({ InstanceIds: [nativeId], ...(options.force === true ? { Force: true } : {}) })));
    this.#refuseNoOp(result.StoppingInstances?.[0], nativeId, 'stop', 'stopped');
  }

  async rebootInstance(nativeId: string): Promise<void> {
    await this.#call(`rebooting instance ${nativeId}`, () => this.#ec2.send(new RebootInstancesCommand({ InstanceIds: [nativeId] })));
  }

  async destroyInstance(nativeId: string): Promise<void> {
    await this.#call(`terminating instance ${nativeId}`, () => this.#ec2.send(new TerminateInstancesCommand({ InstanceIds: [nativeId] })));
  }

  async getConsoleOutput(nativeId: string): Promise<string> {
    const result = await this.#call(`reading the console of instance ${nativeId}`, () => this.#ec2.send(new GetConsoleOutputCommand({ InstanceId: nativeId })));
    return result.Output === undefined ? '' : Buffer.from(result.Output, 'base64').toString('utf8');
  }

  // --- key pairs --------------------------------------------------------------------------------

  async listKeyPairs(): Promise<NativeKeyPair[]> {
    const result = await this.#call('listing key pairs', () => this.#ec2.send(new DescribeKeyPairsCommand({ IncludePublicKey: true })));
    return (result.KeyPairs ?? []).map((k) => keyPairOf(k, this.#firstSeen.at));
  }

  #checkKeyName(name: string): void {
    if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
      throw new SkyportError('InvalidArgument', `key pair name "${name}" is not allowed: give 1 to 255 characters`, { details: { field: 'name' } });
    }
  }

  async createKeyPair(name: string): Promise<CreatedKeyPair> {
    this.#checkKeyName(name);
    const result = await this.#call(`creating key pair ${name}`, () => this.#ec2.send(new CreateKeyPairCommand({ KeyName: name })));
    const id = result.KeyPairId ?? result.KeyName ?? name;
    return {
      keyPair: { nativeId: id, name: result.KeyName ?? name, fingerprint: result.KeyFingerprint ?? '', tags: tagsOf(result.Tags), createdAt: this.#firstSeen.at(id) },
      privateKey: result.KeyMaterial ?? '',
    };
  }

  async importKeyPair(name: string, publicKey: string): Promise<NativeKeyPair> {
    this.#checkKeyName(name);
    const result = await this.#call(`importing key pair ${name}`, () =>
      this.#ec2.send(new ImportKeyPairCommand({ KeyName: name, PublicKeyMaterial: new TextEncoder().encode(publicKey) })),
    );
    const id = result.KeyPairId ?? result.KeyName ?? name;
    return { nativeId: id, name: result.KeyName ?? name, fingerprint: result.KeyFingerprint ?? '', publicKey: publicKey.trim(), tags: tagsOf(result.Tags), createdAt: this.#firstSeen.at(id) };
  }

  async deleteKeyPair(nativeId: string): Promise<void> {
    // EC2 deletes an unknown key pair name without complaint; look first, so a wrong id is NotFound.
    const byId = nativeId.startsWith('key-');
    const found = await this.#find(`describing key pair ${nativeId}`, () =>
      this.#ec2.send(new DescribeKeyPairsCommand(byId ? { KeyPairIds: [nativeId] } : { KeyNames: [nativeId] })),
    );
    const key = found?.KeyPairs?.[0];
    if (key === undefined) throw notFound('key pair', nativeId, ` in ${this.#target}`);
    await this.#call(`deleting key pair ${nativeId}`, () =>
      this.#ec2.send(new DeleteKeyPairCommand(key.KeyPairId === undefined ? { KeyName: key.KeyName } : { KeyPairId: key.KeyPairId })),
    );
  }

  // --- volumes and snapshots --------------------------------------------------------------------

  async listVolumes(): Promise<NativeVolume[]> {
    const volumes: NativeVolume[] = [];
    await this.#call('listing volumes', async () => {
      for await (const page of paginateDescribeVolumes({ client: this.#ec2 }, {})) for (const v of page.Volumes ?? []) volumes.push(volumeOf(v));
    });
    return volumes;
  }

  async createVolume(request: DriverCreateVolumeRequest): Promise<NativeVolume> {
    if (!Number.isInteger(request.sizeGiB) || request.sizeGiB < 1 || request.sizeGiB > MAX_VOLUME_GIB) {
      throw new SkyportError('InvalidArgument', `volume size ${request.sizeGiB} GiB is not allowed: give a whole number from 1 to ${MAX_VOLUME_GIB}`, {
        details: { field: 'sizeGiB', min: 1, max: MAX_VOLUME_GIB },
      });
    }
    const zones = await this.#zoneNames();
    const zone = request.locationId ?? [...zones].sort()[0];
    if (zone === undefined) throw new SkyportError('ProviderError', `${this.#target} lists no availability zone to create volume ${request.name} in`);
    if (!zones.has(zone)) throw notFound('availability zone', zone, ` in ${this.#target}`);
    const result = await this.#call(`creating volume ${request.name}`, () =>
      this.#ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: zone,
          Size: request.sizeGiB,
          ...(request.snapshotId === undefined ? {} : { SnapshotId: request.snapshotId }),
          ...(this.#settings.volumeType === undefined ? {} : { VolumeType: this.#settings.volumeType as never }),
          TagSpecifications: [{ ResourceType: 'volume', Tags: withName(request.name, request.tags) }],
        }),
      ),
    );
    return { ...volumeOf({ ...result, Tags: result.Tags?.length ? result.Tags : withName(request.name, request.tags) }), name: request.name };
  }

  async attachVolume(volumeId: string, instanceId: string, device?: string): Promise<void> {
    const chosen = device ?? (await this.#freeDevice(instanceId));
    await this.#call(`attaching volume ${volumeId} to instance ${instanceId}`, () =>
      this.#ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: chosen })),
    );
  }

  /** The first configured device name no block device of the instance uses. */
  async #freeDevice(instanceId: string): Promise<string> {
    const instance = await this.#ec2Instance(instanceId);
    if (instance === undefined) throw notFound('instance', instanceId, ` in ${this.#target}`);
    const used = new Set((instance.BlockDeviceMappings ?? []).map((m) => m.DeviceName));
    // Some EC2-compatible clouds do not show data volumes in the instance; their attachments do.
    const attached = await this.#call(`listing volumes of instance ${instanceId}`, () =>
      this.#ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] })),
    );
    for (const v of attached.Volumes ?? []) for (const a of v.Attachments ?? []) used.add(a.Device);
    const free = this.#settings.deviceNames.find((d) => !used.has(d));
    if (free === undefined) {
      throw new SkyportError('QuotaExceeded', `instance ${instanceId} uses every configured device name (${this.#settings.deviceNames.join(', ')}); detach a volume or configure settings.deviceNames`);
    }
    return free;
  }

  async detachVolume(volumeId: string): Promise<void> {
    await this.#call(`detaching volume ${volumeId}`, () => this.#ec2.send(new DetachVolumeCommand({ VolumeId: volumeId })));
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await this.#call(`deleting volume ${volumeId}`, () => this.#ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId })));
  }

  async listSnapshots(): Promise<NativeSnapshot[]> {
    const snapshots: NativeSnapshot[] = [];
    await this.#call('listing snapshots', async () => {
      // Without an owner EC2 lists every public snapshot in the region.
      for await (const page of paginateDescribeSnapshots({ client: this.#ec2 }, { OwnerIds: ['self'] })) for (const s of page.Snapshots ?? []) snapshots.push(snapshotOf(s));
    });
    return snapshots;
  }

  async createSnapshot(request: DriverCreateSnapshotRequest): Promise<NativeSnapshot> {
    const result = await this.#call(`creating snapshot ${request.name} of volume ${request.volumeId}`, () =>
      this.#ec2.send(
        new CreateSnapshotCommand({
          VolumeId: request.volumeId,
          Description: request.name,
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: withName(request.name, request.tags) }],
        }),
      ),
    );
    return { ...snapshotOf({ ...result, Tags: result.Tags?.length ? result.Tags : withName(request.name, request.tags) }), name: request.name };
  }

  async deleteSnapshot(nativeId: string): Promise<void> {
    await this.#call(`deleting snapshot ${nativeId}`, () => this.#ec2.send(new DeleteSnapshotCommand({ SnapshotId: nativeId })));
  }

  // --- security groups --------------------------------------------------------------------------

  async listSecurityGroups(): Promise<NativeSecurityGroup[]> {
    const groups: NativeSecurityGroup[] = [];
    await this.#call('listing security groups', async () => {
      for await (const page of paginateDescribeSecurityGroups({ client: this.#ec2 }, {})) for (const g of page.SecurityGroups ?? []) groups.push(securityGroupOf(g, this.#firstSeen.at));
    });
    return groups;
  }

  async createSecurityGroup(request: DriverCreateSecurityGroupRequest): Promise<NativeSecurityGroup> {
    const tags = toTagList(request.tags ?? {});
    const created = await this.#call(`creating security group ${request.name}`, () =>
      this.#ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: request.name,
          Description: request.description,
          ...(tags.length === 0 ? {} : { TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }] }),
        }),
      ),
    );
    const id = created.GroupId ?? '';
    // The new group with the rules the provider gave it (AWS adds an allow-all egress rule).
    const described = await this.#find(`describing security group ${id}`, () => this.#ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] })));
    const group = described?.SecurityGroups?.[0];
    if (group !== undefined) return securityGroupOf(group, this.#firstSeen.at);
    return { nativeId: id, name: request.name, description: request.description, ingress: [], egress: [], tags: request.tags ?? {}, createdAt: this.#firstSeen.at(id) };
  }

  async deleteSecurityGroup(nativeId: string): Promise<void> {
    await this.#call(`deleting security group ${nativeId}`, () => this.#ec2.send(new DeleteSecurityGroupCommand({ GroupId: nativeId })));
  }

  async authorizeSecurityGroup(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void> {
    // Checked here, so a bad rule beside good ones never half-applies.
    const permissions = permissionsOf(normalizeRules(rules));
    const what = `adding ${direction} rules to security group ${nativeId}`;
    if (direction === 'ingress') await this.#call(what, () => this.#ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: nativeId, IpPermissions: permissions })));
    else await this.#call(what, () => this.#ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: nativeId, IpPermissions: permissions })));
  }

  async revokeSecurityGroup(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void> {
    const permissions = permissionsOf(normalizeRules(rules));
    const what = `removing ${direction} rules from security group ${nativeId}`;
    const result =
      direction === 'ingress'
        ? await this.#call(what, () => this.#ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: nativeId, IpPermissions: permissions })))
        : await this.#call(what, () => this.#ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: nativeId, IpPermissions: permissions })));
    // EC2 revokes the rules it has and lists the others instead of failing.
    const unknown = result.UnknownIpPermissions ?? [];
    if (unknown.length > 0) {
      throw new SkyportError('NotFound', `security group ${nativeId} has no ${direction} rule ${JSON.stringify(unknown)}; the other rules were removed`, {
        details: { unknown },
        ...(result.$metadata.requestId === undefined ? {} : { requestId: result.$metadata.requestId }),
      });
    }
  }

  // --- images -----------------------------------------------------------------------------------

  async createImageFromInstance(instanceNativeId: string, name: string, options: { readonly description?: string; readonly tags?: Tags } = {}): Promise<NativeImage> {
    const instance = await this.#ec2Instance(instanceNativeId);
    if (instance === undefined) throw notFound('instance', instanceNativeId, ` in ${this.#target}`);
    const state = instance.State?.Name;
    if (state !== 'stopped') {
      throw new SkyportError('InvalidState', `cannot make an image of instance ${instanceNativeId} while it is ${state ?? 'unknown'}: stop it first`, { details: { state, required: ['stopped'] } });
    }
    const tags = toTagList(options.tags ?? {});
    const result = await this.#call(`creating image ${name} from instance ${instanceNativeId}`, () =>
      this.#ec2.send(
        new CreateImageCommand({
          InstanceId: instanceNativeId,
          Name: name,
          ...(options.description === undefined ? {} : { Description: options.description }),
          NoReboot: true,
          ...(tags.length === 0 ? {} : { TagSpecifications: [{ ResourceType: 'image', Tags: tags }] }),
        }),
      ),
    );
    const imageId = result.ImageId ?? '';
    const described = await this.#image(imageId);
    const native = described === undefined ? undefined : imageOf(described);
    if (native !== undefined) return native;
    // Not visible yet (EC2 is eventually consistent): what was asked for, pending.
    const profile = (await this.#profiles([instance.InstanceType ?? ''])).get(instance.InstanceType ?? '');
    return {
      nativeId: imageId,
      name,
      ...(options.description === undefined ? {} : { description: options.description }),
      architecture: profile?.architecture ?? (instance.Architecture === 'arm64' ? 'aarch64' : 'x86_64'),
      state: 'pending',
      public: false,
      tags: options.tags ?? {},
    };
  }

  async deleteImage(nativeId: string): Promise<void> {
    const image = await this.#image(nativeId);
    if (image === undefined || image.State === 'deregistered') throw notFound('image', nativeId, ` in ${this.#target}`);
    await this.#call(`deregistering image ${nativeId}`, () => this.#ec2.send(new DeregisterImageCommand({ ImageId: nativeId })));
    // Deregistering keeps the snapshots behind the image (and their cost); they are ours to remove.
    for (const mapping of image.BlockDeviceMappings ?? []) {
      const snapshotId = mapping.Ebs?.SnapshotId;
      if (snapshotId === undefined || snapshotId === '') continue;
      try {
        await this.#call(`deleting snapshot ${snapshotId} of image ${nativeId}`, () => this.#ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
      } catch (error) {
        // Another image may share it (InvalidState), or it is gone already; the image itself is deleted.
        if (!(isSkyportError(error) && (error.code === 'InvalidState' || error.code === 'NotFound' || error.code === 'Forbidden'))) throw error;
      }
    }
  }

  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    const transfer = this.#transferOrRefuse('importing images');
    await transfer.check(request);
    const taken = (await this.listImages()).find((i) => i.name === request.name && i.state !== 'deleted' && i.state !== 'failed');
    if (taken !== undefined) {
      throw new SkyportError('AlreadyExists', `an image named ${request.name} already exists in ${this.#target} (${taken.nativeId}); choose another name`, { details: { name: request.name, imageId: taken.nativeId } });
    }
    const imageId = await transfer.importImage(request);
    // The image carries the name asked for as its Name tag (VM Import generates import-ami-… names).
    await this.#call(`tagging imported image ${imageId}`, () => this.#ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: withName(request.name, request.tags) })));
    const image = await this.#image(imageId);
    const native = image === undefined ? undefined : imageOf(image);
    if (native === undefined) throw new SkyportError('ProviderError', `image ${imageId} imported as ${request.name} is not visible in ${this.#target}`);
    return native;
  }

  async exportDisk(kind: 'image' | 'instance', nativeId: string, options: { readonly signal?: AbortSignal } = {}): Promise<ExportedDisk> {
    const transfer = this.#transferOrRefuse('exporting disks');
    if (kind === 'image') {
      const image = await this.#image(nativeId);
      if (image === undefined || image.State === 'deregistered') throw notFound('image', nativeId, ` in ${this.#target}`);
      if (image.State !== 'available') throw new SkyportError('InvalidState', `image ${nativeId} is ${image.State ?? 'unknown'}; only available images can be exported`, { details: { state: image.State } });
      return transfer.exportImage(nativeId, (rootDiskOf(image).sizeGiB ?? this.#settings.rootDiskGiB) * 2 ** 30, options.signal);
    }
    const instance = await this.#ec2Instance(nativeId);
    if (instance === undefined) throw notFound('instance', nativeId, ` in ${this.#target}`);
    if (instance.State?.Name !== 'stopped') {
      throw new SkyportError('InvalidState', `cannot export the disk of instance ${nativeId} while it is ${instance.State?.Name ?? 'unknown'}: stop it first`, {
        details: { state: instance.State?.Name, required: ['stopped'] },
      });
    }
    // VM Export works on images: a temporary image of the stopped instance, removed afterwards.
    const temporary = await this.createImageFromInstance(nativeId, `skyport-export-${nativeId}-${Date.now()}`, { description: `temporary image for exporting ${nativeId}` });
    try {
      await transfer.waitForImage(temporary.nativeId, options.signal);
      const diskGiB = (await this.#natives([instance]))[0]?.diskGiB ?? this.#settings.rootDiskGiB;
      return await transfer.exportImage(temporary.nativeId, diskGiB * 2 ** 30, options.signal);
    } finally {
      await this.deleteImage(temporary.nativeId).catch(() => undefined);
    }
  }

  #transferOrRefuse(what: string): ImageTransfer {
    if (this.#transfer === undefined || this.#capabilities.imageImport === undefined) {
      throw new SkyportError('Unsupported', `${what} needs an S3 bucket: set the provider setting "bucket" (VM Import/Export reads and writes disks there)`, { details: { setting: 'bucket' } });
    }
    return this.#transfer;
  }

  // --- tags -------------------------------------------------------------------------------------

  async updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void> {
    if (!this.#capabilities.tags?.kinds.includes(kind)) throw new SkyportError('Unsupported', `${this.#target} cannot tag ${kind}s through Skyport; taggable: ${this.#capabilities.tags?.kinds.join(', ')}`);
    const set = Object.entries(change.set ?? {});
    if (set.length > MAX_TAGS_PER_RESOURCE) {
      throw new SkyportError('InvalidArgument', `${set.length} tags on one ${kind}: EC2 allows at most ${MAX_TAGS_PER_RESOURCE} per resource`, { details: { max: MAX_TAGS_PER_RESOURCE } });
    }
    for (const [key, value] of set) {
      if (key === '' || key.length > 128 || key.toLowerCase().startsWith('aws:') || value.length > 256) {
        throw new SkyportError('InvalidArgument', `tag "${key}" is not allowed: keys are 1-128 characters not starting with aws:, values at most 256`, { details: { key } });
      }
    }
    if (set.length > 0) {
      await this.#call(`tagging ${kind} ${nativeId}`, () => this.#ec2.send(new CreateTagsCommand({ Resources: [nativeId], Tags: set.map(([Key, Value]) => ({ Key, Value })) })));
    }
    const remove = change.remove ?? [];
    if (remove.length > 0) {
      await this.#call(`removing tags from ${kind} ${nativeId}`, () => this.#ec2.send(new DeleteTagsCommand({ Resources: [nativeId], Tags: remove.map((Key) => ({ Key })) })));
    }
  }

  async close(): Promise<void> {
    this.#transfer?.close();
    this.#ec2.destroy();
  }
}
