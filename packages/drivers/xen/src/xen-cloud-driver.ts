/**
 * A CloudDriver over one XCP-ng / XenServer pool through XAPI. Native ids are XAPI uuids
 * (references are per session and must not be kept). The pool is the one region; templates
 * that are not XAPI's built-in install templates are the images; VMs are cloned from them.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { convertImage, imageInfo } from '@skyport/disk';
import { dimensionAllows, SkyportError, type ProfileDimension, type TaggableKind, type Tags } from '@skyport/model';
import { XapiClient } from './xapi-client.js';
import {
  GiB,
  instanceState,
  int,
  MiB,
  OC,
  tagChange,
  tagsOf,
  type PoolRecord,
  type Ref,
  type SrRecord,
  type TaskRecord,
  type VbdRecord,
  type VdiRecord,
  type VmRecord,
  type NetworkRecord,
} from './xapi-records.js';
import { MAX_TAGS, MAX_VOLUME_GIB, XEN_CAPABILITIES, XEN_PROFILE } from './xen-capabilities.js';
import type { XenSettings } from './xen-settings.js';

/** How long a destroy waits for the create's start task to finish. */
const START_WAIT_MS = 60_000;

const EPOCH = '1970-01-01T00:00:00.000Z';

function unsupported(what: string): SkyportError {
  return new SkyportError('Unsupported', `${what} is not supported by the xen driver: XAPI has no ${what.includes('key') ? 'key pairs' : 'such feature'}`);
}

function invalid(field: string, message: string, details: Record<string, unknown> = {}): SkyportError {
  return new SkyportError('InvalidArgument', message, { details: { field, ...details } });
}

function notFound(kind: string, id: string): SkyportError {
  return new SkyportError('NotFound', `${kind} ${id} does not exist in this pool`, { providerCode: 'UUID_INVALID', details: { kind, id } });
}

function describeDimension(d: ProfileDimension): string {
  return d.kind === 'range' ? `${d.min}..${d.max}${d.step === undefined ? '' : ` in steps of ${d.step}`}` : d.kind === 'fixed' ? String(d.value) : d.values.join(', ');
}

interface Inventory {
  readonly vms: Record<Ref, VmRecord>;
  readonly vbds: Record<Ref, VbdRecord>;
  readonly vdis: Record<Ref, VdiRecord>;
  readonly srs: Record<Ref, SrRecord>;
}

export class XenCloudDriver implements CloudDriver {
  readonly #client: XapiClient;
  readonly #settings: XenSettings;
  readonly #dataDir: string;
  /** Asynchronous starts this driver issued, by VM uuid: task refs until their task ends. */
  readonly #starting = new Map<string, Ref>();

  constructor(config: DriverConfig, settings: XenSettings) {
    this.#settings = settings;
    this.#dataDir = config.dataDir;
    this.#client = new XapiClient(settings);
  }

  /** The client, for tests of session handling. */
  get client(): XapiClient {
    return this.#client;
  }

  async testConnection(): Promise<void> {
    await this.#pool();
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  // ---- catalogue -------------------------------------------------------------------------

  async #pool(): Promise<PoolRecord & { ref: Ref }> {
    const pools = await this.#client.call<Record<Ref, PoolRecord>>('pool.get_all_records');
    const [ref, pool] = Object.entries(pools)[0] ?? [];
    if (ref === undefined || pool === undefined) throw new SkyportError('ProviderError', 'XAPI lists no pool; is this a XAPI host?');
    return { ...pool, ref };
  }

  async listLocations(): Promise<NativeLocation[]> {
    const pool = await this.#pool();
    return [{ nativeId: pool.uuid, name: pool.name_label === '' ? `pool ${pool.uuid}` : pool.name_label, kind: 'region', available: true }];
  }

  async listHardwareProfiles(): Promise<NativeHardwareProfile[]> {
    return [XEN_PROFILE];
  }

  async #inventory(): Promise<Inventory> {
    const [vms, vbds, vdis, srs] = await Promise.all([
      this.#client.call<Record<Ref, VmRecord>>('VM.get_all_records'),
      this.#client.call<Record<Ref, VbdRecord>>('VBD.get_all_records'),
      this.#client.call<Record<Ref, VdiRecord>>('VDI.get_all_records'),
      this.#client.call<Record<Ref, SrRecord>>('SR.get_all_records'),
    ]);
    return { vms, vbds, vdis, srs };
  }

  /** The disk a VM boots from: userdevice 0, else the first bootable disk. */
  #rootDisk(inv: Inventory, vm: VmRecord): { vdiRef: Ref; vdi: VdiRecord } | undefined {
    const disks = vm.VBDs.map((r) => inv.vbds[r]).filter((b): b is VbdRecord => b !== undefined && b.type === 'Disk' && inv.vdis[b.VDI] !== undefined);
    const root = disks.find((b) => b.userdevice === '0') ?? disks.find((b) => b.bootable) ?? disks[0];
    if (root === undefined) return undefined;
    const vdi = inv.vdis[root.VDI];
    return vdi === undefined ? undefined : { vdiRef: root.VDI, vdi };
  }

  #isImage(vm: VmRecord): boolean {
    return vm.is_a_template && !vm.is_a_snapshot && vm.is_default_template !== true && vm.other_config['default_template'] !== 'true';
  }

  #imageView(inv: Inventory, vm: VmRecord): NativeImage {
    const root = this.#rootDisk(inv, vm);
    const os = vm.other_config[OC.os];
    return {
      nativeId: vm.uuid,
      name: vm.name_label,
      ...(vm.name_description === '' ? {} : { description: vm.name_description }),
      architecture: 'x86_64',
      ...(os === undefined ? {} : { os }),
      state: 'available',
      ...(root === undefined ? {} : { sizeGiB: Math.max(1, Math.ceil(int(root.vdi.virtual_size) / GiB)) }),
      public: false,
      tags: tagsOf(vm.tags),
      createdAt: vm.other_config[OC.created] ?? EPOCH,
    };
  }

  async listImages(): Promise<NativeImage[]> {
    const inv = await this.#inventory();
    return Object.values(inv.vms).filter((vm) => this.#isImage(vm)).map((vm) => this.#imageView(inv, vm));
  }

  // ---- instances -------------------------------------------------------------------------

  /**
   * The VMs whose asynchronous start is still running. Read before the VM records: a task seen
   * running and a record read after it can only lag (pending, then running), never contradict.
   */
  async #startsInFlight(): Promise<Set<string>> {
    const pending = new Set<string>();
    for (const [uuid, task] of [...this.#starting]) {
      const record = await this.#client.call<TaskRecord>('task.get_record', task).catch(() => undefined);
      if (record?.status === 'pending') {
        pending.add(uuid);
        continue;
      }
      this.#starting.delete(uuid);
      await this.#client.call('task.destroy', task).catch(() => undefined);
    }
    return pending;
  }

  #instanceView(inv: Inventory, vm: VmRecord, poolUuid: string, starting: ReadonlySet<string>): NativeInstance {
    const { state, raw } = instanceState(vm, starting.has(vm.uuid));
    const root = this.#rootDisk(inv, vm);
    return {
      nativeId: vm.uuid,
      name: vm.name_label,
      state,
      rawState: raw,
      imageId: vm.other_config[OC.image] ?? '',
      hardwareProfileId: vm.other_config[OC.profile] ?? XEN_PROFILE.nativeId,
      cpus: Math.max(1, int(vm.VCPUs_at_startup)),
      memoryMiB: Math.max(1, Math.round(int(vm.memory_static_max) / MiB)),
      diskGiB: root === undefined ? 1 : Math.max(1, Math.ceil(int(root.vdi.virtual_size) / GiB)),
      locationId: poolUuid,
      addresses: [],
      tags: tagsOf(vm.tags),
      createdAt: vm.other_config[OC.created] ?? EPOCH,
    };
  }

  #isInstance(vm: VmRecord): boolean {
    return !vm.is_a_template && !vm.is_a_snapshot && !vm.is_control_domain;
  }

  async listInstances(): Promise<NativeInstance[]> {
    const starting = await this.#startsInFlight();
    const [inv, pool] = await Promise.all([this.#inventory(), this.#pool()]);
    return Object.values(inv.vms)
      .filter((vm) => this.#isInstance(vm))
      .map((vm) => this.#instanceView(inv, vm, pool.uuid, starting));
  }

  /** A VM's reference by uuid; undefined when the pool does not know it. */
  async #ref(uuid: string, cls: 'VM' | 'VDI'): Promise<Ref | undefined> {
    try {
      return await this.#client.call<Ref>(`${cls}.get_by_uuid`, uuid);
    } catch (error) {
      if (error instanceof SkyportError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  async #vm(uuid: string): Promise<{ ref: Ref; vm: VmRecord; starting: boolean }> {
    const starting = (await this.#startsInFlight()).has(uuid);
    const ref = await this.#ref(uuid, 'VM');
    const vm = ref === undefined ? undefined : await this.#client.call<VmRecord>('VM.get_record', ref);
    if (ref === undefined || vm === undefined || !this.#isInstance(vm)) throw notFound('instance', uuid);
    return { ref, vm, starting };
  }

  async getInstance(nativeId: string): Promise<NativeInstance | undefined> {
    const starting = await this.#startsInFlight();
    const ref = await this.#ref(nativeId, 'VM');
    if (ref === undefined) return undefined;
    const inv = await this.#inventory();
    const vm = inv.vms[ref];
    if (vm === undefined || !this.#isInstance(vm)) return undefined;
    return this.#instanceView(inv, vm, (await this.#pool()).uuid, starting);
  }

  #checkDimension(field: 'cpus' | 'memoryMiB' | 'diskGiB', value: number): void {
    const d = XEN_PROFILE[field];
    if (!Number.isInteger(value) || !dimensionAllows(d, value)) {
      throw invalid(field, `${field} ${value} is outside hardware profile ${XEN_PROFILE.nativeId}: allowed ${describeDimension(d)}`, { allowed: d });
    }
  }

  async createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    if (request.keyName !== undefined) throw unsupported('creating an instance with a key pair');
    if (request.userData !== undefined) throw new SkyportError('Unsupported', 'user-data is not supported by the xen driver: XAPI has no metadata service or config drive of its own');
    if (request.securityGroupIds !== undefined && request.securityGroupIds.length > 0) throw new SkyportError('Unsupported', 'the xen driver has no security groups');
    if (request.name.trim() === '') throw invalid('name', 'an instance needs a name');
    if (request.hardwareProfileId !== XEN_PROFILE.nativeId) {
      throw new SkyportError('NotFound', `hardware profile ${request.hardwareProfileId} does not exist; the xen driver has one: ${XEN_PROFILE.nativeId}`, { details: { field: 'hardwareProfileId' } });
    }
    this.#checkDimension('cpus', request.cpus);
    this.#checkDimension('memoryMiB', request.memoryMiB);
    this.#checkDimension('diskGiB', request.diskGiB);
    const pool = await this.#pool();
    if (request.locationId !== undefined && request.locationId !== pool.uuid) {
      throw new SkyportError('NotFound', `location ${request.locationId} does not exist; this pool is ${pool.uuid}`, { details: { field: 'locationId' } });
    }
    const inv = await this.#inventory();
    const templateRef = Object.keys(inv.vms).find((r) => inv.vms[r]?.uuid === request.imageId && this.#isImage(inv.vms[r] as VmRecord));
    const template = templateRef === undefined ? undefined : inv.vms[templateRef];
    if (templateRef === undefined || template === undefined) throw new SkyportError('NotFound', `image ${request.imageId} does not exist in this pool`, { details: { field: 'imageId' } });
    const root = this.#rootDisk(inv, template);
    if (root === undefined) throw invalid('imageId', `image ${request.imageId} (${template.name_label}) has no disk to boot from`);
    const imageBytes = int(root.vdi.virtual_size);
    if (request.diskGiB * GiB < imageBytes) {
      throw invalid('diskGiB', `diskGiB ${request.diskGiB} is smaller than image ${request.imageId}'s disk (${Math.ceil(imageBytes / GiB)} GiB)`);
    }

    // Clone (fast, copy-on-write on the template's SR), turn the copy into a VM, size it.
    const ref = await this.#client.call<Ref>('VM.clone', templateRef, request.name);
    try {
      await this.#client.call('VM.provision', ref);
      await this.#client.call('VM.set_is_a_template', ref, false);
      const current = int(template.VCPUs_max);
      if (request.cpus >= current) {
        await this.#client.call('VM.set_VCPUs_max', ref, request.cpus);
        await this.#client.call('VM.set_VCPUs_at_startup', ref, request.cpus);
      } else {
        await this.#client.call('VM.set_VCPUs_at_startup', ref, request.cpus);
        await this.#client.call('VM.set_VCPUs_max', ref, request.cpus);
      }
      const bytes = request.memoryMiB * MiB;
      await this.#client.call('VM.set_memory_limits', ref, Math.min(int(template.memory_static_min), bytes), bytes, bytes, bytes);
      const clone = await this.#client.call<VmRecord>('VM.get_record', ref);
      const owned: string[] = [];
      for (const vbdRef of clone.VBDs) {
        const vbd = await this.#client.call<VbdRecord>('VBD.get_record', vbdRef);
        if (vbd.type !== 'Disk') continue;
        const vdi = await this.#client.call<VdiRecord>('VDI.get_record', vbd.VDI);
        owned.push(vdi.uuid);
        if (vbd.userdevice === '0' && request.diskGiB * GiB > int(vdi.virtual_size)) await this.#client.call('VDI.resize', vbd.VDI, request.diskGiB * GiB);
      }
      if (clone.VIFs.length === 0 && this.#settings.network !== undefined) {
        const network = await this.#network(this.#settings.network);
        await this.#client.call('VIF.create', { device: '0', network, VM: ref, MAC: '', MTU: 1500, other_config: {}, qos_algorithm_type: '', qos_algorithm_params: {} });
      }
      const config: Record<string, string> = {
        [OC.image]: request.imageId,
        [OC.profile]: request.hardwareProfileId,
        [OC.created]: new Date().toISOString(),
        [OC.ownedDisks]: owned.join(','),
      };
      for (const [key, value] of Object.entries(config)) {
        await this.#client.call('VM.remove_from_other_config', ref, key);
        await this.#client.call('VM.add_to_other_config', ref, key, value);
      }
      for (const tag of clone.tags) await this.#client.call('VM.remove_tags', ref, tag);
      this.#checkTagCount(request.tags ?? {});
      for (const [k, v] of Object.entries(request.tags ?? {})) await this.#client.call('VM.add_tags', ref, `${k}=${v}`);
      const task = await this.#client.call<Ref>('Async.VM.start', ref, false, false);
      this.#starting.set(clone.uuid, task);
      const created = await this.getInstance(clone.uuid);
      if (created === undefined) throw new SkyportError('ProviderError', `VM ${clone.uuid} vanished right after it was created`);
      return created;
    } catch (error) {
      await this.#destroyVm(ref).catch(() => undefined);
      throw error;
    }
  }

  async #network(nameOrUuid: string): Promise<Ref> {
    const networks = await this.#client.call<Record<Ref, NetworkRecord>>('network.get_all_records');
    const found = Object.entries(networks).find(([, n]) => n.uuid === nameOrUuid || n.name_label === nameOrUuid);
    if (found === undefined) throw invalid('settings.network', `network ${nameOrUuid} does not exist in this pool; known: ${Object.values(networks).map((n) => n.name_label).join(', ')}`);
    return found[0];
  }

  /** Shuts a VM down hard if needed, destroys it and the disks it was created with. */
  async #destroyVm(ref: Ref): Promise<void> {
    const vm = await this.#client.call<VmRecord>('VM.get_record', ref);
    if (vm.power_state !== 'Halted') await this.#client.call('VM.hard_shutdown', ref);
    const owned = new Set((vm.other_config[OC.ownedDisks] ?? '').split(',').filter((s) => s !== ''));
    const disks: Ref[] = [];
    for (const vbdRef of vm.VBDs) {
      const vbd = await this.#client.call<VbdRecord>('VBD.get_record', vbdRef);
      if (vbd.type !== 'Disk') continue;
      const vdi = await this.#client.call<VdiRecord>('VDI.get_record', vbd.VDI);
      // Without the mark (a VM made by the clone step that failed), the cloned disks are its own.
      if (owned.size === 0 ? vm.other_config[OC.image] === undefined : owned.has(vdi.uuid)) disks.push(vbd.VDI);
    }
    await this.#client.call('VM.destroy', ref);
    for (const vdi of disks) await this.#client.call('VDI.destroy', vdi);
  }

  async #power(nativeId: string, action: 'start' | 'stop' | 'stop-force' | 'reboot'): Promise<void> {
    const { ref, vm, starting } = await this.#vm(nativeId);
    const { state } = instanceState(vm, starting);
    const need = action === 'start' ? 'stopped' : 'running';
    if (state !== need) {
      throw new SkyportError('InvalidState', `instance ${nativeId} is ${state}; ${action.replace('-force', '')} needs it ${need}`, {
        providerCode: 'VM_BAD_POWER_STATE',
        details: { current: state, required: [need] },
      });
    }
    switch (action) {
      case 'start':
        if (vm.power_state === 'Suspended') await this.#client.call('VM.resume', ref, false, false);
        else await this.#client.call('VM.start', ref, false, false);
        return;
      case 'stop-force':
        await this.#client.call('VM.hard_shutdown', ref);
        return;
      case 'stop':
        await this.#withoutGuestTools(() => this.#client.call('VM.clean_shutdown', ref), () => this.#client.call('VM.hard_shutdown', ref));
        return;
      case 'reboot':
        await this.#withoutGuestTools(() => this.#client.call('VM.clean_reboot', ref), () => this.#client.call('VM.hard_reboot', ref));
    }
  }

  /** Clean operations need the guest's PV drivers; without them XAPI refuses and a hard one is the only way. */
  async #withoutGuestTools(clean: () => Promise<unknown>, hard: () => Promise<unknown>): Promise<void> {
    try {
      await clean();
    } catch (error) {
      if (error instanceof SkyportError && /^VM_(LACKS_FEATURE|MISSING_PV_DRIVERS)/.test(error.providerCode ?? '')) await hard();
      else throw error;
    }
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
    const { ref } = await this.#vm(nativeId);
    // The start a create began may still be running: a VM that turns Running after the power
    // state was read refuses VM.destroy, so that task is waited for first.
    const start = this.#starting.get(nativeId);
    if (start !== undefined) {
      const deadline = Date.now() + START_WAIT_MS;
      while (Date.now() < deadline && (await this.#client.call<TaskRecord>('task.get_record', start).catch(() => undefined))?.status === 'pending') await sleep(50);
      this.#starting.delete(nativeId);
      await this.#client.call('task.destroy', start).catch(() => undefined);
    }
    await this.#destroyVm(ref);
  }

  // ---- key pairs: XAPI has none ----------------------------------------------------------

  async listKeyPairs(): Promise<NativeKeyPair[]> {
    return [];
  }

  async createKeyPair(): Promise<CreatedKeyPair> {
    throw unsupported('createKeyPair');
  }

  async importKeyPair(): Promise<NativeKeyPair> {
    throw unsupported('importKeyPair');
  }

  async deleteKeyPair(): Promise<void> {
    throw unsupported('deleteKeyPair');
  }

  // ---- volumes and snapshots -------------------------------------------------------------

  /** VDIs that are volumes: user data disks outside ISO libraries, not a VM's boot disk, not a template's. */
  #volumeVdis(inv: Inventory): [Ref, VdiRecord][] {
    return Object.entries(inv.vdis).filter(([, vdi]) => {
      if (vdi.is_a_snapshot || vdi.type !== 'user' || inv.srs[vdi.SR]?.content_type === 'iso') return false;
      return !vdi.VBDs.some((r) => {
        const vbd = inv.vbds[r];
        const vm = vbd === undefined ? undefined : inv.vms[vbd.VM];
        return vbd !== undefined && (vm?.is_a_template === true || vbd.userdevice === '0' || vbd.bootable);
      });
    });
  }

  #volumeView(inv: Inventory, vdi: VdiRecord, poolUuid: string): NativeVolume {
    const vbd = vdi.VBDs.map((r) => inv.vbds[r]).find((b) => b !== undefined && inv.vms[b.VM] !== undefined);
    const vm = vbd === undefined ? undefined : inv.vms[vbd.VM];
    const snapshot = vdi.other_config[OC.snapshot];
    return {
      nativeId: vdi.uuid,
      name: vdi.name_label,
      sizeGiB: Math.max(1, Math.ceil(int(vdi.virtual_size) / GiB)),
      state: vbd === undefined ? 'available' : 'in-use',
      locationId: poolUuid,
      ...(snapshot === undefined ? {} : { snapshotId: snapshot }),
      ...(vbd === undefined || vm === undefined ? {} : { attachment: { instanceId: vm.uuid, device: vbd.device === '' ? `xvd${String.fromCharCode(97 + Number(vbd.userdevice))}` : vbd.device } }),
      tags: tagsOf(vdi.tags),
      createdAt: vdi.other_config[OC.created] ?? EPOCH,
    };
  }

  async listVolumes(): Promise<NativeVolume[]> {
    const [inv, pool] = await Promise.all([this.#inventory(), this.#pool()]);
    return this.#volumeVdis(inv).map(([, vdi]) => this.#volumeView(inv, vdi, pool.uuid));
  }

  async #volume(uuid: string): Promise<{ ref: Ref; vdi: VdiRecord; inv: Inventory }> {
    const inv = await this.#inventory();
    const found = this.#volumeVdis(inv).find(([, v]) => v.uuid === uuid);
    if (found === undefined) throw notFound('volume', uuid);
    return { ref: found[0], vdi: found[1], inv };
  }

  async #sr(pool: PoolRecord): Promise<Ref> {
    const name = this.#settings.sr;
    if (name === undefined) {
      if (pool.default_SR === '' || pool.default_SR === 'OpaqueRef:NULL') throw invalid('settings.sr', 'the pool has no default SR; set the provider setting sr to an SR name or uuid');
      return pool.default_SR;
    }
    const srs = await this.#client.call<Record<Ref, SrRecord>>('SR.get_all_records');
    const found = Object.entries(srs).find(([, s]) => s.uuid === name || s.name_label === name);
    if (found === undefined) throw invalid('settings.sr', `SR ${name} does not exist in this pool; known: ${Object.values(srs).map((s) => s.name_label).join(', ')}`);
    return found[0];
  }

  #checkTagCount(tags: Tags): void {
    if (Object.keys(tags).length > MAX_TAGS) throw invalid('tags', `${Object.keys(tags).length} tags on one resource; at most ${MAX_TAGS} are allowed`);
  }

  async createVolume(request: DriverCreateVolumeRequest): Promise<NativeVolume> {
    if (request.name.trim() === '') throw invalid('name', 'a volume needs a name');
    const pool = await this.#pool();
    if (request.locationId !== undefined && request.locationId !== pool.uuid) throw new SkyportError('NotFound', `location ${request.locationId} does not exist; this pool is ${pool.uuid}`);
    this.#checkTagCount(request.tags ?? {});
    let ref: Ref;
    if (request.snapshotId !== undefined) {
      const snap = await this.#snapshot(request.snapshotId);
      if (!Number.isInteger(request.sizeGiB) || request.sizeGiB * GiB < int(snap.vdi.virtual_size) || request.sizeGiB > MAX_VOLUME_GIB) {
        throw invalid('sizeGiB', `sizeGiB ${request.sizeGiB} must be an integer from the snapshot's size (${Math.ceil(int(snap.vdi.virtual_size) / GiB)} GiB) to ${MAX_VOLUME_GIB}`);
      }
      ref = await this.#client.call<Ref>('VDI.clone', snap.ref, {});
      await this.#client.call('VDI.set_name_label', ref, request.name);
      if (request.sizeGiB * GiB > int(snap.vdi.virtual_size)) await this.#client.call('VDI.resize', ref, request.sizeGiB * GiB);
      for (const tag of snap.vdi.tags) await this.#client.call('VDI.remove_tags', ref, tag);
      await this.#client.call('VDI.add_to_other_config', ref, OC.snapshot, request.snapshotId);
    } else {
      if (!Number.isInteger(request.sizeGiB) || request.sizeGiB < 1 || request.sizeGiB > MAX_VOLUME_GIB) {
        throw invalid('sizeGiB', `sizeGiB ${request.sizeGiB} must be an integer from 1 to ${MAX_VOLUME_GIB}`);
      }
      ref = await this.#client.call<Ref>('VDI.create', {
        name_label: request.name,
        name_description: '',
        SR: await this.#sr(pool),
        virtual_size: request.sizeGiB * GiB,
        type: 'user',
        sharable: false,
        read_only: false,
        other_config: {},
        xenstore_data: {},
        sm_config: {},
        tags: [],
      });
    }
    // A clone carries its source's marks; a volume gets its own.
    if (request.snapshotId !== undefined) await this.#client.call('VDI.remove_from_other_config', ref, OC.created);
    await this.#client.call('VDI.add_to_other_config', ref, OC.created, new Date().toISOString());
    for (const [k, v] of Object.entries(request.tags ?? {})) await this.#client.call('VDI.add_tags', ref, `${k}=${v}`);
    const inv = await this.#inventory();
    const vdi = inv.vdis[ref];
    if (vdi === undefined) throw new SkyportError('ProviderError', `the new VDI ${ref} is not listed`);
    return this.#volumeView(inv, vdi, pool.uuid);
  }

  async attachVolume(volumeId: string, instanceId: string, device?: string): Promise<void> {
    const { ref, vdi, inv } = await this.#volume(volumeId);
    const { ref: vmRef, vm } = await this.#vm(instanceId);
    if (vdi.VBDs.some((r) => inv.vbds[r] !== undefined)) {
      throw new SkyportError('InvalidState', `volume ${volumeId} is in-use; attach needs it available`, { details: { current: 'in-use', required: ['available'] } });
    }
    const allowed = await this.#client.call<string[]>('VM.get_allowed_VBD_devices', vmRef);
    let userdevice = allowed[0];
    if (device !== undefined) {
      const wanted = /^(?:xvd|sd|hd)([a-z])$/.exec(device)?.[1];
      const index = wanted === undefined ? device : String(wanted.charCodeAt(0) - 97);
      if (!allowed.includes(index)) throw invalid('device', `device ${device} is not free on instance ${instanceId}; free: ${allowed.map((d) => `xvd${String.fromCharCode(97 + Number(d))}`).join(', ')}`);
      userdevice = index;
    }
    if (userdevice === undefined) throw new SkyportError('QuotaExceeded', `instance ${instanceId} has no free disk slot`);
    const vbd = await this.#client.call<Ref>('VBD.create', {
      VM: vmRef,
      VDI: ref,
      userdevice,
      bootable: false,
      mode: 'RW',
      type: 'Disk',
      unpluggable: true,
      empty: false,
      other_config: {},
      qos_algorithm_type: '',
      qos_algorithm_params: {},
    });
    if (vm.power_state === 'Running') {
      try {
        await this.#client.call('VBD.plug', vbd);
      } catch (error) {
        await this.#client.call('VBD.destroy', vbd).catch(() => undefined);
        throw error;
      }
    }
  }

  async detachVolume(volumeId: string): Promise<void> {
    const { vdi, inv } = await this.#volume(volumeId);
    const vbds = vdi.VBDs.filter((r) => inv.vbds[r] !== undefined);
    if (vbds.length === 0) throw new SkyportError('InvalidState', `volume ${volumeId} is available; detach needs it in-use`, { details: { current: 'available', required: ['in-use'] } });
    for (const r of vbds) {
      if (inv.vbds[r]?.currently_attached === true) await this.#client.call('VBD.unplug', r);
      await this.#client.call('VBD.destroy', r);
    }
  }

  async deleteVolume(volumeId: string): Promise<void> {
    const { ref, vdi, inv } = await this.#volume(volumeId);
    if (vdi.VBDs.some((r) => inv.vbds[r] !== undefined)) {
      throw new SkyportError('InvalidState', `volume ${volumeId} is in-use (attached); detach it before deleting`, { details: { current: 'in-use', required: ['available'] } });
    }
    await this.#client.call('VDI.destroy', ref);
  }

  #snapshotView(inv: Inventory, vdi: VdiRecord): NativeSnapshot {
    return {
      nativeId: vdi.uuid,
      name: vdi.name_label,
      volumeId: inv.vdis[vdi.snapshot_of]?.uuid ?? '',
      sizeGiB: Math.max(1, Math.ceil(int(vdi.virtual_size) / GiB)),
      state: 'completed',
      progress: 100,
      tags: tagsOf(vdi.tags),
      createdAt: vdi.snapshot_time !== '' && !Number.isNaN(Date.parse(vdi.snapshot_time)) ? new Date(vdi.snapshot_time).toISOString() : EPOCH,
    };
  }

  #snapshotVdis(inv: Inventory): [Ref, VdiRecord][] {
    return Object.entries(inv.vdis).filter(([, v]) => v.is_a_snapshot && inv.srs[v.SR]?.content_type !== 'iso');
  }

  async listSnapshots(): Promise<NativeSnapshot[]> {
    const inv = await this.#inventory();
    return this.#snapshotVdis(inv).map(([, v]) => this.#snapshotView(inv, v));
  }

  async #snapshot(uuid: string): Promise<{ ref: Ref; vdi: VdiRecord; inv: Inventory }> {
    const inv = await this.#inventory();
    const found = this.#snapshotVdis(inv).find(([, v]) => v.uuid === uuid);
    if (found === undefined) throw notFound('snapshot', uuid);
    return { ref: found[0], vdi: found[1], inv };
  }

  async createSnapshot(request: DriverCreateSnapshotRequest): Promise<NativeSnapshot> {
    if (request.name.trim() === '') throw invalid('name', 'a snapshot needs a name');
    this.#checkTagCount(request.tags ?? {});
    const { ref: volumeRef } = await this.#volume(request.volumeId);
    const ref = await this.#client.call<Ref>('VDI.snapshot', volumeRef, {});
    await this.#client.call('VDI.set_name_label', ref, request.name);
    const copied = await this.#client.call<VdiRecord>('VDI.get_record', ref);
    for (const tag of copied.tags) await this.#client.call('VDI.remove_tags', ref, tag);
    for (const [k, v] of Object.entries(request.tags ?? {})) await this.#client.call('VDI.add_tags', ref, `${k}=${v}`);
    const inv = await this.#inventory();
    const vdi = inv.vdis[ref];
    if (vdi === undefined) throw new SkyportError('ProviderError', `the new snapshot ${ref} is not listed`);
    return this.#snapshotView(inv, vdi);
  }

  async deleteSnapshot(nativeId: string): Promise<void> {
    const { ref } = await this.#snapshot(nativeId);
    await this.#client.call('VDI.destroy', ref);
  }

  // ---- images ----------------------------------------------------------------------------

  async #image(uuid: string): Promise<{ ref: Ref; vm: VmRecord; inv: Inventory }> {
    const inv = await this.#inventory();
    const found = Object.entries(inv.vms).find(([, vm]) => vm.uuid === uuid && this.#isImage(vm));
    if (found === undefined) throw notFound('image', uuid);
    return { ref: found[0], vm: found[1], inv };
  }

  async #assertImageNameFree(name: string): Promise<void> {
    if (name.trim() === '') throw invalid('name', 'an image needs a name');
    const vms = await this.#client.call<Record<Ref, VmRecord>>('VM.get_all_records');
    if (Object.values(vms).some((vm) => this.#isImage(vm) && vm.name_label === name)) {
      throw new SkyportError('AlreadyExists', `an image (template) named ${name} already exists in this pool; choose another name`, { details: { field: 'name' } });
    }
  }

  async #describeImage(ref: Ref, options: { readonly description?: string; readonly tags?: Tags; readonly os?: string }): Promise<void> {
    this.#checkTagCount(options.tags ?? {});
    await this.#client.call('VM.set_name_description', ref, options.description ?? '');
    const current = await this.#client.call<VmRecord>('VM.get_record', ref);
    for (const tag of current.tags) await this.#client.call('VM.remove_tags', ref, tag);
    for (const [k, v] of Object.entries(options.tags ?? {})) await this.#client.call('VM.add_tags', ref, `${k}=${v}`);
    const config: Record<string, string> = { [OC.created]: new Date().toISOString(), ...(options.os === undefined ? {} : { [OC.os]: options.os }) };
    // A copy of a VM keeps the marks of the VM it was made from; an image has its own.
    for (const key of ['default_template', OC.image, OC.profile, OC.ownedDisks, OC.created, OC.os]) await this.#client.call('VM.remove_from_other_config', ref, key);
    for (const [k, v] of Object.entries(config)) await this.#client.call('VM.add_to_other_config', ref, k, v);
  }

  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    await this.#assertImageNameFree(request.name);
    // Format by magic, no backing file, no outside extents: refused before anything is sent.
    const info = await imageInfo(request.path, request.format);
    const total = info.virtualSizeBytes;
    const pool = await this.#pool();
    const inv = await this.#inventory();
    const base = Object.entries(inv.vms).find(([, vm]) => vm.is_a_template && vm.name_label === this.#settings.importTemplate);
    if (base === undefined) throw invalid('settings.importTemplate', `the template "${this.#settings.importTemplate}" that imported disks are wrapped in does not exist in this pool`);
    await mkdir(this.#dataDir, { recursive: true });
    const work = await mkdtemp(join(this.#dataDir, 'xen-import-'));
    let vdiRef: Ref | undefined;
    let templateRef: Ref | undefined;
    try {
      // Raw and VHD go as they are; other formats become a dynamic VHD first (only used blocks travel).
      let upload = request.path;
      const format: 'raw' | 'vhd' = request.format === 'raw' ? 'raw' : 'vhd';
      if (request.format !== 'raw' && request.format !== 'vhd') {
        upload = join(work, 'disk.vhd');
        await convertImage({
          source: request.path,
          sourceFormat: request.format,
          target: upload,
          targetFormat: 'vhd',
          onProgress: (p) => request.onProgress?.(Math.round((total * p * 0.5) / 100), total),
          ...(request.signal === undefined ? {} : { signal: request.signal }),
        });
      }
      const sizeBytes = Math.ceil(total / MiB) * MiB;
      vdiRef = await this.#client.call<Ref>('VDI.create', {
        name_label: request.name,
        name_description: request.description ?? '',
        SR: await this.#sr(pool),
        virtual_size: sizeBytes,
        type: 'user',
        sharable: false,
        read_only: false,
        other_config: {},
        xenstore_data: {},
        sm_config: {},
        tags: [],
      });
      const offset = upload === request.path ? 0 : 0.5;
      await this.#client.importVdi(vdiRef, upload, format, (done, size) => request.onProgress?.(Math.round(total * (offset + (1 - offset) * (done / Math.max(1, size)) * 0.95)), total), request.signal);
      templateRef = await this.#client.call<Ref>('VM.clone', base[0], request.name);
      await this.#client.call('VBD.create', {
        VM: templateRef,
        VDI: vdiRef,
        userdevice: '0',
        bootable: true,
        mode: 'RW',
        type: 'Disk',
        unpluggable: false,
        empty: false,
        other_config: {},
        qos_algorithm_type: '',
        qos_algorithm_params: {},
      });
      await this.#client.call('VM.set_HVM_boot_params', templateRef, { order: 'cd' });
      await this.#describeImage(templateRef, { ...(request.description === undefined ? {} : { description: request.description }), ...(request.tags === undefined ? {} : { tags: request.tags }), ...(request.os === undefined ? {} : { os: request.os }) });
      const done = await this.#image(await this.#client.call<string>('VM.get_uuid', templateRef));
      request.onProgress?.(total, total);
      return this.#imageView(done.inv, done.vm);
    } catch (error) {
      if (templateRef !== undefined) await this.#client.call('VM.destroy', templateRef).catch(() => undefined);
      if (vdiRef !== undefined) await this.#client.call('VDI.destroy', vdiRef).catch(() => undefined);
      throw error;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async createImageFromInstance(instanceNativeId: string, name: string, options: { readonly description?: string; readonly tags?: Tags } = {}): Promise<NativeImage> {
    const { ref, vm, starting } = await this.#vm(instanceNativeId);
    const { state } = instanceState(vm, starting);
    if (state !== 'stopped') {
      throw new SkyportError('InvalidState', `instance ${instanceNativeId} is ${state}; an image is made from a stopped instance`, { details: { current: state, required: ['stopped'] } });
    }
    await this.#assertImageNameFree(name);
    // VM.copy makes full, independent disks, so the image outlives the VM and vice versa.
    const copy = await this.#client.call<Ref>('VM.copy', ref, name, 'OpaqueRef:NULL');
    try {
      await this.#client.call('VM.set_is_a_template', copy, true);
      await this.#describeImage(copy, options);
      const image = await this.#image(await this.#client.call<string>('VM.get_uuid', copy));
      return this.#imageView(image.inv, image.vm);
    } catch (error) {
      await this.#client.call('VM.destroy', copy).catch(() => undefined);
      throw error;
    }
  }

  async deleteImage(nativeId: string): Promise<void> {
    const { ref, vm, inv } = await this.#image(nativeId);
    const disks = vm.VBDs.map((r) => inv.vbds[r]).filter((b): b is VbdRecord => b !== undefined && b.type === 'Disk').map((b) => b.VDI);
    await this.#client.call('VM.destroy', ref);
    for (const vdi of disks) await this.#client.call('VDI.destroy', vdi);
  }

  async exportDisk(kind: 'image' | 'instance', nativeId: string, options: { readonly signal?: AbortSignal } = {}): Promise<ExportedDisk> {
    let root: { vdiRef: Ref; vdi: VdiRecord } | undefined;
    if (kind === 'image') {
      const { vm, inv } = await this.#image(nativeId);
      root = this.#rootDisk(inv, vm);
    } else {
      const { ref, vm, starting } = await this.#vm(nativeId);
      const { state } = instanceState(vm, starting);
      if (state !== 'stopped') {
        throw new SkyportError('InvalidState', `instance ${nativeId} is ${state}; its disk is exported only while it is stopped`, { details: { current: state, required: ['stopped'] } });
      }
      const inv = await this.#inventory();
      const current = inv.vms[ref];
      root = current === undefined ? undefined : this.#rootDisk(inv, current);
    }
    if (root === undefined) throw new SkyportError('NotFound', `${kind} ${nativeId} has no disk to export`);
    await mkdir(this.#dataDir, { recursive: true });
    const dir = await mkdtemp(join(this.#dataDir, 'xen-export-'));
    // VHD carries only allocated blocks; raw would send every zero of the disk.
    const path = join(dir, `${randomUUID()}.vhd`);
    try {
      await this.#client.exportVdi(root.vdiRef, path, 'vhd', options.signal);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return { path, format: 'vhd', virtualSizeBytes: int(root.vdi.virtual_size), release: () => rm(dir, { recursive: true, force: true }) };
  }

  // ---- tags ------------------------------------------------------------------------------

  async updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void> {
    let cls: 'VM' | 'VDI';
    let ref: Ref;
    let current: readonly string[];
    switch (kind) {
      case 'instance': {
        const found = await this.#vm(nativeId);
        [cls, ref, current] = ['VM', found.ref, found.vm.tags];
        break;
      }
      case 'image': {
        const found = await this.#image(nativeId);
        [cls, ref, current] = ['VM', found.ref, found.vm.tags];
        break;
      }
      case 'volume': {
        const found = await this.#volume(nativeId);
        [cls, ref, current] = ['VDI', found.ref, found.vdi.tags];
        break;
      }
      case 'snapshot': {
        const found = await this.#snapshot(nativeId);
        [cls, ref, current] = ['VDI', found.ref, found.vdi.tags];
        break;
      }
      default:
        throw new SkyportError('Unsupported', `the xen driver has no ${kind} tags; taggable: instance, volume, snapshot, image`);
    }
    const { remove, add, result } = tagChange(current, change);
    if (Object.keys(result).length > MAX_TAGS) {
      throw new SkyportError('InvalidArgument', `${kind} ${nativeId} would have ${Object.keys(result).length} tags; at most ${MAX_TAGS} are allowed`, { details: { field: 'tags', max: MAX_TAGS } });
    }
    for (const tag of remove) await this.#client.call(`${cls}.remove_tags`, ref, tag);
    for (const tag of add) await this.#client.call(`${cls}.add_tags`, ref, tag);
  }
}
