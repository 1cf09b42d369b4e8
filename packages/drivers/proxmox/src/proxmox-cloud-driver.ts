/**
 * A CloudDriver over one Proxmox VE cluster. Native ids are VMIDs (unique in a cluster); nodes
 * are zones of one region, the cluster. QEMU templates are images; instances are full clones
 * of them, so templates and instances can be deleted independently.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  CloudDriver,
  CreatedKeyPair,
  DriverConfig,
  DriverCreateInstanceRequest,
  DriverImportImageRequest,
  NativeHardwareProfile,
  NativeImage,
  NativeInstance,
  NativeKeyPair,
  NativeLocation,
  NativeSnapshot,
  NativeVolume,
} from '@skyport/core';
import { convertImage, imageInfo } from '@skyport/disk';
import { dimensionAllows, SkyportError, type ProfileDimension, type TaggableKind, type Tags } from '@skyport/model';
import { generateKeyPair } from '@skyport/ssh-keys';
import { KeyPairStore, type StoredKeyPair } from './key-pair-store.js';
import { PveClient } from './pve-client.js';
import {
  bootDisk,
  createdAt,
  hasCloudInit,
  readNotes,
  vmState,
  writeNotes,
  type ClusterVm,
  type NodeRecord,
  type NotesBlock,
  type TaskKind,
  type VmConfig,
  type VmStatus,
} from './pve-records.js';
import { MAX_TAGS, PROXMOX_PROFILE } from './proxmox-capabilities.js';
import type { ProxmoxSettings } from './proxmox-settings.js';

const GiB = 1024 ** 3;
export const CLUSTER_REGION = 'cluster';
/** What Proxmox accepts as a VM name (a DNS name). */
const VM_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9\-.]{0,61}[a-zA-Z0-9])?$/;

function unsupported(message: string): SkyportError {
  return new SkyportError('Unsupported', message);
}

function invalid(field: string, message: string, details: Record<string, unknown> = {}): SkyportError {
  return new SkyportError('InvalidArgument', message, { details: { field, ...details } });
}

function describeDimension(d: ProfileDimension): string {
  return d.kind === 'range' ? `${d.min}..${d.max}${d.step === undefined ? '' : ` in steps of ${d.step}`}` : d.kind === 'fixed' ? String(d.value) : d.values.join(', ');
}

function vmPath(node: string, vmid: number | string): string {
  return `/nodes/${encodeURIComponent(node)}/qemu/${vmid}`;
}

const isUpid = (value: unknown): value is string => typeof value === 'string' && value.startsWith('UPID:');

export class ProxmoxCloudDriver implements CloudDriver {
  readonly #client: PveClient;
  readonly #settings: ProxmoxSettings;
  readonly #dataDir: string;
  readonly #keys: KeyPairStore;
  /** Tasks this driver started on VMs and has not seen end, by VMID. */
  readonly #tasks = new Map<string, { node: string; upid: string; kind: TaskKind }>();

  constructor(config: DriverConfig, settings: ProxmoxSettings) {
    this.#settings = settings;
    this.#dataDir = config.dataDir;
    this.#client = new PveClient(settings);
    this.#keys = new KeyPairStore(config.dataDir);
  }

  /** The client, for tests of authentication. */
  get client(): PveClient {
    return this.#client;
  }

  async testConnection(): Promise<void> {
    await this.#client.get('/version');
    await this.#nodes();
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  // ---- catalogue -------------------------------------------------------------------------

  #nodes(): Promise<NodeRecord[]> {
    return this.#client.get<NodeRecord[]>('/nodes');
  }

  async listLocations(): Promise<NativeLocation[]> {
    const nodes = await this.#nodes();
    return [
      { nativeId: CLUSTER_REGION, name: `Proxmox VE cluster at ${new URL(this.#settings.url).hostname}`, kind: 'region', available: nodes.some((n) => n.status === 'online') },
      ...nodes.map((n): NativeLocation => ({ nativeId: n.node, name: n.node, kind: 'zone', parent: CLUSTER_REGION, available: n.status === 'online' })),
    ];
  }

  async listHardwareProfiles(): Promise<NativeHardwareProfile[]> {
    return [PROXMOX_PROFILE];
  }

  #vms(): Promise<ClusterVm[]> {
    return this.#client.get<ClusterVm[]>('/cluster/resources', { type: 'vm' }).then((all) => all.filter((r) => r.type === 'qemu'));
  }

  #config(vm: ClusterVm): Promise<VmConfig> {
    return this.#client.get<VmConfig>(`${vmPath(vm.node, vm.vmid)}/config`);
  }

  /** Runs `fn` over items, a few at a time (one config read per VM). */
  async #each<T, R>(items: readonly T[], fn: (item: T) => Promise<R | undefined>): Promise<R[]> {
    const out: (R | undefined)[] = new Array<R | undefined>(items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, items.length) }, worker));
    return out.filter((r): r is R => r !== undefined);
  }

  /** Config of a VM that may vanish between the listing and the read. */
  async #configOrGone(vm: ClusterVm): Promise<VmConfig | undefined> {
    try {
      return await this.#config(vm);
    } catch (error) {
      if (error instanceof SkyportError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  #imageView(vm: ClusterVm, config: VmConfig): NativeImage {
    const { text, block } = readNotes(config['description']);
    const disk = bootDisk(config);
    return {
      nativeId: String(vm.vmid),
      name: String(config['name'] ?? vm.name ?? `template-${vm.vmid}`),
      ...(text.trim() === '' ? {} : { description: text.trim() }),
      architecture: config['arch'] === 'aarch64' ? 'aarch64' : 'x86_64',
      ...(block.os !== undefined ? { os: block.os } : {}),
      state: vm.lock === undefined ? 'available' : 'pending',
      ...(disk === undefined || disk.bytes === 0 ? {} : { sizeGiB: Math.max(1, Math.ceil(disk.bytes / GiB)) }),
      public: false,
      tags: { ...block.tags },
      createdAt: createdAt(config, block),
    };
  }

  async listImages(): Promise<NativeImage[]> {
    const templates = (await this.#vms()).filter((vm) => vm.template === 1);
    return this.#each(templates, async (vm) => {
      const config = await this.#configOrGone(vm);
      return config === undefined ? undefined : this.#imageView(vm, config);
    });
  }

  // ---- instances -------------------------------------------------------------------------

  async #runningTask(vmid: string): Promise<TaskKind | undefined> {
    const task = this.#tasks.get(vmid);
    if (task === undefined) return undefined;
    const status = await this.#client.taskStatus(task.node, task.upid).catch(() => undefined);
    if (status?.status === 'running') return task.kind;
    this.#tasks.delete(vmid);
    return undefined;
  }

  /** `running` is read before `status`: a task seen running and a status read after it can only lag, never contradict. */
  #instanceView(vm: ClusterVm, config: VmConfig, status: VmStatus, running: TaskKind | undefined): NativeInstance {
    const { state, raw } = vmState(status, running);
    const { block } = readNotes(config['description']);
    const disk = bootDisk(config);
    return {
      nativeId: String(vm.vmid),
      name: String(config['name'] ?? vm.name ?? `vm-${vm.vmid}`),
      state,
      rawState: raw,
      imageId: block.image ?? '',
      hardwareProfileId: block.profile ?? PROXMOX_PROFILE.nativeId,
      cpus: Math.max(1, Number(config['cores'] ?? 1) * Number(config['sockets'] ?? 1)),
      memoryMiB: Math.max(1, Number(config['memory'] ?? 512)),
      diskGiB: disk === undefined || disk.bytes === 0 ? 1 : Math.max(1, Math.ceil(disk.bytes / GiB)),
      locationId: vm.node,
      ...(block.key === undefined ? {} : { keyName: block.key }),
      addresses: [],
      tags: { ...block.tags },
      createdAt: createdAt(config, block),
    };
  }

  async listInstances(): Promise<NativeInstance[]> {
    const running = new Map<string, TaskKind | undefined>();
    for (const id of [...this.#tasks.keys()]) running.set(id, await this.#runningTask(id));
    const vms = (await this.#vms()).filter((vm) => vm.template !== 1);
    return this.#each(vms, async (vm) => {
      const config = await this.#configOrGone(vm);
      if (config === undefined) return undefined;
      return this.#instanceView(vm, config, { status: vm.status === 'running' ? 'running' : 'stopped', ...(vm.lock === undefined ? {} : { lock: vm.lock }) }, running.get(String(vm.vmid)));
    });
  }

  async #find(id: string, template: boolean): Promise<ClusterVm | undefined> {
    if (!/^\d+$/.test(id)) return undefined;
    return (await this.#vms()).find((vm) => String(vm.vmid) === id && (vm.template === 1) === template);
  }

  async #instance(id: string): Promise<{ vm: ClusterVm; config: VmConfig; status: VmStatus; running: TaskKind | undefined }> {
    const running = await this.#runningTask(id);
    const vm = await this.#find(id, false);
    if (vm === undefined) throw new SkyportError('NotFound', `instance ${id} does not exist in this cluster`, { details: { kind: 'instance', id } });
    const [config, status] = await Promise.all([this.#config(vm), this.#client.get<VmStatus>(`${vmPath(vm.node, vm.vmid)}/status/current`)]);
    return { vm, config, status, running };
  }

  async getInstance(nativeId: string): Promise<NativeInstance | undefined> {
    try {
      const { vm, config, status, running } = await this.#instance(nativeId);
      return this.#instanceView(vm, config, status, running);
    } catch (error) {
      if (error instanceof SkyportError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  #checkDimension(field: 'cpus' | 'memoryMiB' | 'diskGiB', value: number): void {
    const d = PROXMOX_PROFILE[field];
    if (!Number.isInteger(value) || !dimensionAllows(d, value)) {
      throw invalid(field, `${field} ${value} is outside hardware profile ${PROXMOX_PROFILE.nativeId}: allowed ${describeDimension(d)}`, { allowed: d });
    }
  }

  #checkTags(tags: Tags): void {
    if (Object.keys(tags).length > MAX_TAGS) throw invalid('tags', `${Object.keys(tags).length} tags on one resource; at most ${MAX_TAGS} are allowed`, { max: MAX_TAGS });
  }

  async #keyPair(name: string): Promise<StoredKeyPair> {
    const pair = (await this.#keys.list()).find((k) => k.name === name);
    if (pair === undefined) throw new SkyportError('NotFound', `key pair ${name} does not exist in this provider`, { details: { field: 'keyName' } });
    return pair;
  }

  /** Resizes a disk; PVE 8 answers with a task, older releases resize before answering. */
  async #resize(node: string, vmid: string, disk: string, gib: number): Promise<void> {
    const result = await this.#client.put<unknown>(`${vmPath(node, vmid)}/resize`, { disk, size: `${gib}G` });
    if (isUpid(result)) await this.#client.waitTask(node, result, `resize of ${disk} on VM ${vmid}`);
  }

  async createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    if (request.userData !== undefined) throw unsupported('user-data is not supported by the proxmox driver: the API cannot place a cloud-init user-data snippet (cicustom needs a file on a snippets storage)');
    if (request.securityGroupIds !== undefined && request.securityGroupIds.length > 0) throw unsupported('the proxmox driver has no security groups');
    if (!VM_NAME.test(request.name)) throw invalid('name', `instance name ${JSON.stringify(request.name)} is not allowed: Proxmox takes a DNS name (letters, digits, '-' and '.', at most 63 characters)`);
    if (request.hardwareProfileId !== PROXMOX_PROFILE.nativeId) {
      throw new SkyportError('NotFound', `hardware profile ${request.hardwareProfileId} does not exist; the proxmox driver has one: ${PROXMOX_PROFILE.nativeId}`, { details: { field: 'hardwareProfileId' } });
    }
    this.#checkDimension('cpus', request.cpus);
    this.#checkDimension('memoryMiB', request.memoryMiB);
    this.#checkDimension('diskGiB', request.diskGiB);
    this.#checkTags(request.tags ?? {});
    const key = request.keyName === undefined ? undefined : await this.#keyPair(request.keyName);
    const template = await this.#find(request.imageId, true);
    if (template === undefined) throw new SkyportError('NotFound', `image ${request.imageId} does not exist in this cluster`, { details: { field: 'imageId' } });
    let node = template.node;
    if (request.locationId !== undefined && request.locationId !== CLUSTER_REGION) {
      const nodes = await this.#nodes();
      if (!nodes.some((n) => n.node === request.locationId)) {
        throw new SkyportError('NotFound', `location ${request.locationId} does not exist; locations: ${[CLUSTER_REGION, ...nodes.map((n) => n.node)].join(', ')}`, { details: { field: 'locationId' } });
      }
      node = request.locationId;
    }
    const templateConfig = await this.#config(template);
    const disk = bootDisk(templateConfig);
    if (disk === undefined) throw invalid('imageId', `image ${request.imageId} has no disk to boot from`);
    if (request.diskGiB * GiB < disk.bytes) throw invalid('diskGiB', `diskGiB ${request.diskGiB} is smaller than image ${request.imageId}'s disk (${Math.ceil(disk.bytes / GiB)} GiB)`);

    const vmid = String(await this.#client.get<string | number>('/cluster/nextid'));
    // A full clone: the instance owns its disks, so the template may be deleted later.
    const clone = await this.#client.post<string>(`${vmPath(template.node, template.vmid)}/clone`, {
      newid: vmid,
      name: request.name,
      full: true,
      ...(node === template.node ? {} : { target: node }),
      ...(this.#settings.storage === undefined ? {} : { storage: this.#settings.storage }),
    });
    try {
      await this.#client.waitTask(template.node, clone, `clone of template ${template.vmid}`);
      const notes: NotesBlock = { image: request.imageId, profile: request.hardwareProfileId, created: new Date().toISOString(), ...(key === undefined ? {} : { key: key.name }), tags: { ...request.tags } };
      await this.#client.put(`${vmPath(node, vmid)}/config`, {
        cores: request.cpus,
        sockets: 1,
        memory: request.memoryMiB,
        description: writeNotes('', notes),
        // sshkeys is URL-encoded inside the form value: https://bugzilla.proxmox.com/show_bug.cgi?id=2429
        ...(key === undefined ? {} : { sshkeys: encodeURIComponent(`${key.publicKey}\n`) }),
        ...(key !== undefined && !hasCloudInit(templateConfig) ? { ide2: `${this.#settings.storage ?? disk.volume.split(':')[0] ?? 'local-lvm'}:cloudinit` } : {}),
      });
      if (request.diskGiB * GiB > disk.bytes) await this.#resize(node, vmid, disk.key, request.diskGiB);
      const start = await this.#client.post<string>(`${vmPath(node, vmid)}/status/start`);
      this.#tasks.set(vmid, { node, upid: start, kind: 'start' });
    } catch (error) {
      await this.#purge(node, vmid).catch(() => undefined);
      throw error;
    }
    const created = await this.getInstance(vmid);
    if (created === undefined) throw new SkyportError('ProviderError', `VM ${vmid} vanished right after it was created`);
    return created;
  }

  async #purge(node: string, vmid: string | number): Promise<void> {
    const upid = await this.#client.delete<unknown>(vmPath(node, vmid), { purge: true, 'destroy-unreferenced-disks': true });
    if (isUpid(upid)) await this.#client.waitTask(node, upid, `removal of VM ${vmid}`);
  }

  async #power(id: string, action: 'start' | 'stop' | 'stop-force' | 'reboot'): Promise<void> {
    const { vm, status, running } = await this.#instance(id);
    const { state } = vmState(status, running);
    const need = action === 'start' ? 'stopped' : 'running';
    if (state !== need) {
      throw new SkyportError('InvalidState', `instance ${id} is ${state}; ${action.replace('-force', '')} needs it ${need}`, { details: { current: state, required: [need] } });
    }
    const path = `${vmPath(vm.node, vm.vmid)}/status`;
    let upid: string;
    let kind: TaskKind;
    switch (action) {
      case 'start':
        [upid, kind] = [await this.#client.post<string>(`${path}/start`), 'start'];
        break;
      case 'stop':
        // ACPI shutdown; Proxmox stops the VM hard if the guest has not shut down in time.
        [upid, kind] = [await this.#client.post<string>(`${path}/shutdown`, { timeout: this.#settings.shutdownTimeoutS, forceStop: true }), 'stop'];
        break;
      case 'stop-force':
        [upid, kind] = [await this.#client.post<string>(`${path}/stop`), 'stop'];
        break;
      case 'reboot':
        [upid, kind] = [await this.#client.post<string>(`${path}/reboot`, { timeout: this.#settings.shutdownTimeoutS }), 'reboot'];
        break;
    }
    this.#tasks.set(id, { node: vm.node, upid, kind });
  }

  startInstance(nativeId: string): Promise<void> {
    return this.#power(nativeId, 'start');
  }

  stopInstance(nativeId: string, options?: { readonly force?: boolean }): Promise<void> {
    return this.#power(nativeId, options?.force === true ? 'stop-force' : 'stop');
  }

  rebootInstance(nativeId: string): Promise<void> {
    return this.#power(nativeId, 'reboot');
  }

  async destroyInstance(nativeId: string): Promise<void> {
    // A start (or stop) this driver began may still be running: Proxmox refuses to destroy a VM
    // that is running, so its state is read only once that task is over.
    const pending = this.#tasks.get(nativeId);
    if (pending !== undefined) {
      await this.#client.waitTask(pending.node, pending.upid, `${pending.kind} of VM ${nativeId}`).catch(() => undefined);
      this.#tasks.delete(nativeId);
    }
    const { vm, status } = await this.#instance(nativeId);
    if (status.status === 'running') {
      const stop = await this.#client.post<string>(`${vmPath(vm.node, vm.vmid)}/status/stop`);
      await this.#client.waitTask(vm.node, stop, `stop of VM ${vm.vmid}`);
    }
    const upid = await this.#client.delete<unknown>(vmPath(vm.node, vm.vmid), { purge: true, 'destroy-unreferenced-disks': true });
    if (isUpid(upid)) this.#tasks.set(nativeId, { node: vm.node, upid, kind: 'destroy' });
    else this.#tasks.delete(nativeId);
  }

  // ---- key pairs -------------------------------------------------------------------------

  #keyView(pair: StoredKeyPair): NativeKeyPair {
    return { nativeId: pair.id, name: pair.name, fingerprint: pair.fingerprint, publicKey: pair.publicKey, tags: {}, createdAt: pair.createdAt };
  }

  async listKeyPairs(): Promise<NativeKeyPair[]> {
    return (await this.#keys.list()).map((p) => this.#keyView(p));
  }

  async createKeyPair(name: string): Promise<CreatedKeyPair> {
    if (name.trim() === '') throw invalid('name', 'a key pair needs a name of 1 to 255 characters');
    const { privateKey, publicKey } = generateKeyPair(name);
    return { keyPair: this.#keyView(await this.#keys.add(name, publicKey)), privateKey };
  }

  async importKeyPair(name: string, publicKey: string): Promise<NativeKeyPair> {
    return this.#keyView(await this.#keys.add(name, publicKey));
  }

  deleteKeyPair(nativeId: string): Promise<void> {
    return this.#keys.remove(nativeId);
  }

  // ---- volumes and snapshots: Proxmox disks belong to VMs --------------------------------

  async listVolumes(): Promise<NativeVolume[]> {
    return [];
  }

  async createVolume(): Promise<NativeVolume> {
    throw unsupported('volumes are not supported by the proxmox driver: Proxmox disks belong to a VM (its config), there are no free-standing volumes');
  }

  async attachVolume(): Promise<void> {
    throw unsupported('volumes are not supported by the proxmox driver');
  }

  async detachVolume(): Promise<void> {
    throw unsupported('volumes are not supported by the proxmox driver');
  }

  async deleteVolume(): Promise<void> {
    throw unsupported('volumes are not supported by the proxmox driver');
  }

  async listSnapshots(): Promise<NativeSnapshot[]> {
    return [];
  }

  async createSnapshot(): Promise<NativeSnapshot> {
    throw unsupported('volume snapshots are not supported by the proxmox driver: Proxmox snapshots whole VMs');
  }

  async deleteSnapshot(): Promise<void> {
    throw unsupported('volume snapshots are not supported by the proxmox driver');
  }

  // ---- images ----------------------------------------------------------------------------

  async #assertImageNameFree(name: string): Promise<void> {
    if (!VM_NAME.test(name)) throw invalid('name', `image name ${JSON.stringify(name)} is not allowed: Proxmox takes a DNS name (letters, digits, '-' and '.', at most 63 characters)`);
    const templates = (await this.#vms()).filter((vm) => vm.template === 1);
    if (templates.some((vm) => vm.name === name)) throw new SkyportError('AlreadyExists', `an image (template) named ${name} already exists in this cluster; choose another name`, { details: { field: 'name' } });
  }

  async #image(id: string): Promise<ClusterVm> {
    const vm = await this.#find(id, true);
    if (vm === undefined) throw new SkyportError('NotFound', `image ${id} does not exist in this cluster`, { details: { kind: 'image', id } });
    return vm;
  }

  async #imageResult(vmid: string): Promise<NativeImage> {
    const vm = await this.#image(vmid);
    return this.#imageView(vm, await this.#config(vm));
  }

  async createImageFromInstance(instanceNativeId: string, name: string, options: { readonly description?: string; readonly tags?: Tags } = {}): Promise<NativeImage> {
    const { vm, status, running } = await this.#instance(instanceNativeId);
    const { state } = vmState(status, running);
    if (state !== 'stopped') throw new SkyportError('InvalidState', `instance ${instanceNativeId} is ${state}; an image is made from a stopped instance`, { details: { current: state, required: ['stopped'] } });
    this.#checkTags(options.tags ?? {});
    await this.#assertImageNameFree(name);
    const vmid = String(await this.#client.get<string | number>('/cluster/nextid'));
    const clone = await this.#client.post<string>(`${vmPath(vm.node, vm.vmid)}/clone`, { newid: vmid, name, full: true, ...(this.#settings.storage === undefined ? {} : { storage: this.#settings.storage }) });
    try {
      await this.#client.waitTask(vm.node, clone, `clone of VM ${vm.vmid}`);
      await this.#client.put(`${vmPath(vm.node, vmid)}/config`, { description: writeNotes(options.description ?? '', { created: new Date().toISOString(), tags: { ...options.tags } }) });
      const template = await this.#client.post<unknown>(`${vmPath(vm.node, vmid)}/template`);
      if (isUpid(template)) await this.#client.waitTask(vm.node, template, `conversion of VM ${vmid} to a template`);
    } catch (error) {
      await this.#purge(vm.node, vmid).catch(() => undefined);
      throw error;
    }
    return this.#imageResult(vmid);
  }

  async deleteImage(nativeId: string): Promise<void> {
    const vm = await this.#image(nativeId);
    await this.#purge(vm.node, vm.vmid);
  }

  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    await this.#assertImageNameFree(request.name);
    this.#checkTags(request.tags ?? {});
    // Format by magic, no backing file, no outside extents: refused before anything is sent.
    const info = await imageInfo(request.path, request.format);
    const total = info.virtualSizeBytes;
    const node = (await this.#nodes()).find((n) => n.status === 'online')?.node;
    if (node === undefined) throw new SkyportError('ProviderUnavailable', 'no node of the cluster is online');
    await mkdir(this.#dataDir, { recursive: true });
    const work = await mkdtemp(join(this.#dataDir, 'proxmox-import-'));
    // Proxmox imports raw, qcow2 and VMDK files; VHD and VHDX become qcow2 first.
    const direct = request.format === 'raw' || request.format === 'qcow2' || request.format === 'vmdk';
    const ext = direct ? request.format : 'qcow2';
    const filename = `skyport-${randomBytes(6).toString('hex')}.${ext}`;
    const importVolume = `${this.#settings.importStorage}:import/${filename}`;
    let uploaded = false;
    let vmid: string | undefined;
    try {
      let upload = request.path;
      if (!direct) {
        upload = join(work, filename);
        await convertImage({ source: request.path, sourceFormat: request.format, target: upload, targetFormat: 'qcow2', onProgress: (p) => request.onProgress?.(Math.round((total * p * 0.4) / 100), total), ...(request.signal === undefined ? {} : { signal: request.signal }) });
      }
      const offset = direct ? 0 : 0.4;
      const task = await this.#client.upload(node, this.#settings.importStorage, 'import', filename, upload, (done, size) => request.onProgress?.(Math.round(total * (offset + (0.9 - offset) * (done / Math.max(1, size)))), total), request.signal);
      uploaded = true;
      await this.#client.waitTask(node, task, `upload of ${filename}`, request.signal);
      vmid = String(await this.#client.get<string | number>('/cluster/nextid'));
      const create = await this.#client.post<string>(`/nodes/${encodeURIComponent(node)}/qemu`, {
        vmid,
        name: request.name,
        ostype: 'l26',
        cores: 1,
        memory: 1024,
        scsihw: 'virtio-scsi-pci',
        scsi0: `${this.#settings.storage ?? 'local-lvm'}:0,import-from=${importVolume}`,
        boot: 'order=scsi0',
        net0: `virtio,bridge=${this.#settings.bridge}`,
        description: writeNotes(request.description ?? '', { created: new Date().toISOString(), ...(request.os === undefined ? {} : { os: request.os }), tags: { ...request.tags } }),
      });
      await this.#client.waitTask(node, create, `creation of VM ${vmid} from ${filename}`, request.signal);
      const template = await this.#client.post<unknown>(`${vmPath(node, vmid)}/template`);
      if (isUpid(template)) await this.#client.waitTask(node, template, `conversion of VM ${vmid} to a template`);
      const image = await this.#imageResult(vmid);
      request.onProgress?.(total, total);
      return image;
    } catch (error) {
      if (vmid !== undefined) await this.#purge(node, vmid).catch(() => undefined);
      throw error;
    } finally {
      if (uploaded) {
        const removal = await this.#client.delete<unknown>(`/nodes/${encodeURIComponent(node)}/storage/${encodeURIComponent(this.#settings.importStorage)}/content/${encodeURIComponent(importVolume)}`).catch(() => undefined);
        if (isUpid(removal)) await this.#client.waitTask(node, removal, `removal of ${importVolume}`).catch(() => undefined);
      }
      await rm(work, { recursive: true, force: true });
    }
  }

  // ---- tags ------------------------------------------------------------------------------

  async updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void> {
    if (kind !== 'instance' && kind !== 'image') throw unsupported(`the proxmox driver has no ${kind} tags; taggable: instance, image`);
    const vm = kind === 'instance' ? (await this.#instance(nativeId)).vm : await this.#image(nativeId);
    const config = await this.#config(vm);
    const { text, block } = readNotes(config['description']);
    const tags: Record<string, string> = { ...block.tags };
    for (const key of change.remove ?? []) delete tags[key];
    Object.assign(tags, change.set ?? {});
    if (Object.keys(tags).length > MAX_TAGS) {
      throw invalid('tags', `${kind} ${nativeId} would have ${Object.keys(tags).length} tags; at most ${MAX_TAGS} are allowed`, { max: MAX_TAGS });
    }
    // The digest makes Proxmox refuse the write if the config changed since it was read.
    await this.#client.put(`${vmPath(vm.node, vm.vmid)}/config`, { description: writeNotes(text, { ...block, tags }), ...(config['digest'] === undefined ? {} : { digest: String(config['digest']) }) });
  }
}
