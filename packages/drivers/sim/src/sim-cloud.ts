/**
 * The simulated cloud itself: one database, the catalogue and the resource stores, and the
 * rules that span several of them (attach needs an instance, destroy releases volumes, ...).
 * Every method is synchronous and takes the request time, so each API call is one atomic
 * SQLite transaction and the state it sees is consistent.
 */
import type {
  CreatedKeyPair,
  DriverCreateInstanceRequest,
  DriverCreateSnapshotRequest,
  DriverCreateVolumeRequest,
  NativeImage,
  NativeInstance,
  NativeSecurityGroup,
  NativeSnapshot,
  NativeVolume,
} from '@skyport/core';
import type { InstanceAction, SecurityGroupRule, TaggableKind, Tags } from '@skyport/model';
import { consoleOutput } from './console-log.js';
import type { StoredDisk } from './disk-store.js';
import { ImageStore, type DiskBase, type ImportedImage } from './image-store.js';
import { InstanceStore } from './instance-store.js';
import { KeyPairStore } from './key-pair-store.js';
import { updateRowTags, type TaggableSimKind } from './row-tags.js';
import { jitter, seededRandom, type Random } from './seeded-random.js';
import { SecurityGroupStore } from './security-group-store.js';
import { seedInstances } from './seed-instances.js';
import { MAX_VOLUME_GIB } from './sim-capabilities.js';
import { Catalogue, seedCatalogue } from './sim-catalogue.js';
import { openSimDatabase, readMeta, writeMeta, type SimDb } from './sim-database.js';
import { SkyportError } from '@skyport/model';
import { invalidArgument, invalidState, notFound, unsupported } from './sim-errors.js';
import type { SimSettings } from './sim-settings.js';
import { SnapshotStore } from './snapshot-store.js';
import { validateTags, type TagChange } from './tag-rules.js';
import { validateInstanceRequest } from './validate-instance-request.js';
import { checkVolumeRequest, VolumeStore } from './volume-store.js';

/** Transitions vary ±25% so a fleet started together does not settle in lockstep. */
const TRANSITION_JITTER = 0.25;
/** Purging expired rows is cheap but not free; once a second is plenty. */
const PURGE_INTERVAL_MS = 1000;
const ATTACHABLE_STATES = ['running', 'stopped'] as const;

const TAG_KINDS: Readonly<Record<TaggableKind, TaggableSimKind | undefined>> = {
  instance: 'Instance',
  volume: 'Volume',
  snapshot: 'Snapshot',
  image: 'Image',
  keyPair: undefined,
  securityGroup: 'SecurityGroup',
};
const DIRECTIONS = ['ingress', 'egress'] as const;

export class SimCloud {
  readonly catalogue: Catalogue;
  readonly instances: InstanceStore;
  readonly volumes: VolumeStore;
  readonly snapshots: SnapshotStore;
  readonly keyPairs: KeyPairStore;
  readonly securityGroups: SecurityGroupStore;
  readonly images: ImageStore;
  readonly #random: Random = seededRandom();
  #lastPurge = 0;

  private constructor(private readonly db: SimDb, private readonly settings: SimSettings) {
    this.catalogue = new Catalogue(db);
    this.instances = new InstanceStore(db, settings.terminatedRetentionMs);
    this.volumes = new VolumeStore(db);
    this.snapshots = new SnapshotStore(db);
    this.keyPairs = new KeyPairStore(db);
    this.securityGroups = new SecurityGroupStore(db);
    this.images = new ImageStore(db, this.catalogue);
  }

  /** Opens (or creates and seeds) the cloud kept in `dataDir`. */
  static open(dataDir: string, region: string, settings: SimSettings, now: number): SimCloud {
    const db = openSimDatabase(dataDir);
    try {
      const cloud = new SimCloud(db, settings);
      db.transaction(() => {
        if (readMeta(db, 'region') === undefined) {
          seedCatalogue(db, region);
          writeMeta(db, 'region', region);
          writeMeta(db, 'createdAt', new Date(now).toISOString());
        }
        const defaultGroup = cloud.securityGroups.ensureDefault(now);
        // A sim.db from before security groups: its instances were in the (implicit) default group.
        if (defaultGroup.created) db.prepare("UPDATE instances SET security_groups = ? WHERE security_groups = ''").run(defaultGroup.id);
        // Only on first open: reopening with a different count must not grow the fleet.
        if (settings.seedInstances > 0 && readMeta(db, 'seededInstances') === undefined) {
          seedInstances(db, cloud.catalogue, settings.seedInstances, now, settings.transitionMs, defaultGroup.id);
          writeMeta(db, 'seededInstances', String(settings.seedInstances));
        }
      }).immediate();
      return cloud;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  close(): void {
    this.db.close();
  }

  /** Forgets resources past their retention; called at the start of every call. */
  housekeeping(now: number): void {
    if (now - this.#lastPurge < PURGE_INTERVAL_MS) return;
    this.#lastPurge = now;
    this.db.transaction(() => {
      this.instances.purge(now);
      this.volumes.purge(now);
    }).immediate();
  }

  createInstance(request: DriverCreateInstanceRequest, now: number): NativeInstance {
    return this.db.transaction(() => {
      const valid = validateInstanceRequest(
        request,
        this.catalogue,
        { keyPairExists: (name) => this.keyPairs.exists(name), securityGroups: (ids) => this.securityGroups.resolveForInstance(ids, now) },
        now,
      );
      return this.instances.create(valid, now, this.#duration());
    }).immediate();
  }

  instanceAction(id: string, action: InstanceAction, now: number, options: { force?: boolean } = {}): void {
    // A forced stop pulls the plug instead of waiting for the guest to shut down.
    const duration = action === 'stop' && options.force === true ? Math.round(this.#duration() / 4) : this.#duration();
    this.db.transaction(() => {
      const planned = this.instances.act(id, action, now, duration);
      if (action === 'destroy') this.volumes.releaseFrom(id, now, planned.settlesAt);
    }).immediate();
  }

  consoleOutput(id: string, now: number): string {
    const { row, timeline } = this.instances.timeline(id, now);
    const os = this.catalogue.imageOs(row.image_id) ?? 'linux';
    return consoleOutput({ name: row.name, os, cpus: row.cpus, memoryMiB: row.memory_mib, diskGiB: row.disk_gib, timeline }, now);
  }

  createKeyPair(name: string, now: number): CreatedKeyPair {
    return this.keyPairs.create(name, now);
  }

  createVolume(request: DriverCreateVolumeRequest, now: number): NativeVolume {
    const { name, sizeGiB, tags } = checkVolumeRequest(request, MAX_VOLUME_GIB);
    const zone = this.catalogue.zoneFor(request.locationId);
    let snapshotId: string | null = null;
    if (request.snapshotId !== undefined) {
      const snapshot = this.snapshots.get(request.snapshotId, now);
      if (snapshot.state !== 'completed') {
        throw invalidState(`snapshot ${snapshot.nativeId} is ${snapshot.state}; volumes can be created only from completed snapshots`, {
          snapshotId: snapshot.nativeId,
          state: snapshot.state,
          allowedStates: ['completed'],
        });
      }
      if (sizeGiB < snapshot.sizeGiB) throw invalidArgument('sizeGiB', `a volume from snapshot ${snapshot.nativeId} needs at least ${snapshot.sizeGiB} GiB`, { minimum: snapshot.sizeGiB });
      snapshotId = snapshot.nativeId;
    }
    return this.volumes.create({ name, sizeGiB, zone, snapshotId, tags }, now, this.#duration());
  }

  attachVolume(volumeId: string, instanceId: string, device: string | undefined, now: number): void {
    this.db.transaction(() => {
      const volume = this.volumes.get(volumeId, now);
      const instance = this.instances.get(instanceId, now);
      if (instance === undefined) throw notFound('Instance', instanceId, 'instanceId');
      const { state, rawState } = instance;
      if (!(ATTACHABLE_STATES as readonly string[]).includes(state)) {
        throw invalidState(`cannot attach volume ${volumeId} to instance ${instanceId}: it is ${state} (${rawState}); volumes attach only when it is ${ATTACHABLE_STATES.join(', ')}`, {
          instanceId,
          state,
          rawState,
          allowedStates: ATTACHABLE_STATES,
        });
      }
      if (volume.locationId !== instance.locationId) {
        throw invalidArgument('volumeId', `volume ${volumeId} is in ${volume.locationId} but instance ${instanceId} is in ${instance.locationId}; both must be in the same zone`);
      }
      this.volumes.attach(volumeId, instanceId, device, now, this.#duration());
    }).immediate();
  }

  detachVolume(volumeId: string, now: number): void {
    this.volumes.detach(volumeId, now, this.#duration());
  }

  deleteVolume(volumeId: string, now: number): void {
    this.volumes.delete(volumeId, now, this.#duration());
  }

  createSnapshot(request: DriverCreateSnapshotRequest, now: number): NativeSnapshot {
    const volume = this.volumes.get(request.volumeId, now);
    if (volume.state !== 'available' && volume.state !== 'in-use') {
      throw invalidState(`cannot snapshot volume ${volume.nativeId}: it is ${volume.state}; snapshots are taken when it is available or in-use`, {
        volumeId: volume.nativeId,
        state: volume.state,
        allowedStates: ['available', 'in-use'],
      });
    }
    // Copying data takes longer than flipping a state.
    return this.snapshots.create(request.name, volume.nativeId, volume.sizeGiB, validateTags(request.tags), now, this.#duration() * 2);
  }

  createSecurityGroup(name: string, description: string, tags: Tags | undefined, now: number): NativeSecurityGroup {
    return this.securityGroups.create(name, description, validateTags(tags), now);
  }

  /** Refused while an instance that is not terminated is in the group, as EC2 does. */
  deleteSecurityGroup(id: string, now: number): void {
    this.db.transaction(() => {
      this.securityGroups.requireDeletable(id);
      const users = this.instances.usingSecurityGroup(id, now);
      if (users.length > 0) {
        const named = users.slice(0, 3).map((i) => `${i.nativeId} (${i.name}, ${i.rawState})`).join(', ');
        throw new SkyportError('InvalidState', `security group ${id} is in use by instance ${named}${users.length > 3 ? ` and ${users.length - 3} more` : ''}; it can be deleted once they are terminated`, {
          providerCode: 'DependencyViolation',
          details: { id, instanceIds: users.map((i) => i.nativeId) },
        });
      }
      this.securityGroups.delete(id);
    }).immediate();
  }

  changeSecurityGroupRules(id: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[], verb: 'authorize' | 'revoke'): void {
    if (!(DIRECTIONS as readonly string[]).includes(direction)) {
      throw invalidArgument('direction', `direction ${JSON.stringify(direction)} is not one of ${DIRECTIONS.join(', ')}`);
    }
    this.db.transaction(() => (verb === 'authorize' ? this.securityGroups.authorize(id, direction, rules) : this.securityGroups.revoke(id, direction, rules))).immediate();
  }

  /** Copies a stopped instance's root disk into a new private image (`pending`, then `available`). */
  createImageFromInstance(instanceId: string, name: string, options: { readonly description?: string; readonly tags?: Tags }, now: number): NativeImage {
    return this.db.transaction(() => {
      const row = this.instances.require(instanceId, now);
      const instance = this.instances.get(instanceId, now);
      if (instance?.state !== 'stopped') {
        throw invalidState(`cannot create an image from instance ${instanceId}: it is ${instance?.state ?? 'gone'} (${instance?.rawState ?? '-'}); stop it first`, {
          instanceId,
          state: instance?.state,
          allowedStates: ['stopped'],
        });
      }
      const architecture = this.catalogue.flavor(row.flavor_id).architecture;
      return this.images.create(
        {
          name,
          ...(options.description === undefined ? {} : { description: options.description }),
          architecture,
          os: this.catalogue.imageOs(row.image_id) ?? 'linux',
          sizeGiB: row.disk_gib,
          sourceInstanceId: instanceId,
          tags: validateTags(options.tags),
          diskImageId: this.images.baseOf(row.image_id).imageId,
        },
        now,
        // Copying a disk takes longer than flipping a state.
        this.#duration() * 2,
      );
    }).immediate();
  }

  /** Deregisters an image; returns its disk base, whose file may now be unused. */
  deleteImage(id: string, now: number): string {
    return this.db.transaction(() => {
      const base = this.images.baseOf(id).imageId;
      this.images.deregister(id, now);
      return base;
    }).immediate();
  }

  /** Checks an import before its disk is copied; returns the id the image will have. */
  prepareImport(name: string, description: string | undefined, architecture: unknown): string {
    this.images.checkNew(name, description);
    if (architecture !== 'x86_64' && architecture !== 'aarch64') {
      throw invalidArgument('architecture', `architecture ${JSON.stringify(architecture)} must be x86_64 or aarch64`);
    }
    return ImageStore.newId();
  }

  registerImported(image: ImportedImage, now: number): NativeImage {
    return this.db.transaction(() => this.images.registerImported({ ...image, tags: validateTags(image.tags) }, now)).immediate();
  }

  /**
   * The disk an export reads: an available image's, or a stopped instance's (the disk of the
   * image it was made from: nothing in the sim writes to disks).
   */
  exportSource(kind: 'image' | 'instance', id: string, now: number): DiskBase {
    if (kind === 'image') {
      const image = this.catalogue.image(id, now);
      if (image.state !== 'available') {
        throw invalidState(`image ${id} is ${image.state}; only available images can be exported`, { imageId: id, state: image.state, allowedStates: ['available'] });
      }
      return this.images.baseOf(id);
    }
    if (kind !== 'instance') throw invalidArgument('kind', `kind ${JSON.stringify(kind)} must be image or instance`);
    const row = this.instances.require(id, now);
    const instance = this.instances.get(id, now);
    if (instance?.state !== 'stopped') {
      throw invalidState(`cannot export the disk of instance ${id}: it is ${instance?.state ?? 'gone'} (${instance?.rawState ?? '-'}); stop it first`, {
        instanceId: id,
        state: instance?.state,
        allowedStates: ['stopped'],
      });
    }
    return this.images.baseOf(row.image_id);
  }

  setDisk(imageId: string, disk: StoredDisk): void {
    this.images.setDisk(imageId, disk);
  }

  releaseUnusedDisk(imageId: string, now: number): string | undefined {
    return this.db.transaction(() => this.images.releaseUnusedDisk(imageId, now)).immediate();
  }

  updateTags(kind: TaggableKind, id: string, change: TagChange, now: number): void {
    if (!Object.hasOwn(TAG_KINDS, kind)) throw invalidArgument('kind', `${String(kind)} is not a taggable kind; use one of ${Object.keys(TAG_KINDS).join(', ')}`);
    const simKind = TAG_KINDS[kind];
    if (simKind === undefined) throw unsupported(`the sim cannot tag ${kind} resources; taggable: instance, volume, snapshot, image, securityGroup`);
    this.db.transaction(() => updateRowTags(this.db, simKind, id, change, now)).immediate();
  }

  #duration(): number {
    return jitter(this.#random, this.settings.transitionMs, TRANSITION_JITTER);
  }
}
