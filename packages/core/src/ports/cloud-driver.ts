/**
 * The contract between the core and a cloud driver. A driver speaks its provider's API and
 * returns native records (the provider's own ids); the core maps them to broker ids and
 * keeps them in the inventory. A driver never imports another driver, the store or a front
 * end, and throws only SkyportError (translated at its edge, with the provider's code and
 * request id).
 */
import type {
  Capabilities,
  DriverBehaviour,
  HardwareProfile,
  Image,
  Instance,
  DiskFormat,
  KeyPair,
  Location,
  SecurityGroup,
  SecurityGroupRule,
  Snapshot,
  Tags,
  TaggableKind,
  Volume,
} from '@skyport/model';

/** A record as the provider knows it: the provider's own id instead of broker ids. */
export type Native<T> = Omit<T, 'id' | 'providerId'> & { readonly nativeId: string };

export type NativeLocation = Omit<Native<Location>, 'parent'> & {
  /** Native id of the parent region, for zones. */
  readonly parent?: string;
};
export type NativeHardwareProfile = Native<HardwareProfile>;
export type NativeImage = Native<Image>;
/** `imageId`, `hardwareProfileId` and `locationId` are native ids. */
export type NativeInstance = Native<Instance>;
export type NativeKeyPair = Native<KeyPair>;
/** `locationId`, `snapshotId` and `attachment.instanceId` are native ids. */
export type NativeVolume = Native<Volume>;
/** `volumeId` is a native id. */
export type NativeSnapshot = Native<Snapshot>;
export type NativeSecurityGroup = Native<SecurityGroup>;

export interface DriverCreateSecurityGroupRequest {
  readonly name: string;
  readonly description: string;
  readonly tags?: Tags;
}

export interface DriverImportImageRequest {
  readonly name: string;
  readonly description?: string;
  /** A local file the driver reads (and may copy or convert); never modified. */
  readonly path: string;
  /** Always explicit: probing formats is how hostile disk images get in. */
  readonly format: DiskFormat;
  readonly architecture: 'x86_64' | 'aarch64';
  readonly os?: string;
  readonly tags?: Tags;
  /** Called with bytes processed so far, for progress. */
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
  readonly signal?: AbortSignal;
}

/** A disk handed out for reading (export); `release` removes any temporary copy. */
export interface ExportedDisk {
  readonly path: string;
  readonly format: DiskFormat;
  /** Size of the guest-visible disk. */
  readonly virtualSizeBytes: number;
  release(): Promise<void>;
}

export interface DriverCreateInstanceRequest {
  readonly name: string;
  readonly imageId: string;
  readonly hardwareProfileId: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly locationId?: string;
  readonly keyName?: string;
  readonly userData?: string;
  /** Native ids; only when `capabilities.securityGroups`. */
  readonly securityGroupIds?: readonly string[];
  readonly tags?: Tags;
}

export interface DriverCreateVolumeRequest {
  readonly name: string;
  readonly sizeGiB: number;
  readonly locationId?: string;
  readonly snapshotId?: string;
  readonly tags?: Tags;
}

export interface DriverCreateSnapshotRequest {
  readonly name: string;
  readonly volumeId: string;
  readonly tags?: Tags;
}

export interface CreatedKeyPair {
  readonly keyPair: NativeKeyPair;
  /** PEM/OpenSSH private key, returned once and never stored by the broker. */
  readonly privateKey: string;
}

export interface CloudDriver {
  /** Checks endpoint and credentials; throws `Unauthenticated`/`ProviderUnavailable` with a reason. */
  testConnection(): Promise<void>;

  listLocations(): Promise<NativeLocation[]>;
  listHardwareProfiles(): Promise<NativeHardwareProfile[]>;
  listImages(): Promise<NativeImage[]>;

  listInstances(): Promise<NativeInstance[]>;
  /** Undefined when the provider does not know the id (or it was terminated and forgotten). */
  getInstance(nativeId: string): Promise<NativeInstance | undefined>;
  /** Returns as soon as the provider accepted the request (usually in `pending`). */
  createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance>;
  startInstance(nativeId: string): Promise<void>;
  stopInstance(nativeId: string, options?: { readonly force?: boolean }): Promise<void>;
  rebootInstance(nativeId: string): Promise<void>;
  destroyInstance(nativeId: string): Promise<void>;
  /** Present when `capabilities.instances.console`. */
  getConsoleOutput?(nativeId: string): Promise<string>;

  listKeyPairs(): Promise<NativeKeyPair[]>;
  createKeyPair(name: string): Promise<CreatedKeyPair>;
  importKeyPair(name: string, publicKey: string): Promise<NativeKeyPair>;
  deleteKeyPair(nativeId: string): Promise<void>;

  listVolumes(): Promise<NativeVolume[]>;
  createVolume(request: DriverCreateVolumeRequest): Promise<NativeVolume>;
  attachVolume(volumeId: string, instanceId: string, device?: string): Promise<void>;
  detachVolume(volumeId: string): Promise<void>;
  deleteVolume(volumeId: string): Promise<void>;

  listSnapshots(): Promise<NativeSnapshot[]>;
  createSnapshot(request: DriverCreateSnapshotRequest): Promise<NativeSnapshot>;
  deleteSnapshot(nativeId: string): Promise<void>;

  /** Present when `capabilities.securityGroups`. `createInstance` then accepts `securityGroupIds` (native). */
  listSecurityGroups?(): Promise<NativeSecurityGroup[]>;
  createSecurityGroup?(request: DriverCreateSecurityGroupRequest): Promise<NativeSecurityGroup>;
  deleteSecurityGroup?(nativeId: string): Promise<void>;
  authorizeSecurityGroup?(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void>;
  revokeSecurityGroup?(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void>;

  /** Present when `capabilities.imageImport`. Resolves when the image is available. */
  importImage?(request: DriverImportImageRequest): Promise<NativeImage>;
  /** Present when `capabilities.imageFromInstance`. Returns as soon as the image exists (maybe `pending`). */
  createImageFromInstance?(instanceNativeId: string, name: string, options?: { readonly description?: string; readonly tags?: Tags }): Promise<NativeImage>;
  /** Deregisters an image (instances already created from it keep running). */
  deleteImage?(nativeId: string): Promise<void>;
  /** Present when `capabilities.diskExport`: the root disk of an image or of a stopped instance. */
  exportDisk?(kind: 'image' | 'instance', nativeId: string, options?: { readonly signal?: AbortSignal }): Promise<ExportedDisk>;

  /** Sets the given tags and removes the listed keys on one resource. */
  updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void>;

  /** Releases connections, timers and files. */
  close(): Promise<void>;
}

/** One field of a provider's configuration, so front ends can ask for it. */
export interface DriverConfigField {
  readonly name: string;
  readonly description: string;
  /** Secret fields are credentials: encrypted at rest, never returned. */
  readonly secret: boolean;
  readonly required: boolean;
}

export interface DriverConfig {
  readonly providerId: string;
  readonly name: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, unknown>>;
  /** A folder the driver may keep files in (its own, per provider). */
  readonly dataDir: string;
}

/** What the composition root registers per driver: its self-description and a constructor. */
export interface DriverFactory {
  readonly name: string;
  readonly description: string;
  readonly capabilities: Capabilities;
  readonly behaviour: DriverBehaviour;
  readonly configFields: readonly DriverConfigField[];
  /**
   * What one provider of this driver can do, when that depends on its settings (e.g. image
   * transfer only with a storage bucket configured). Absent: every provider has `capabilities`,
   * which then lists everything the driver can do at most.
   */
  capabilitiesFor?(settings: Readonly<Record<string, unknown>>): Capabilities;
  create(config: DriverConfig): CloudDriver;
}

