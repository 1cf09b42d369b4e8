/**
 * The CloudDriver over this host's QEMU. The data folder opens on the first call (tools found,
 * folder locked, state loaded, running VMs re-attached, skyport-tiny registered), so a missing
 * QEMU surfaces as a reasoned ProviderUnavailable from every call until it is installed.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type {
  CloudDriver,
  CreatedKeyPair,
  DriverConfig,
  DriverCreateInstanceRequest,
  DriverCreateSnapshotRequest,
  DriverCreateVolumeRequest,
  DriverImportImageRequest,
  ExportedDisk,
  NativeHardwareProfile,
  NativeImage,
  NativeInstance,
  NativeKeyPair,
  NativeLocation,
  NativeSnapshot,
  NativeVolume,
} from '@skyport/core';
import type { TaggableKind, Tags } from '@skyport/model';
import { hostCatalogue, type Catalogue } from './catalogue.js';
import { acquireDataDirLock, lockOwner } from './data-dir-lock.js';
import { DataLayout } from './data-layout.js';
import type { DriverContext } from './driver-context.js';
import { StateFile } from './driver-state.js';
import { invalidArgument, unavailable, unsupported } from './errors.js';
import { findHostTools } from './host-tools.js';
import { GuestImage } from './guest-image.js';
import { ImageService } from './image-service.js';
import { InstanceService } from './instance-service.js';
import { KeyPairService } from './key-pair-service.js';
import { QemuImg } from './qemu-img.js';
import type { QemuSettings } from './qemu-settings.js';
import { SnapshotService } from './snapshot-service.js';
import { applyTagChange } from './tag-rules.js';
import { TaskRunner } from './task-runner.js';
import { VolumeService } from './volume-service.js';

interface Services {
  readonly ctx: DriverContext;
  readonly guest: GuestImage;
  readonly images: ImageService;
  readonly instances: InstanceService;
  readonly volumes: VolumeService;
  readonly snapshots: SnapshotService;
  readonly keyPairs: KeyPairService;
  readonly release: () => Promise<void>;
}

export class QemuCloudDriver implements CloudDriver {
  readonly #layout: DataLayout;
  readonly #catalogue: Catalogue;
  #opening: Promise<Services> | undefined;
  #closed = false;

  constructor(
    private readonly config: DriverConfig,
    private readonly settings: QemuSettings,
  ) {
    this.#layout = new DataLayout(config.dataDir);
    this.#catalogue = hostCatalogue(config.region);
  }

  async testConnection(): Promise<void> {
    await findHostTools(this.settings);
    try {
      await mkdir(this.config.dataDir, { recursive: true });
      await access(this.config.dataDir, constants.W_OK);
    } catch (error) {
      throw unavailable(`the data folder ${this.config.dataDir} is not writable: ${(error as Error).message}`, error);
    }
    if (this.#opening === undefined) {
      const owner = await lockOwner(this.#layout.lockFile);
      if (owner !== undefined) throw unavailable(`the data folder ${this.config.dataDir} is in use by another broker (pid ${owner})`);
    }
  }

  async listLocations(): Promise<NativeLocation[]> {
    await this.#services();
    return this.#catalogue.locations();
  }

  async listHardwareProfiles(): Promise<NativeHardwareProfile[]> {
    await this.#services();
    return this.#catalogue.profiles();
  }

  async listImages(): Promise<NativeImage[]> {
    const s = await this.#services();
    s.guest.retryIfFailed();
    return s.images.list();
  }

  async listInstances(): Promise<NativeInstance[]> {
    return (await this.#services()).instances.list();
  }

  async getInstance(nativeId: string): Promise<NativeInstance | undefined> {
    return (await this.#services()).instances.get(nativeId);
  }

  async createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    return (await this.#services()).instances.create(request);
  }

  async startInstance(nativeId: string): Promise<void> {
    await (await this.#services()).instances.start(nativeId);
  }

  async stopInstance(nativeId: string, options?: { readonly force?: boolean }): Promise<void> {
    await (await this.#services()).instances.stop(nativeId, options?.force === true);
  }

  async rebootInstance(nativeId: string): Promise<void> {
    await (await this.#services()).instances.reboot(nativeId);
  }

  async destroyInstance(nativeId: string): Promise<void> {
    await (await this.#services()).instances.destroy(nativeId);
  }

  async getConsoleOutput(nativeId: string): Promise<string> {
    return (await this.#services()).instances.consoleOutput(nativeId);
  }

  async listKeyPairs(): Promise<NativeKeyPair[]> {
    return (await this.#services()).keyPairs.list();
  }

  async createKeyPair(name: string): Promise<CreatedKeyPair> {
    return (await this.#services()).keyPairs.create(name);
  }

  async importKeyPair(name: string, publicKey: string): Promise<NativeKeyPair> {
    return (await this.#services()).keyPairs.import(name, publicKey);
  }

  async deleteKeyPair(nativeId: string): Promise<void> {
    await (await this.#services()).keyPairs.delete(nativeId);
  }

  async listVolumes(): Promise<NativeVolume[]> {
    return (await this.#services()).volumes.list();
  }

  async createVolume(request: DriverCreateVolumeRequest): Promise<NativeVolume> {
    return (await this.#services()).volumes.create(request);
  }

  async attachVolume(volumeId: string, instanceId: string, device?: string): Promise<void> {
    await (await this.#services()).volumes.attach(volumeId, instanceId, device);
  }

  async detachVolume(volumeId: string): Promise<void> {
    await (await this.#services()).volumes.detach(volumeId);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await (await this.#services()).volumes.delete(volumeId);
  }

  async listSnapshots(): Promise<NativeSnapshot[]> {
    return (await this.#services()).snapshots.list();
  }

  async createSnapshot(request: DriverCreateSnapshotRequest): Promise<NativeSnapshot> {
    return (await this.#services()).snapshots.create(request);
  }

  async deleteSnapshot(nativeId: string): Promise<void> {
    await (await this.#services()).snapshots.delete(nativeId);
  }

  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    return (await this.#services()).images.importImage(request);
  }

  async createImageFromInstance(instanceNativeId: string, name: string, options?: { readonly description?: string; readonly tags?: Tags }): Promise<NativeImage> {
    return (await this.#services()).images.createFromInstance(instanceNativeId, name, options);
  }

  async deleteImage(nativeId: string): Promise<void> {
    await (await this.#services()).images.delete(nativeId);
  }

  async exportDisk(kind: 'image' | 'instance', nativeId: string, options?: { readonly signal?: AbortSignal }): Promise<ExportedDisk> {
    return (await this.#services()).images.exportDisk(kind, nativeId, options?.signal);
  }

  async updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void> {
    const s = await this.#services();
    const target = ((): { tags: Record<string, string> } => {
      switch (kind) {
        case 'instance':
          return s.instances.record(nativeId, 'id');
        case 'volume':
          return s.volumes.record(nativeId, 'id');
        case 'snapshot':
          return s.snapshots.record(nativeId);
        case 'image':
          return s.images.record(nativeId, 'id');
        case 'keyPair':
        case 'securityGroup':
          throw unsupported(`the qemu driver cannot tag ${kind} resources; taggable: instance, volume, snapshot, image`);
        default:
          throw invalidArgument('kind', `${String(kind)} is not a taggable kind; use instance, volume, snapshot or image`);
      }
    })();
    target.tags = applyTagChange(target.tags, change);
    await s.ctx.save();
  }

  /** Lets go of the VMs without stopping them; a later driver on the same folder re-attaches. */
  async close(): Promise<void> {
    this.#closed = true;
    const services = await this.#opening?.catch(() => undefined);
    this.#opening = undefined;
    if (services === undefined) return;
    await services.ctx.tasks.close();
    services.instances.detachAll();
    await services.ctx.save().catch(() => undefined);
    await services.release();
  }

  #services(): Promise<Services> {
    if (this.#closed) return Promise.reject(unavailable(`the qemu driver of provider ${this.config.name} is closed`));
    this.#opening ??= this.#open().catch((error: unknown) => {
      // Not cached: once the cause is fixed (QEMU installed, folder freed) the next call opens.
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  async #open(): Promise<Services> {
    const tools = await findHostTools(this.settings);
    await mkdir(this.config.dataDir, { recursive: true });
    const release = await acquireDataDirLock(this.#layout.lockFile);
    let opened: DriverContext | undefined;
    try {
      const stateFile = new StateFile(this.#layout.stateFile);
      const state = await stateFile.load();
      const ctx: DriverContext = {
        config: this.config,
        settings: this.settings,
        layout: this.#layout,
        state,
        catalogue: this.#catalogue,
        tools,
        qemuImg: new QemuImg(tools.qemuImg),
        tasks: new TaskRunner(),
        vms: new Map(),
        save: () => stateFile.save(state),
      };
      opened = ctx;
      const guest = new GuestImage(ctx);
      const images = new ImageService(ctx);
      const instances = new InstanceService(ctx, images, guest);
      const volumes = new VolumeService(ctx, instances);
      const snapshots = new SnapshotService(ctx, volumes);
      const keyPairs = new KeyPairService(ctx);
      await instances.reattach();
      await volumes.recover();
      await snapshots.recover();
      await images.recoverInterrupted();
      await guest.ensure();
      return { ctx, guest, images, instances, volumes, snapshots, keyPairs, release };
    } catch (error) {
      if (opened !== undefined) {
        await opened.tasks.close();
        for (const vm of opened.vms.values()) vm.detach();
      }
      await release();
      throw error;
    }
  }
}
