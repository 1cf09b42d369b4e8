/**
 * The CloudDriver over the simulated cloud: each method is one gateway call (latency, auth,
 * faults, request id) around one synchronous operation on the cloud. The database opens on
 * the first call, so a bad data folder surfaces as a reasoned error from testConnection
 * rather than from the factory.
 */
import type {
  CloudDriver,
  CreatedKeyPair,
  DriverConfig,
  DriverImportImageRequest,
  ExportedDisk,
  DriverCreateInstanceRequest,
  DriverCreateSecurityGroupRequest,
  DriverCreateSnapshotRequest,
  DriverCreateVolumeRequest,
  NativeHardwareProfile,
  NativeImage,
  NativeInstance,
  NativeKeyPair,
  NativeLocation,
  NativeSecurityGroup,
  NativeSnapshot,
  NativeVolume,
} from '@skyport/core';
import { SkyportError, type SecurityGroupRule, type Tags, type TaggableKind } from '@skyport/model';
import { SimDiskStore, type StoredDisk } from './disk-store.js';
import { SimCloud } from './sim-cloud.js';
import { SimGateway } from './sim-gateway.js';
import type { SimSettings } from './sim-settings.js';

export const DEFAULT_REGION = 'sim-1';

export class SimCloudDriver implements CloudDriver {
  readonly #gateway: SimGateway;
  readonly #disks: SimDiskStore;
  /** Exports reading each base image's file, so deleting an image never pulls a file from under one. */
  readonly #reading = new Map<string, number>();
  #cloud: SimCloud | undefined;

  constructor(private readonly config: DriverConfig, private readonly settings: SimSettings) {
    this.#gateway = new SimGateway(settings, config.credentials['apiKey']);
    this.#disks = new SimDiskStore(settings.dataDir ?? config.dataDir);
  }

  /** Runs `operation` at the request's time against the (lazily opened) cloud. */
  #call<T>(name: string, operation: (cloud: SimCloud, now: number) => T): Promise<T> {
    return this.#gateway.call(name, () => {
      this.#cloud ??= SimCloud.open(this.settings.dataDir ?? this.config.dataDir, this.config.region ?? DEFAULT_REGION, this.settings, Date.now());
      // Taken once the cloud is open: opening (and upgrading or seeding) a sim.db must not eat
      // into the first request's transition.
      const now = Date.now();
      this.#cloud.housekeeping(now);
      return operation(this.#cloud, now);
    });
  }

  /**
   * The second half of a call that did slow work (copying a disk) after its gateway call: the
   * request already paid its latency and faults, so this touches the database directly.
   */
  #local<T>(operation: (cloud: SimCloud, now: number) => T): T {
    if (this.#gateway.closed || this.#cloud === undefined) {
      throw new SkyportError('ProviderUnavailable', 'the sim driver was closed while a disk was being copied', { providerCode: 'ConnectionClosed' });
    }
    return operation(this.#cloud, Date.now());
  }

  testConnection(): Promise<void> {
    return this.#call('testConnection', () => undefined);
  }

  listLocations(): Promise<NativeLocation[]> {
    return this.#call('listLocations', (c) => c.catalogue.locations());
  }

  listHardwareProfiles(): Promise<NativeHardwareProfile[]> {
    return this.#call('listHardwareProfiles', (c) => c.catalogue.flavors());
  }

  listImages(): Promise<NativeImage[]> {
    return this.#call('listImages', (c, now) => c.catalogue.images(now));
  }

  listInstances(): Promise<NativeInstance[]> {
    return this.#call('listInstances', (c, now) => c.instances.list(now));
  }

  getInstance(nativeId: string): Promise<NativeInstance | undefined> {
    return this.#call('getInstance', (c, now) => c.instances.get(nativeId, now));
  }

  createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    return this.#call('createInstance', (c, now) => c.createInstance(request, now));
  }

  startInstance(nativeId: string): Promise<void> {
    return this.#call('startInstance', (c, now) => c.instanceAction(nativeId, 'start', now));
  }

  stopInstance(nativeId: string, options?: { readonly force?: boolean }): Promise<void> {
    return this.#call('stopInstance', (c, now) => c.instanceAction(nativeId, 'stop', now, { force: options?.force === true }));
  }

  rebootInstance(nativeId: string): Promise<void> {
    return this.#call('rebootInstance', (c, now) => c.instanceAction(nativeId, 'reboot', now));
  }

  destroyInstance(nativeId: string): Promise<void> {
    return this.#call('destroyInstance', (c, now) => c.instanceAction(nativeId, 'destroy', now));
  }

  getConsoleOutput(nativeId: string): Promise<string> {
    return this.#call('getConsoleOutput', (c, now) => c.consoleOutput(nativeId, now));
  }

  listKeyPairs(): Promise<NativeKeyPair[]> {
    return this.#call('listKeyPairs', (c) => c.keyPairs.list());
  }

  createKeyPair(name: string): Promise<CreatedKeyPair> {
    return this.#call('createKeyPair', (c, now) => c.createKeyPair(name, now));
  }

  importKeyPair(name: string, publicKey: string): Promise<NativeKeyPair> {
    return this.#call('importKeyPair', (c, now) => c.keyPairs.import(name, publicKey, now));
  }

  deleteKeyPair(nativeId: string): Promise<void> {
    return this.#call('deleteKeyPair', (c) => c.keyPairs.delete(nativeId));
  }

  listVolumes(): Promise<NativeVolume[]> {
    return this.#call('listVolumes', (c, now) => c.volumes.list(now));
  }

  createVolume(request: DriverCreateVolumeRequest): Promise<NativeVolume> {
    return this.#call('createVolume', (c, now) => c.createVolume(request, now));
  }

  attachVolume(volumeId: string, instanceId: string, device?: string): Promise<void> {
    return this.#call('attachVolume', (c, now) => c.attachVolume(volumeId, instanceId, device, now));
  }

  detachVolume(volumeId: string): Promise<void> {
    return this.#call('detachVolume', (c, now) => c.detachVolume(volumeId, now));
  }

  deleteVolume(volumeId: string): Promise<void> {
    return this.#call('deleteVolume', (c, now) => c.deleteVolume(volumeId, now));
  }

  listSnapshots(): Promise<NativeSnapshot[]> {
    return this.#call('listSnapshots', (c, now) => c.snapshots.list(now));
  }

  createSnapshot(request: DriverCreateSnapshotRequest): Promise<NativeSnapshot> {
    return this.#call('createSnapshot', (c, now) => c.createSnapshot(request, now));
  }

  deleteSnapshot(nativeId: string): Promise<void> {
    return this.#call('deleteSnapshot', (c) => c.snapshots.delete(nativeId));
  }

  listSecurityGroups(): Promise<NativeSecurityGroup[]> {
    return this.#call('listSecurityGroups', (c) => c.securityGroups.list());
  }

  createSecurityGroup(request: DriverCreateSecurityGroupRequest): Promise<NativeSecurityGroup> {
    return this.#call('createSecurityGroup', (c, now) => c.createSecurityGroup(request.name, request.description, request.tags, now));
  }

  deleteSecurityGroup(nativeId: string): Promise<void> {
    return this.#call('deleteSecurityGroup', (c, now) => c.deleteSecurityGroup(nativeId, now));
  }

  authorizeSecurityGroup(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void> {
    return this.#call('authorizeSecurityGroup', (c) => c.changeSecurityGroupRules(nativeId, direction, rules, 'authorize'));
  }

  revokeSecurityGroup(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void> {
    return this.#call('revokeSecurityGroup', (c) => c.changeSecurityGroupRules(nativeId, direction, rules, 'revoke'));
  }

  createImageFromInstance(instanceNativeId: string, name: string, options: { readonly description?: string; readonly tags?: Tags } = {}): Promise<NativeImage> {
    return this.#call('createImageFromInstance', (c, now) => c.createImageFromInstance(instanceNativeId, name, options, now));
  }

  async deleteImage(nativeId: string): Promise<void> {
    const base = await this.#call('deleteImage', (c, now) => c.deleteImage(nativeId, now));
    await this.#removeUnusedDisk(base);
  }

  /** Copies the disk into the sim's data folder; the image is available when this resolves. */
  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    const id = await this.#call('importImage', (c) => c.prepareImport(request.name, request.description, request.architecture));
    const disk = await this.#disks.store(id, {
      path: request.path,
      format: request.format,
      ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    try {
      return this.#local((c, now) =>
        c.registerImported(
          {
            id,
            name: request.name,
            ...(request.description === undefined ? {} : { description: request.description }),
            architecture: request.architecture,
            os: request.os ?? 'linux',
            tags: { ...request.tags },
            disk,
          },
          now,
        ),
      );
    } catch (error) {
      // Another import took the name while this one copied: its file must not stay behind.
      await this.#disks.remove(disk.file);
      throw error;
    }
  }

  /** Hands out the stored file itself (read-only); a catalogue image gets its disk made first. */
  async exportDisk(kind: 'image' | 'instance', nativeId: string): Promise<ExportedDisk> {
    const base = await this.#call('exportDisk', (c, now) => c.exportSource(kind, nativeId, now));
    this.#reading.set(base.imageId, (this.#reading.get(base.imageId) ?? 0) + 1);
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      this.#reading.set(base.imageId, (this.#reading.get(base.imageId) ?? 1) - 1);
      if (this.#reading.get(base.imageId) === 0) this.#reading.delete(base.imageId);
    };
    try {
      let disk: StoredDisk | undefined = base.disk;
      if (disk === undefined) {
        disk = await this.#disks.generate(base.imageId, base.sizeGiB, `SKYPORT SIM DISK ${base.name} (${base.imageId})`);
        const made = disk;
        this.#local((c) => c.setDisk(base.imageId, made));
      }
      return { path: this.#disks.pathOf(disk.file), format: disk.format, virtualSizeBytes: disk.virtualSizeBytes, release };
    } catch (error) {
      await release();
      throw error;
    }
  }

  async #removeUnusedDisk(baseImageId: string): Promise<void> {
    if ((this.#reading.get(baseImageId) ?? 0) > 0) return;
    const file = this.#local((c, now) => c.releaseUnusedDisk(baseImageId, now));
    if (file !== undefined) await this.#disks.remove(file);
  }

  updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void> {
    return this.#call('updateTags', (c, now) => c.updateTags(kind, nativeId, change, now));
  }

  /** Not an API call: no latency or faults. Idempotent. */
  async close(): Promise<void> {
    this.#gateway.close();
    this.#cloud?.close();
    this.#cloud = undefined;
  }
}
