/**
 * KVM hosts through `virsh`: instances are domains (XML generated from the model) booting a
 * qcow2 overlay on an image volume, with a NoCloud seed and the serial console in a log file,
 * all in one storage pool the driver manages. Power: virsh start / shutdown (ACPI, then destroy
 * after `stopTimeoutMs`) / destroy / reboot.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convertImage, imageInfo } from '@skyport/disk';
import {
  SkyportError,
  describeDimension,
  dimensionAllows,
  type InstanceState,
  type TaggableKind,
  type Tags,
} from '@skyport/model';
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
import { LIBVIRT_CAPABILITIES, MAX_TAGS, MAX_VOLUME_GIB } from './libvirt-capabilities.js';
import { HOST_LOCATION, LIBVIRT_PROFILES, hostLocation } from './libvirt-catalogue.js';
import type { LibvirtSettings } from './libvirt-settings.js';
import { LibvirtStore, newId, type ImageRecord, type InstanceRecord, type LibvirtState } from './libvirt-store.js';
import { domainDisks, domainXml } from './domain-xml.js';
import { parsePublicKey } from '@skyport/ssh-keys';
import { makeSeedIso } from './seed-iso.js';
import { StoragePool } from './storage-pool.js';
import { Virsh } from './virsh.js';

const GIB = 1024 ** 3;
const CONSOLE_TAIL_BYTES = 64 * 1024;

function notFound(kind: string, id: string, providerCode: string): SkyportError {
  return new SkyportError('NotFound', `${kind} ${id} does not exist on this libvirt host`, { providerCode, details: { id } });
}

function invalid(field: string, message: string): SkyportError {
  return new SkyportError('InvalidArgument', `${field}: ${message}`, { details: { field } });
}

/** `virsh list --all` state words -> ours. */
function normalize(raw: string, record: InstanceRecord): InstanceState {
  switch (raw) {
    case 'running':
    case 'idle':
    case 'blocked':
      return record.stopRequestedAt === undefined ? 'running' : 'stopping';
    case 'in shutdown':
      return 'stopping';
    case 'shut off':
    case 'pmsuspended':
      return 'stopped';
    case 'crashed':
      return 'error';
    case 'paused':
    default:
      return 'unknown';
  }
}

export class LibvirtCloudDriver implements CloudDriver {
  readonly #virsh: Virsh;
  readonly #pool: StoragePool;
  readonly #store: LibvirtStore;
  readonly #settings: LibvirtSettings;
  readonly #dataDir: string;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(config: DriverConfig, uri: string, settings: LibvirtSettings) {
    this.#settings = settings;
    this.#dataDir = config.dataDir;
    this.#virsh = new Virsh({ binary: settings.virsh, uri, timeoutMs: settings.commandTimeoutMs });
    this.#pool = new StoragePool(this.#virsh, settings.pool, settings.poolPath ?? join(config.dataDir, 'pool'), join(config.dataDir, 'work'));
    this.#store = new LibvirtStore(config.dataDir);
  }

  async #work(): Promise<string> {
    const dir = join(this.#dataDir, 'work');
    await mkdir(dir, { recursive: true });
    return mkdtemp(join(dir, 'job-'));
  }

  async testConnection(): Promise<void> {
    await this.#virsh.run(['version'], 'connecting to libvirt');
    await this.#pool.ready();
  }

  async listLocations(): Promise<NativeLocation[]> {
    return [hostLocation(this.#virsh.uri)];
  }

  async listHardwareProfiles(): Promise<NativeHardwareProfile[]> {
    return [...LIBVIRT_PROFILES];
  }

  // ---- images ----

  #imageView(image: ImageRecord): NativeImage {
    return {
      nativeId: image.id,
      name: image.name,
      ...(image.description === undefined ? {} : { description: image.description }),
      architecture: image.architecture,
      ...(image.os === undefined ? {} : { os: image.os }),
      state: 'available',
      sizeGiB: Math.max(1, Math.ceil(image.virtualSizeBytes / GIB)),
      public: false,
      tags: image.tags,
      createdAt: image.createdAt,
    };
  }

  async listImages(): Promise<NativeImage[]> {
    return (await this.#store.state()).images.filter((i) => i.deletedAt === undefined).map((i) => this.#imageView(i));
  }

  async #image(id: string): Promise<ImageRecord> {
    const image = (await this.#store.state()).images.find((i) => i.id === id && i.deletedAt === undefined);
    if (image === undefined) throw notFound('image', id, 'VIR_ERR_NO_STORAGE_VOL');
    return image;
  }

  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    const state = await this.#store.state();
    if (request.name.trim() === '') throw invalid('name', 'an image needs a name');
    if (state.images.some((i) => i.name === request.name && i.deletedAt === undefined)) {
      throw new SkyportError('AlreadyExists', `an image named ${request.name} already exists on this host; choose another name`, { details: { field: 'name' } });
    }
    // Format by magic, no backing file, no extents outside: refused before anything is copied.
    const info = await imageInfo(request.path, request.format);
    const total = info.virtualSizeBytes;
    const work = await this.#work();
    const id = newId('img');
    const volume = `${id}.qcow2`;
    try {
      let qcow2 = request.path;
      if (request.format !== 'qcow2') {
        qcow2 = join(work, 'disk.qcow2');
        await convertImage({
          source: request.path,
          sourceFormat: request.format,
          target: qcow2,
          targetFormat: 'qcow2',
          onProgress: (percent) => request.onProgress?.(Math.round((total * percent * 0.8) / 100), total),
          ...(request.signal === undefined ? {} : { signal: request.signal }),
        });
      }
      request.onProgress?.(Math.round(total * 0.8), total);
      await this.#pool.upload(qcow2, volume);
      const record: ImageRecord = {
        id,
        name: request.name,
        ...(request.description === undefined ? {} : { description: request.description }),
        ...(request.os === undefined ? {} : { os: request.os }),
        architecture: request.architecture,
        volume,
        virtualSizeBytes: total,
        tags: { ...request.tags },
        createdAt: new Date().toISOString(),
      };
      state.images.push(record);
      await this.#store.save();
      request.onProgress?.(total, total);
      return this.#imageView(record);
    } catch (error) {
      await this.#pool.delete(volume).catch(() => undefined);
      throw error;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async createImageFromInstance(instanceNativeId: string, name: string, options: { readonly description?: string; readonly tags?: Tags } = {}): Promise<NativeImage> {
    const state = await this.#store.state();
    const instance = await this.#liveInstance(instanceNativeId);
    const current = await this.#rawState(instance);
    if (normalize(current, instance) !== 'stopped') {
      throw new SkyportError('InvalidState', `instance ${instance.id} is ${normalize(current, instance)}; an image is made from a stopped instance`, { details: { current: normalize(current, instance), required: ['stopped'] } });
    }
    if (state.images.some((i) => i.name === name && i.deletedAt === undefined)) throw new SkyportError('AlreadyExists', `an image named ${name} already exists on this host`, { details: { field: 'name' } });
    const id = newId('img');
    const volume = `${id}.qcow2`;
    const capacity = await this.#pool.capacity(instance.rootVolume);
    await this.#pool.flatten(instance.rootVolume, volume, capacity);
    const base = state.images.find((i) => i.id === instance.imageId);
    const record: ImageRecord = {
      id,
      name,
      description: options.description ?? `made from instance ${instance.name} (${instance.id})`,
      ...(base?.os === undefined ? {} : { os: base.os }),
      architecture: base?.architecture ?? 'x86_64',
      volume,
      virtualSizeBytes: capacity,
      tags: { ...options.tags },
      createdAt: new Date().toISOString(),
    };
    state.images.push(record);
    await this.#store.save();
    return this.#imageView(record);
  }

  async deleteImage(nativeId: string): Promise<void> {
    const state = await this.#store.state();
    const image = await this.#image(nativeId);
    // Overlays of live instances read from it: keep the volume until they are gone.
    const inUse = state.instances.some((i) => i.imageId === image.id && i.terminatedAt === undefined);
    if (inUse) image.deletedAt = new Date().toISOString();
    else {
      await this.#pool.delete(image.volume);
      state.images = state.images.filter((i) => i.id !== image.id);
    }
    await this.#store.save();
  }

  async exportDisk(kind: 'image' | 'instance', nativeId: string): Promise<ExportedDisk> {
    const work = await this.#work();
    const release = async (): Promise<void> => rm(work, { recursive: true, force: true });
    try {
      const local = join(work, 'disk.qcow2');
      if (kind === 'image') {
        const image = await this.#image(nativeId);
        await this.#pool.download(image.volume, local);
        return { path: local, format: 'qcow2', virtualSizeBytes: image.virtualSizeBytes, release };
      }
      const instance = await this.#liveInstance(nativeId);
      const now = normalize(await this.#rawState(instance), instance);
      if (now !== 'stopped') throw new SkyportError('InvalidState', `instance ${instance.id} is ${now}; its disk is handed out only when it is stopped`, { details: { current: now, required: ['stopped'] } });
      const capacity = await this.#pool.capacity(instance.rootVolume);
      const flat = `export-${newId('disk')}.qcow2`;
      await this.#pool.flatten(instance.rootVolume, flat, capacity);
      try {
        await this.#pool.download(flat, local);
      } finally {
        await this.#pool.delete(flat);
      }
      return { path: local, format: 'qcow2', virtualSizeBytes: capacity, release };
    } catch (error) {
      await release();
      throw error;
    }
  }

  // ---- instances ----

  /** Raw states of all domains, by name, in one virsh call. */
  async #domainStates(): Promise<Map<string, string>> {
    const out = await this.#virsh.run(['list', '--all'], 'listing domains');
    const states = new Map<string, string>();
    for (const line of out.split('\n')) {
      const match = /^\s*(\S+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
      if (match) states.set(match[2]!, match[3]!);
    }
    return states;
  }

  async #rawState(instance: InstanceRecord): Promise<string> {
    return (await this.#domainStates()).get(instance.id) ?? 'undefined';
  }

  #view(instance: InstanceRecord, raw: string): NativeInstance {
    const state: InstanceState = instance.terminatedAt !== undefined ? 'terminated' : raw === 'undefined' ? 'error' : normalize(raw, instance);
    return {
      nativeId: instance.id,
      name: instance.name,
      state,
      rawState: instance.terminatedAt !== undefined ? 'undefined' : raw,
      ...(state === 'error' && raw === 'undefined' ? { stateReason: 'the domain is no longer defined on the host' } : {}),
      imageId: instance.imageId,
      hardwareProfileId: instance.hardwareProfileId,
      cpus: instance.cpus,
      memoryMiB: instance.memoryMiB,
      diskGiB: instance.diskGiB,
      locationId: HOST_LOCATION,
      ...(instance.keyName === undefined ? {} : { keyName: instance.keyName }),
      // QEMU user-mode networking gives every guest the same private address.
      addresses: state === 'running' && this.#settings.network === 'user' ? [{ kind: 'private', address: '10.0.2.15' }] : [],
      tags: instance.tags,
      createdAt: instance.createdAt,
    };
  }

  /** Forgets terminated instances past their retention. */
  async #prune(state: LibvirtState): Promise<void> {
    const cutoff = Date.now() - this.#settings.terminatedRetentionMs;
    const keep = state.instances.filter((i) => i.terminatedAt === undefined || Date.parse(i.terminatedAt) > cutoff);
    if (keep.length !== state.instances.length) {
      state.instances = keep;
      await this.#store.save();
    }
  }

  async listInstances(): Promise<NativeInstance[]> {
    const state = await this.#store.state();
    await this.#prune(state);
    const raw = await this.#domainStates();
    return state.instances.map((i) => this.#view(i, raw.get(i.id) ?? 'undefined'));
  }

  async getInstance(nativeId: string): Promise<NativeInstance | undefined> {
    const state = await this.#store.state();
    await this.#prune(state);
    const instance = state.instances.find((i) => i.id === nativeId);
    if (instance === undefined) return undefined;
    return this.#view(instance, instance.terminatedAt === undefined ? await this.#rawState(instance) : 'undefined');
  }

  async #liveInstance(id: string): Promise<InstanceRecord> {
    const instance = (await this.#store.state()).instances.find((i) => i.id === id && i.terminatedAt === undefined);
    if (instance === undefined) throw notFound('instance', id, 'VIR_ERR_NO_DOMAIN');
    return instance;
  }

  async createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    const state = await this.#store.state();
    if (request.name.trim() === '') throw invalid('name', 'an instance needs a name');
    if (request.securityGroupIds !== undefined && request.securityGroupIds.length > 0) {
      throw new SkyportError('Unsupported', 'libvirt hosts have no security groups; leave securityGroupIds out', { details: { field: 'securityGroupIds' } });
    }
    const image = state.images.find((i) => i.id === request.imageId && i.deletedAt === undefined);
    if (image === undefined) throw notFound('image', request.imageId, 'VIR_ERR_NO_STORAGE_VOL');
    const profile = LIBVIRT_PROFILES.find((p) => p.nativeId === request.hardwareProfileId);
    if (profile === undefined) throw new SkyportError('NotFound', `hardware profile ${request.hardwareProfileId} does not exist; use one of ${LIBVIRT_PROFILES.map((p) => p.nativeId).join(', ')}`, { details: { field: 'hardwareProfileId' } });
    if (request.locationId !== undefined && request.locationId !== HOST_LOCATION) throw new SkyportError('NotFound', `location ${request.locationId} does not exist; this provider has one location, ${HOST_LOCATION}`, { details: { field: 'locationId' } });
    for (const [field, dimension, value] of [['cpus', profile.cpus, request.cpus], ['memoryMiB', profile.memoryMiB, request.memoryMiB], ['diskGiB', profile.diskGiB, request.diskGiB]] as const) {
      if (!dimensionAllows(dimension, value)) throw invalid(field, `${value} is outside profile ${profile.nativeId}'s ${describeDimension(dimension)}`);
    }
    const key = request.keyName === undefined ? undefined : state.keyPairs.find((k) => k.name === request.keyName);
    if (request.keyName !== undefined && key === undefined) throw new SkyportError('NotFound', `key pair ${request.keyName} does not exist; import or create it first`, { details: { field: 'keyName' } });

    const id = newId('skyport');
    const record: InstanceRecord = {
      id,
      name: request.name,
      imageId: image.id,
      hardwareProfileId: profile.nativeId,
      cpus: request.cpus,
      memoryMiB: request.memoryMiB,
      diskGiB: request.diskGiB,
      ...(request.keyName === undefined ? {} : { keyName: request.keyName }),
      tags: { ...request.tags },
      createdAt: new Date().toISOString(),
      rootVolume: `${id}-root.qcow2`,
      seedVolume: `${id}-seed.iso`,
      consoleVolume: `${id}-console.log`,
    };
    const work = await this.#work();
    try {
      await this.#pool.createOverlay(record.rootVolume, image.volume, Math.max(request.diskGiB * GIB, image.virtualSizeBytes));
      const seed = await makeSeedIso(work, {
        instanceId: id,
        hostname: request.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 63) || id,
        publicKeys: key === undefined ? [] : [key.publicKey],
        ...(request.userData === undefined ? {} : { userData: request.userData }),
      });
      await this.#pool.upload(seed, record.seedVolume!);
      const xmlFile = join(work, 'domain.xml');
      await writeFile(
        xmlFile,
        domainXml({
          name: id,
          title: request.name,
          type: this.#settings.domainType,
          cpus: request.cpus,
          memoryMiB: request.memoryMiB,
          rootDisk: await this.#pool.path(record.rootVolume),
          seedDisk: await this.#pool.path(record.seedVolume!),
          consoleLog: await this.#pool.path(record.consoleVolume),
          network: this.#settings.network,
        }),
      );
      await this.#virsh.run(['define', xmlFile], `defining domain ${id}`);
      state.instances.push(record);
      await this.#store.save();
      await this.#virsh.run(['start', id], `starting domain ${id}`);
    } catch (error) {
      await this.#virsh.run(['undefine', id], 'cleaning up').catch(() => undefined);
      for (const v of [record.rootVolume, record.seedVolume!]) await this.#pool.delete(v).catch(() => undefined);
      state.instances = state.instances.filter((i) => i.id !== id);
      await this.#store.save();
      throw error;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    // The domain runs; the guest is only starting to boot.
    return { ...this.#view(record, 'running'), state: 'pending', rawState: 'starting' };
  }

  async #requireState(instance: InstanceRecord, allowed: readonly InstanceState[], action: string): Promise<InstanceState> {
    const now = normalize(await this.#rawState(instance), instance);
    if (!allowed.includes(now)) {
      throw new SkyportError('InvalidState', `instance ${instance.id} is ${now}; ${action} needs ${allowed.join(' or ')}`, { details: { current: now, required: allowed } });
    }
    return now;
  }

  async startInstance(nativeId: string): Promise<void> {
    const instance = await this.#liveInstance(nativeId);
    await this.#requireState(instance, ['stopped'], 'start');
    delete instance.stopRequestedAt;
    await this.#store.save();
    await this.#virsh.run(['start', instance.id], `starting instance ${instance.id}`);
  }

  async stopInstance(nativeId: string, options: { readonly force?: boolean } = {}): Promise<void> {
    const instance = await this.#liveInstance(nativeId);
    await this.#requireState(instance, options.force === true ? ['running', 'stopping', 'rebooting'] : ['running'], 'stop');
    if (options.force === true) {
      await this.#virsh.run(['destroy', instance.id], `stopping instance ${instance.id}`);
      delete instance.stopRequestedAt;
      await this.#store.save();
      return;
    }
    instance.stopRequestedAt = new Date().toISOString();
    await this.#store.save();
    await this.#virsh.run(['shutdown', instance.id, '--mode', 'acpi'], `stopping instance ${instance.id}`);
    this.#afterStopTimeout(instance);
  }

  /** A guest that ignores the ACPI power button (or is still booting) is stopped hard. */
  #afterStopTimeout(instance: InstanceRecord): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void (async () => {
        if (instance.stopRequestedAt === undefined) return;
        const raw = await this.#rawState(instance);
        if (raw === 'running' || raw === 'in shutdown') await this.#virsh.run(['destroy', instance.id], `stopping instance ${instance.id} hard`);
        delete instance.stopRequestedAt;
        await this.#store.save();
      })().catch(() => undefined);
    }, this.#settings.stopTimeoutMs);
    this.#timers.add(timer);
    // Clears the marker as soon as the guest is off, so a start right after is not confused.
    const watch = setInterval(() => {
      void this.#rawState(instance)
        .then(async (raw) => {
          if (raw === 'shut off' || instance.stopRequestedAt === undefined) {
            clearInterval(watch);
            this.#timers.delete(watch);
            clearTimeout(timer);
            this.#timers.delete(timer);
            if (instance.stopRequestedAt !== undefined) {
              delete instance.stopRequestedAt;
              await this.#store.save();
            }
          }
        })
        .catch(() => undefined);
    }, 250);
    this.#timers.add(watch);
  }

  async rebootInstance(nativeId: string): Promise<void> {
    const instance = await this.#liveInstance(nativeId);
    await this.#requireState(instance, ['running'], 'reboot');
    await this.#virsh.run(['reboot', instance.id], `rebooting instance ${instance.id}`);
  }

  async destroyInstance(nativeId: string): Promise<void> {
    const state = await this.#store.state();
    const instance = await this.#liveInstance(nativeId);
    const raw = await this.#rawState(instance);
    if (raw !== 'shut off' && raw !== 'undefined') {
      await this.#virsh.run(['destroy', instance.id], `destroying instance ${instance.id}`).catch((error: unknown) => {
        if (!(error instanceof SkyportError && error.code === 'InvalidState')) throw error;
      });
    }
    // Volumes attached to it are detached, not deleted (as on any cloud).
    for (const volume of state.volumes) if (volume.attachment?.instanceId === instance.id) delete volume.attachment;
    await this.#virsh.run(['undefine', instance.id], `undefining instance ${instance.id}`).catch((error: unknown) => {
      if (!(error instanceof SkyportError && error.code === 'NotFound')) throw error;
    });
    for (const v of [instance.rootVolume, instance.seedVolume, instance.consoleVolume]) if (v !== undefined) await this.#pool.delete(v);
    instance.terminatedAt = new Date().toISOString();
    delete instance.stopRequestedAt;
    // The last overlay on a deregistered image is gone: so goes the image's volume.
    const image = state.images.find((i) => i.id === instance.imageId);
    if (image?.deletedAt !== undefined && !state.instances.some((i) => i.imageId === image.id && i.terminatedAt === undefined)) {
      await this.#pool.delete(image.volume);
      state.images = state.images.filter((i) => i.id !== image.id);
    }
    await this.#store.save();
  }

  async getConsoleOutput(nativeId: string): Promise<string> {
    const instance = await this.#liveInstance(nativeId);
    // QEMU writes the log itself; the pool learns of the file at a refresh.
    await this.#pool.refresh();
    if (!(await this.#pool.exists(instance.consoleVolume))) return '';
    const work = await this.#work();
    try {
      const local = join(work, 'console.log');
      await this.#pool.download(instance.consoleVolume, local);
      const text = await readFile(local);
      return text.subarray(Math.max(0, text.length - CONSOLE_TAIL_BYTES)).toString('utf8');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  // ---- key pairs ----

  #keyView(k: LibvirtState['keyPairs'][number]): NativeKeyPair {
    return { nativeId: k.id, name: k.name, fingerprint: k.fingerprint, publicKey: k.publicKey, tags: {}, createdAt: k.createdAt };
  }

  async listKeyPairs(): Promise<NativeKeyPair[]> {
    return (await this.#store.state()).keyPairs.map((k) => this.#keyView(k));
  }

  async #addKey(name: string, publicKey: string): Promise<NativeKeyPair> {
    const state = await this.#store.state();
    if (name.trim() === '' || name.length > 255) throw invalid('name', 'a key pair needs a name of 1 to 255 characters');
    if (state.keyPairs.some((k) => k.name === name)) throw new SkyportError('AlreadyExists', `a key pair named ${name} already exists; choose another name or delete it`, { details: { field: 'name' } });
    const { line, fingerprint } = parsePublicKey(publicKey);
    const record = { id: newId('key'), name, fingerprint, publicKey: line, createdAt: new Date().toISOString() };
    state.keyPairs.push(record);
    await this.#store.save();
    return this.#keyView(record);
  }

  async createKeyPair(name: string): Promise<CreatedKeyPair> {
    if (name.trim() === '') throw invalid('name', 'a key pair needs a name');
    const work = await this.#work();
    try {
      const file = join(work, 'key');
      await new Promise<void>((resolve, reject) =>
        execFile('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file], (error) =>
          error === null
            ? resolve()
            : reject(new SkyportError('Internal', (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'ssh-keygen is not installed; install it with: apt-get install -y openssh-client' : `ssh-keygen failed: ${error.message}`)),
        ),
      );
      const keyPair = await this.#addKey(name, await readFile(`${file}.pub`, 'utf8'));
      return { keyPair, privateKey: await readFile(file, 'utf8') };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  importKeyPair(name: string, publicKey: string): Promise<NativeKeyPair> {
    return this.#addKey(name, publicKey);
  }

  async deleteKeyPair(nativeId: string): Promise<void> {
    const state = await this.#store.state();
    if (!state.keyPairs.some((k) => k.id === nativeId)) throw notFound('key pair', nativeId, 'KeyPairNotFound');
    state.keyPairs = state.keyPairs.filter((k) => k.id !== nativeId);
    await this.#store.save();
  }

  // ---- volumes and snapshots ----

  async #volumeView(v: LibvirtState['volumes'][number], live?: Map<string, Set<string>>): Promise<NativeVolume> {
    let state: NativeVolume['state'] = v.attachment === undefined ? 'available' : 'in-use';
    // A live detach waits for the guest to let go of the disk.
    if (v.attachment === undefined && live?.get(v.volume) !== undefined) state = 'detaching';
    return {
      nativeId: v.id,
      name: v.name,
      sizeGiB: v.sizeGiB,
      state,
      locationId: HOST_LOCATION,
      ...(v.snapshotId === undefined ? {} : { snapshotId: v.snapshotId }),
      ...(v.attachment === undefined ? {} : { attachment: { ...v.attachment } }),
      tags: v.tags,
      createdAt: v.createdAt,
    };
  }

  /** Volume file name -> domains whose live XML still has it. */
  async #liveAttachments(): Promise<Map<string, Set<string>>> {
    const state = await this.#store.state();
    const raw = await this.#domainStates();
    const result = new Map<string, Set<string>>();
    for (const instance of state.instances) {
      if (instance.terminatedAt !== undefined || raw.get(instance.id) !== 'running') continue;
      if (!state.volumes.some((v) => v.attachment?.instanceId === instance.id) && !state.volumes.some((v) => v.attachment === undefined)) continue;
      const xml = await this.#virsh.run(['dumpxml', instance.id], `reading domain ${instance.id}`).catch(() => '');
      for (const disk of domainDisks(xml)) {
        const name = disk.source.split('/').pop() ?? '';
        result.set(name, (result.get(name) ?? new Set()).add(instance.id));
      }
    }
    return result;
  }

  async listVolumes(): Promise<NativeVolume[]> {
    const state = await this.#store.state();
    const live = state.volumes.length === 0 ? new Map<string, Set<string>>() : await this.#liveAttachments();
    return Promise.all(state.volumes.map((v) => this.#volumeView(v, live)));
  }

  async #volume(id: string): Promise<LibvirtState['volumes'][number]> {
    const volume = (await this.#store.state()).volumes.find((v) => v.id === id);
    if (volume === undefined) throw notFound('volume', id, 'VIR_ERR_NO_STORAGE_VOL');
    return volume;
  }

  async createVolume(request: DriverCreateVolumeRequest): Promise<NativeVolume> {
    const state = await this.#store.state();
    if (!Number.isInteger(request.sizeGiB) || request.sizeGiB < 1 || request.sizeGiB > MAX_VOLUME_GIB) throw invalid('sizeGiB', `must be a whole number from 1 to ${MAX_VOLUME_GIB}, not ${request.sizeGiB}`);
    if (request.locationId !== undefined && request.locationId !== HOST_LOCATION) throw new SkyportError('NotFound', `location ${request.locationId} does not exist; use ${HOST_LOCATION}`, { details: { field: 'locationId' } });
    const snapshot = request.snapshotId === undefined ? undefined : state.snapshots.find((s) => s.id === request.snapshotId);
    if (request.snapshotId !== undefined && snapshot === undefined) throw notFound('snapshot', request.snapshotId, 'VIR_ERR_NO_STORAGE_VOL');
    if (snapshot !== undefined && request.sizeGiB < snapshot.sizeGiB) throw invalid('sizeGiB', `must be at least the snapshot's ${snapshot.sizeGiB} GiB`);
    const id = newId('vol');
    const file = `${id}.qcow2`;
    if (snapshot === undefined) await this.#pool.createEmpty(file, request.sizeGiB * GIB);
    else {
      await this.#pool.clone(snapshot.volume, file);
      if (request.sizeGiB > snapshot.sizeGiB) await this.#pool.resize(file, request.sizeGiB * GIB);
    }
    const record = {
      id,
      name: request.name,
      sizeGiB: request.sizeGiB,
      volume: file,
      ...(snapshot === undefined ? {} : { snapshotId: snapshot.id }),
      tags: { ...request.tags },
      createdAt: new Date().toISOString(),
    };
    state.volumes.push(record);
    await this.#store.save();
    return this.#volumeView(record);
  }

  async attachVolume(volumeId: string, instanceId: string, device?: string): Promise<void> {
    const volume = await this.#volume(volumeId);
    const instance = await this.#liveInstance(instanceId);
    if (volume.attachment !== undefined) throw new SkyportError('InvalidState', `volume ${volume.id} is attached to ${volume.attachment.instanceId}; detach it first`, { details: { current: 'in-use', required: ['available'] } });
    const live = await this.#liveAttachments();
    if (live.get(volume.volume) !== undefined) throw new SkyportError('InvalidState', `volume ${volume.id} is still being detached; try again in a moment`, { details: { current: 'detaching', required: ['available'] } });
    const raw = await this.#rawState(instance);
    const xml = await this.#virsh.run(['dumpxml', instance.id], `reading domain ${instance.id}`);
    const taken = new Set(domainDisks(xml).map((d) => d.target));
    const wanted = device?.replace(/^\/dev\//, '');
    if (wanted !== undefined && !/^vd[b-y]$/.test(wanted)) throw invalid('device', `${device} is not a virtio disk name; use vdb to vdy`);
    const target = wanted ?? 'bcdefghijklmnopqrstuvwxy'.split('').map((c) => `vd${c}`).find((d) => !taken.has(d));
    if (target === undefined || taken.has(target)) throw new SkyportError('InvalidState', `instance ${instance.id} has no free disk slot${wanted === undefined ? '' : ` ${wanted}`}`);
    const mode = raw === 'running' ? '--persistent' : '--config';
    await this.#virsh.run(
      ['attach-disk', instance.id, await this.#pool.path(volume.volume), target, '--driver', 'qemu', '--subdriver', 'qcow2', '--targetbus', 'virtio', '--serial', volume.id, mode],
      `attaching volume ${volume.id} to instance ${instance.id}`,
    );
    volume.attachment = { instanceId: instance.id, device: `/dev/${target}` };
    await this.#store.save();
  }

  async detachVolume(volumeId: string): Promise<void> {
    const volume = await this.#volume(volumeId);
    if (volume.attachment === undefined) throw new SkyportError('InvalidState', `volume ${volume.id} is not attached`, { details: { current: 'available', required: ['in-use'] } });
    const { instanceId, device } = volume.attachment;
    const instance = (await this.#store.state()).instances.find((i) => i.id === instanceId);
    if (instance !== undefined && instance.terminatedAt === undefined) {
      const raw = await this.#rawState(instance);
      await this.#virsh.run(['detach-disk', instance.id, device.replace(/^\/dev\//, ''), raw === 'running' ? '--persistent' : '--config'], `detaching volume ${volume.id}`);
    }
    delete volume.attachment;
    await this.#store.save();
  }

  async deleteVolume(volumeId: string): Promise<void> {
    const state = await this.#store.state();
    const volume = await this.#volume(volumeId);
    if (volume.attachment !== undefined) throw new SkyportError('InvalidState', `volume ${volume.id} is attached to ${volume.attachment.instanceId}; detach it before deleting`, { details: { current: 'in-use', required: ['available'] } });
    await this.#pool.delete(volume.volume);
    state.volumes = state.volumes.filter((v) => v.id !== volume.id);
    await this.#store.save();
  }

  #snapshotView(s: LibvirtState['snapshots'][number]): NativeSnapshot {
    return { nativeId: s.id, name: s.name, volumeId: s.volumeId, sizeGiB: s.sizeGiB, state: 'completed', progress: 100, tags: s.tags, createdAt: s.createdAt };
  }

  async listSnapshots(): Promise<NativeSnapshot[]> {
    return (await this.#store.state()).snapshots.map((s) => this.#snapshotView(s));
  }

  async createSnapshot(request: DriverCreateSnapshotRequest): Promise<NativeSnapshot> {
    const state = await this.#store.state();
    const volume = await this.#volume(request.volumeId);
    const id = newId('snap');
    const file = `${id}.qcow2`;
    // A full copy on the host (vol-clone): crash-consistent when the volume is in use.
    await this.#pool.clone(volume.volume, file);
    const record = { id, name: request.name, volumeId: volume.id, sizeGiB: volume.sizeGiB, volume: file, tags: { ...request.tags }, createdAt: new Date().toISOString() };
    state.snapshots.push(record);
    await this.#store.save();
    return this.#snapshotView(record);
  }

  async deleteSnapshot(nativeId: string): Promise<void> {
    const state = await this.#store.state();
    const snapshot = state.snapshots.find((s) => s.id === nativeId);
    if (snapshot === undefined) throw notFound('snapshot', nativeId, 'VIR_ERR_NO_STORAGE_VOL');
    await this.#pool.delete(snapshot.volume);
    state.snapshots = state.snapshots.filter((s) => s.id !== nativeId);
    await this.#store.save();
  }

  // ---- tags ----

  async updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void> {
    const kinds = LIBVIRT_CAPABILITIES.tags?.kinds ?? [];
    if (!kinds.includes(kind)) throw new SkyportError('Unsupported', `the libvirt driver does not tag ${kind} resources; it tags: ${kinds.join(', ')}`, { details: { kind } });
    const state = await this.#store.state();
    const list: { id: string; tags: Tags; terminatedAt?: string; deletedAt?: string }[] =
      kind === 'instance' ? state.instances : kind === 'volume' ? state.volumes : kind === 'snapshot' ? state.snapshots : state.images;
    const record = list.find((r) => r.id === nativeId && r.terminatedAt === undefined && r.deletedAt === undefined);
    if (record === undefined) throw notFound(kind, nativeId, 'NotFound');
    const tags: Record<string, string> = { ...record.tags, ...change.set };
    for (const key of change.remove ?? []) delete tags[key];
    for (const [key, value] of Object.entries(tags)) {
      if (key === '' || key.length > 128 || value.length > 256) throw invalid('tags', `tag ${JSON.stringify(key)} must have a key of 1 to 128 characters and a value of at most 256`);
    }
    if (Object.keys(tags).length > MAX_TAGS) throw new SkyportError('QuotaExceeded', `${kind} ${nativeId} would have ${Object.keys(tags).length} tags; at most ${MAX_TAGS} are allowed`);
    record.tags = tags;
    await this.#store.save();
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

