/**
 * The vSphere driver: vim25 SOAP against vCenter or a standalone ESXi host. Templates are
 * images, VMs are instances, datacenters are regions, clusters and standalone hosts are zones.
 * Creating an instance clones a template (CloneVM_Task), sizes the clone (ReconfigVM_Task) and
 * powers it on; every task is awaited through the PropertyCollector.
 */
import { SkyportError, dimensionAllows, type TaggableKind, type Tags } from '@skyport/model';
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
import { downloadRootDisk } from './disk-export.js';
import { importDiskAsVm } from './ovf-import.js';
import { PropertyReader } from './property-reader.js';
import { child, el, moRef, text, toMoRef, type MoRef } from './soap-xml.js';
import { readTopology, toLocations, type ComputeResource, type Topology } from './topology.js';
import { VimClient } from './vim-client.js';
import { EXTRA, VM_PATHS, diskGiB, tagsOf, toImage, toInstance, toVmRecord, type VmRecord } from './vm-record.js';
import { MAX_TAGS_PER_VM, VSPHERE_PROFILES } from './vsphere-catalogue.js';
import type { VsphereSettings } from './vsphere-settings.js';

const VM = (value: string): MoRef => ({ type: 'VirtualMachine', value });
const POWER_WORDS: Readonly<Record<string, string>> = { poweredOn: 'running', poweredOff: 'stopped', suspended: 'suspended (stopped)' };

function unsupported(what: string): SkyportError {
  return new SkyportError('Unsupported', `vSphere has no ${what} in Skyport's model; the vsphere driver does not offer it`, { providerCode: 'NotSupported' });
}

function notFound(kind: string, id: string, why = 'does not exist in this vCenter'): SkyportError {
  return new SkyportError('NotFound', `${kind} ${JSON.stringify(id)} ${why}`, { providerCode: 'ManagedObjectNotFound', details: { kind, id } });
}

function invalidState(vm: VmRecord, action: string, needs: string): SkyportError {
  const now = POWER_WORDS[vm.powerState] ?? vm.powerState;
  return new SkyportError('InvalidState', `cannot ${action} instance ${vm.ref.value} (${vm.name}): it is ${now} (${vm.powerState}); ${action} needs ${needs}`, {
    providerCode: 'InvalidPowerState',
    details: { state: now, rawState: vm.powerState, action },
  });
}

/** One `OptionValue` of a config spec's extraConfig; an empty value deletes the key. */
function option(key: string, value: string): string {
  return el('extraConfig', [text('key', key), text('value', value, 'xsd:string')], 'OptionValue');
}

export class VsphereCloudDriver implements CloudDriver {
  readonly #client: VimClient;
  readonly #reader: PropertyReader;
  readonly #dataDir: string;
  /** VMs asked to shut down through VMware Tools that are still on: shown as `stopping`. */
  readonly #shuttingDown = new Set<string>();

  constructor(config: DriverConfig, settings: VsphereSettings) {
    this.#dataDir = config.dataDir;
    this.#client = new VimClient({
      url: settings.url,
      username: settings.username,
      password: settings.password,
      insecureTls: settings.insecureTls,
      ...(settings.caCertificate === undefined ? {} : { caCertificate: settings.caCertificate }),
      requestTimeoutMs: settings.requestTimeoutMs,
    });
    this.#reader = new PropertyReader(this.#client, { pageSize: settings.pageSize, taskPollMs: settings.taskPollMs, taskTimeoutMs: settings.taskTimeoutMs });
  }

  async testConnection(): Promise<void> {
    await this.#client.login();
  }

  async listLocations(): Promise<NativeLocation[]> {
    return toLocations(await readTopology(this.#reader));
  }

  async listHardwareProfiles(): Promise<NativeHardwareProfile[]> {
    return [...VSPHERE_PROFILES];
  }

  async listImages(): Promise<NativeImage[]> {
    return (await this.#allVms()).filter((vm) => vm.template).map(toImage);
  }

  async listInstances(): Promise<NativeInstance[]> {
    const [vms, topology] = await Promise.all([this.#allVms(), readTopology(this.#reader)]);
    return vms.filter((vm) => !vm.template).map((vm) => this.#toInstance(vm, topology));
  }

  async getInstance(nativeId: string): Promise<NativeInstance | undefined> {
    const vm = await this.#vm(nativeId);
    if (vm === undefined || vm.template) return undefined;
    return this.#toInstance(vm, await readTopology(this.#reader));
  }

  async createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    if (request.keyName !== undefined) throw unsupported('key pairs (put an SSH key in user-data for cloud-init instead)');
    if (request.securityGroupIds !== undefined && request.securityGroupIds.length > 0) throw unsupported('security groups');
    const name = request.name.trim();
    if (name === '' || name.length > 80) {
      throw new SkyportError('InvalidArgument', `instance name ${JSON.stringify(request.name)} must be 1 to 80 characters (vSphere's limit)`, { details: { field: 'name' } });
    }
    const profile = VSPHERE_PROFILES.find((p) => p.nativeId === request.hardwareProfileId);
    if (profile === undefined) {
      throw notFound('hardware profile', request.hardwareProfileId, `does not exist; vsphere offers ${VSPHERE_PROFILES.map((p) => p.nativeId).join(', ')}`);
    }
    for (const [field, value, dimension] of [
      ['cpus', request.cpus, profile.cpus],
      ['memoryMiB', request.memoryMiB, profile.memoryMiB],
      ['diskGiB', request.diskGiB, profile.diskGiB],
    ] as const) {
      if (!dimensionAllows(dimension, value)) {
        throw new SkyportError('InvalidArgument', `${field} ${value} is outside hardware profile ${profile.nativeId}: allowed ${JSON.stringify(dimension)}`, {
          details: { field, value, allowed: dimension },
        });
      }
    }
    const template = await this.#vm(request.imageId);
    if (template === undefined || !template.template) {
      throw notFound('image', request.imageId, template === undefined ? 'does not exist in this vCenter' : 'is a virtual machine, not a template');
    }
    const templateGiB = diskGiB(template);
    if (request.diskGiB < templateGiB) {
      throw new SkyportError('InvalidArgument', `diskGiB ${request.diskGiB} is smaller than image ${template.name}'s disk of ${templateGiB} GiB; disks can only grow`, {
        details: { field: 'diskGiB', value: request.diskGiB, min: templateGiB },
      });
    }
    const topology = await readTopology(this.#reader);
    const compute = this.#placement(topology, template, request.locationId);
    const datacenter = compute.datacenter === undefined ? undefined : topology.datacenters.get(compute.datacenter);
    if (compute.pool === undefined || datacenter?.vmFolder === undefined) {
      throw new SkyportError('ProviderError', `zone ${compute.name} has no resource pool or datacenter VM folder to place a clone in`, { providerCode: 'NoPlacement' });
    }

    await this.#assertNameFree(datacenter.vmFolder, name, 'instance');
    const cloneSpec = el('spec', [el('location', moRef('pool', compute.pool)), text('template', false), text('powerOn', false)]);
    const result = await this.#reader.runTask(
      'CloneVM_Task',
      template.ref,
      moRef('folder', datacenter.vmFolder) + text('name', name) + cloneSpec,
      `cloning image ${template.ref.value} (${template.name}) to ${JSON.stringify(name)}`,
    );
    const created = toMoRef(result);
    if (created === undefined) throw new SkyportError('ProviderError', `vSphere cloned ${template.ref.value} but named no new VM`, { providerCode: 'MalformedResponse' });

    try {
      await this.#reconfigure(created, `sizing new instance ${created.value}`, {
        cpus: request.cpus,
        memoryMiB: request.memoryMiB,
        growDiskGiB: request.diskGiB,
        extra: {
          [EXTRA.image]: template.ref.value,
          [EXTRA.profile]: profile.nativeId,
          [EXTRA.tags]: JSON.stringify(request.tags ?? {}),
          [EXTRA.createdAt]: new Date().toISOString(),
          [EXTRA.private]: '',
          // cloud-init's VMware datasource reads these (guestinfo, base64).
          ...(request.userData === undefined
            ? {}
            : {
                'guestinfo.userdata': Buffer.from(request.userData).toString('base64'),
                'guestinfo.userdata.encoding': 'base64',
                'guestinfo.metadata': Buffer.from(JSON.stringify({ 'instance-id': created.value, 'local-hostname': name })).toString('base64'),
                'guestinfo.metadata.encoding': 'base64',
              }),
        },
      });
    } catch (error) {
      // A clone that cannot be sized as asked is removed, not left half-made.
      await this.#reader.runTask('Destroy_Task', created, '', `removing clone ${created.value} after a failed reconfigure`).catch(() => undefined);
      throw error;
    }
    const vm = await this.#vm(created.value);
    if (vm === undefined) throw notFound('instance', created.value, 'vanished right after it was created');
    // Power-on is requested, not awaited: the broker follows the instance to running.
    await this.#client.call('PowerOnVM_Task', created, '', `powering on new instance ${created.value}`);
    return { ...this.#toInstance(vm, topology), state: 'pending', stateReason: 'powering on' };
  }

  async startInstance(nativeId: string): Promise<void> {
    const vm = await this.#instance(nativeId);
    if (vm.powerState === 'poweredOn') throw invalidState(vm, 'start', 'stopped or suspended');
    await this.#reader.runTask('PowerOnVM_Task', vm.ref, '', `powering on ${vm.ref.value} (${vm.name})`);
  }

  async stopInstance(nativeId: string, options?: { readonly force?: boolean }): Promise<void> {
    const vm = await this.#instance(nativeId);
    if (vm.powerState !== 'poweredOn' || this.#shuttingDown.has(nativeId)) {
      if (vm.powerState === 'poweredOn') throw new SkyportError('InvalidState', `instance ${nativeId} is already stopping (guest shutdown requested)`, { providerCode: 'InvalidPowerState' });
      throw invalidState(vm, 'stop', 'running');
    }
    if (options?.force !== true && vm.toolsRunning) {
      // A clean shutdown through VMware Tools; vSphere answers at once and the guest follows.
      await this.#client.call('ShutdownGuest', vm.ref, '', `shutting down the guest of ${vm.ref.value} (${vm.name})`);
      this.#shuttingDown.add(nativeId);
      return;
    }
    // Without VMware Tools running, a stop can only be a power-off.
    await this.#reader.runTask('PowerOffVM_Task', vm.ref, '', `powering off ${vm.ref.value} (${vm.name})`);
  }

  async rebootInstance(nativeId: string): Promise<void> {
    const vm = await this.#instance(nativeId);
    if (vm.powerState !== 'poweredOn') throw invalidState(vm, 'reboot', 'running');
    if (vm.toolsRunning) {
      await this.#client.call('RebootGuest', vm.ref, '', `rebooting the guest of ${vm.ref.value} (${vm.name})`);
      return;
    }
    await this.#reader.runTask('ResetVM_Task', vm.ref, '', `resetting ${vm.ref.value} (${vm.name}); VMware Tools are not running, so no clean reboot`);
  }

  async destroyInstance(nativeId: string): Promise<void> {
    const vm = await this.#instance(nativeId);
    if (vm.powerState !== 'poweredOff') {
      await this.#reader.runTask('PowerOffVM_Task', vm.ref, '', `powering off ${vm.ref.value} (${vm.name}) before destroying it`);
    }
    await this.#reader.runTask('Destroy_Task', vm.ref, '', `destroying ${vm.ref.value} (${vm.name})`);
    this.#shuttingDown.delete(nativeId);
  }

  async listKeyPairs(): Promise<NativeKeyPair[]> {
    return [];
  }

  async createKeyPair(): Promise<CreatedKeyPair> {
    throw unsupported('key pairs');
  }

  async importKeyPair(): Promise<NativeKeyPair> {
    throw unsupported('key pairs');
  }

  async deleteKeyPair(): Promise<void> {
    throw unsupported('key pairs');
  }

  async listVolumes(): Promise<NativeVolume[]> {
    return [];
  }

  async createVolume(_request: DriverCreateVolumeRequest): Promise<NativeVolume> {
    throw unsupported('volumes');
  }

  async attachVolume(): Promise<void> {
    throw unsupported('volumes');
  }

  async detachVolume(): Promise<void> {
    throw unsupported('volumes');
  }

  async deleteVolume(): Promise<void> {
    throw unsupported('volumes');
  }

  async listSnapshots(): Promise<NativeSnapshot[]> {
    return [];
  }

  async createSnapshot(_request: DriverCreateSnapshotRequest): Promise<NativeSnapshot> {
    throw unsupported('volume snapshots (VM snapshots are not volume snapshots)');
  }

  async deleteSnapshot(): Promise<void> {
    throw unsupported('volume snapshots (VM snapshots are not volume snapshots)');
  }

  async createImageFromInstance(instanceNativeId: string, name: string, options?: { readonly description?: string; readonly tags?: Tags }): Promise<NativeImage> {
    const vm = await this.#instance(instanceNativeId);
    const topology = await readTopology(this.#reader);
    const compute = this.#placement(topology, vm, undefined);
    const datacenter = compute.datacenter === undefined ? undefined : topology.datacenters.get(compute.datacenter);
    if (compute.pool === undefined || datacenter?.vmFolder === undefined) {
      throw new SkyportError('ProviderError', `zone ${compute.name} has no resource pool or VM folder for the image`, { providerCode: 'NoPlacement' });
    }
    await this.#assertNameFree(datacenter.vmFolder, name, 'image');
    // Cloned as a VM first, then marked as a template: a template cannot be reconfigured.
    const result = await this.#reader.runTask(
      'CloneVM_Task',
      vm.ref,
      moRef('folder', datacenter.vmFolder) + text('name', name) + el('spec', [el('location', moRef('pool', compute.pool)), text('template', false), text('powerOn', false)]),
      `cloning instance ${vm.ref.value} (${vm.name}) to image ${JSON.stringify(name)}`,
    );
    const created = toMoRef(result);
    if (created === undefined) throw new SkyportError('ProviderError', `vSphere cloned ${vm.ref.value} but named no new VM`, { providerCode: 'MalformedResponse' });
    return this.#finishImage(created, options?.description, options?.tags, `the clone ${created.value}`);
  }

  /** Describes a new VM (notes, tags) and marks it as a template; removes it if that fails. */
  async #finishImage(created: MoRef, description: string | undefined, tags: Tags | undefined, what: string): Promise<NativeImage> {
    try {
      await this.#reconfigure(created, `describing image ${created.value}`, {
        annotation: description ?? '',
        extra: {
          [EXTRA.private]: 'true',
          [EXTRA.tags]: JSON.stringify(tags ?? {}),
          [EXTRA.createdAt]: new Date().toISOString(),
          [EXTRA.image]: '',
          [EXTRA.profile]: '',
        },
      });
      await this.#client.call('MarkAsTemplate', created, '', `marking ${created.value} as a template`);
    } catch (error) {
      await this.#reader.runTask('Destroy_Task', created, '', `removing ${what} after a failed image creation`).catch(() => undefined);
      throw error;
    }
    const template = await this.#vm(created.value);
    if (template === undefined) throw notFound('image', created.value, 'vanished right after it was created');
    return toImage(template);
  }

  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    const name = request.name.trim();
    if (name === '' || name.length > 80) {
      throw new SkyportError('InvalidArgument', `image name ${JSON.stringify(request.name)} must be 1 to 80 characters (vSphere's limit)`, { details: { field: 'name' } });
    }
    if (request.architecture !== 'x86_64') {
      throw new SkyportError('InvalidArgument', `architecture ${request.architecture} cannot run on vSphere's x86 hosts; only x86_64 images are imported`, { details: { field: 'architecture' } });
    }
    const topology = await readTopology(this.#reader);
    const compute = [...topology.computes.values()].find((c) => c.available && c.pool !== undefined && c.datastores.length > 0);
    const datacenter = compute?.datacenter === undefined ? undefined : topology.datacenters.get(compute.datacenter);
    if (compute?.pool === undefined || compute.datastores[0] === undefined || datacenter?.vmFolder === undefined) {
      throw new SkyportError('InvalidState', 'this vCenter has no cluster or host with a datastore to import a disk to', { providerCode: 'NoPlacement' });
    }
    await this.#assertNameFree(datacenter.vmFolder, name, 'image');
    const created = await importDiskAsVm(this.#client, this.#reader, { pool: compute.pool, folder: datacenter.vmFolder, datastore: compute.datastores[0] }, { ...request, name }, this.#dataDir);
    return this.#finishImage(created, request.description, request.tags, `the imported ${created.value}`);
  }

  async exportDisk(kind: 'image' | 'instance', nativeId: string): Promise<ExportedDisk> {
    const vm = await this.#vm(nativeId);
    if (vm === undefined || vm.template !== (kind === 'image')) {
      const why = vm === undefined ? 'does not exist in this vCenter' : kind === 'image' ? 'is a virtual machine, not a template' : 'is a template (an image), not an instance';
      throw notFound(kind, nativeId, why);
    }
    if (!vm.template && vm.powerState !== 'poweredOff') throw invalidState(vm, 'export the disk of', 'stopped (powered off; a suspended VM holds its disk open)');
    if (vm.rootDisk === undefined) throw new SkyportError('InvalidState', `${kind} ${nativeId} (${vm.name}) has no virtual disk to export`, { providerCode: 'NoDisk' });
    const topology = await readTopology(this.#reader);
    const zone = topology.computes.get(this.#zoneOf(vm, topology) ?? '');
    const datacenter = zone?.datacenter === undefined ? undefined : topology.datacenters.get(zone.datacenter);
    if (datacenter === undefined) throw new SkyportError('ProviderError', `cannot tell which datacenter holds ${nativeId}`, { providerCode: 'NoPlacement' });
    return downloadRootDisk(this.#client, datacenter.name, vm.rootDisk, this.#dataDir, `exporting the disk of ${kind} ${nativeId} (${vm.name})`);
  }

  async deleteImage(nativeId: string): Promise<void> {
    const vm = await this.#vm(nativeId);
    if (vm === undefined || !vm.template) throw notFound('image', nativeId, vm === undefined ? 'does not exist in this vCenter' : 'is a virtual machine, not a template');
    await this.#reader.runTask('Destroy_Task', vm.ref, '', `deleting template ${vm.ref.value} (${vm.name})`);
  }

  async updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void> {
    if (kind !== 'instance') throw unsupported(`tags on ${kind}s (only instances carry tags)`);
    const vm = await this.#instance(nativeId);
    const tags: Record<string, string> = { ...tagsOf(vm) };
    for (const key of change.remove ?? []) delete tags[key];
    for (const [key, value] of Object.entries(change.set ?? {})) {
      if (key === '' || key.length > 128 || value.length > 256) {
        throw new SkyportError('InvalidArgument', `tag ${JSON.stringify(key)}: keys must be 1 to 128 characters and values at most 256`, { details: { field: 'tags', key } });
      }
      tags[key] = value;
    }
    if (Object.keys(tags).length > MAX_TAGS_PER_VM) {
      throw new SkyportError('QuotaExceeded', `instance ${nativeId} would carry ${Object.keys(tags).length} tags; at most ${MAX_TAGS_PER_VM} are allowed`, {
        details: { max: MAX_TAGS_PER_VM },
      });
    }
    await this.#reconfigure(vm.ref, `tagging ${vm.ref.value} (${vm.name})`, { extra: { [EXTRA.tags]: JSON.stringify(tags) } });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  /** Lists every VM and template, in pages of `maxObjects`; `pageSize` for tests of paging. */
  async listAllVms(pageSize?: number): Promise<VmRecord[]> {
    return this.#allVms(pageSize);
  }

  async #allVms(pageSize?: number): Promise<VmRecord[]> {
    const objects = await this.#reader.all({ VirtualMachine: VM_PATHS }, 'listing virtual machines', pageSize);
    return objects.map(toVmRecord);
  }

  async #vm(nativeId: string): Promise<VmRecord | undefined> {
    const found = await this.#reader.one(VM(nativeId), VM_PATHS, `reading VM ${nativeId}`);
    return found === undefined ? undefined : toVmRecord(found);
  }

  /** A VM that must exist and not be a template. */
  async #instance(nativeId: string): Promise<VmRecord> {
    const vm = await this.#vm(nativeId);
    if (vm === undefined) throw notFound('instance', nativeId);
    if (vm.template) throw notFound('instance', nativeId, 'is a template (an image), not an instance');
    if (vm.powerState !== 'poweredOn') this.#shuttingDown.delete(nativeId);
    return vm;
  }

  #toInstance(vm: VmRecord, topology: Topology): NativeInstance {
    if (vm.powerState !== 'poweredOn') this.#shuttingDown.delete(vm.ref.value);
    return toInstance(vm, this.#zoneOf(vm, topology), { shuttingDown: this.#shuttingDown });
  }

  /** The compute resource owning a VM's resource pool (templates have none: their host's). */
  #zoneOf(vm: VmRecord, topology: Topology): string | undefined {
    const pool = vm.resourcePool?.value;
    const host = vm.host?.value;
    return (pool === undefined ? undefined : topology.poolOwner.get(pool)) ?? (host === undefined ? undefined : topology.hostOwner.get(host));
  }

  /** The zone a clone goes to: the one asked for, the first usable one of a region, or the source's. */
  #placement(topology: Topology, source: VmRecord, locationId: string | undefined): ComputeResource {
    if (locationId !== undefined) {
      const zone = topology.computes.get(locationId);
      if (zone !== undefined) return zone;
      if (topology.datacenters.has(locationId)) {
        const first = [...topology.computes.values()].find((c) => c.datacenter === locationId && c.available && c.pool !== undefined);
        if (first !== undefined) return first;
        throw new SkyportError('InvalidState', `region ${locationId} has no cluster or host that can run VMs`, { details: { locationId } });
      }
      throw notFound('location', locationId, `is neither a datacenter nor a cluster or host; see listLocations`);
    }
    const owner = this.#zoneOf(source, topology);
    const zone = owner === undefined ? undefined : topology.computes.get(owner);
    if (zone !== undefined) return zone;
    const first = [...topology.computes.values()].find((c) => c.available && c.pool !== undefined);
    if (first === undefined) throw new SkyportError('InvalidState', 'this vCenter has no cluster or host that can run VMs', { providerCode: 'NoPlacement' });
    return first;
  }

  /**
   * vCenter refuses a second VM of one name in a folder (DuplicateName) only when the clone
   * task runs; asking first gives the same answer before any work starts.
   */
  async #assertNameFree(folder: MoRef, name: string, kind: 'instance' | 'image'): Promise<void> {
    const { searchIndex } = await this.#client.serviceContent();
    const found = await this.#client.call('FindChild', searchIndex, moRef('entity', folder) + text('name', name), `looking for ${JSON.stringify(name)} in the VM folder`);
    const existing = toMoRef(child(found, 'returnval'));
    if (existing !== undefined) {
      throw new SkyportError('AlreadyExists', `a virtual machine or template named ${JSON.stringify(name)} already exists (${existing.value}) in this datacenter's VM folder; choose another ${kind} name`, {
        providerCode: 'DuplicateName',
        details: { name, existing: existing.value },
      });
    }
  }

  async #reconfigure(
    ref: MoRef,
    what: string,
    change: { cpus?: number; memoryMiB?: number; growDiskGiB?: number; annotation?: string; extra?: Readonly<Record<string, string>> },
  ): Promise<void> {
    let deviceChange = '';
    if (change.growDiskGiB !== undefined) {
      const vm = await this.#vm(ref.value);
      const disk = vm?.rootDisk;
      const wantKiB = change.growDiskGiB * 1024 * 1024;
      if (disk !== undefined && disk.capacityKiB < wantKiB) {
        // vSphere replaces the edited device with the one sent: send the disk as it is, bigger.
        deviceChange = el('deviceChange', [
          text('operation', 'edit'),
          el(
            'device',
            [
              text('key', disk.key),
              el('deviceInfo', [text('label', disk.label), text('summary', `${wantKiB} KB`)]),
              el('backing', [text('fileName', disk.fileName), moRef('datastore', disk.datastore), text('diskMode', disk.diskMode)], disk.backingType),
              text('controllerKey', disk.controllerKey),
              text('unitNumber', disk.unitNumber),
              text('capacityInKB', wantKiB),
              text('capacityInBytes', wantKiB * 1024),
            ],
            'VirtualDisk',
          ),
        ]);
      }
    }
    const spec = el('spec', [
      text('annotation', change.annotation),
      text('numCPUs', change.cpus),
      text('memoryMB', change.memoryMiB),
      deviceChange,
      ...Object.entries(change.extra ?? {}).map(([k, v]) => option(k, v)),
    ]);
    await this.#reader.runTask('ReconfigVM_Task', ref, spec, what);
  }
}

