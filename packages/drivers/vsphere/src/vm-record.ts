/**
 * A VirtualMachine as the PropertyCollector returns it, and its two faces in the model: an
 * instance, or (when `config.template` is set) an image. What vSphere does not keep (the image
 * a VM was cloned from, its profile, its tags) the driver keeps in the VM's own
 * `config.extraConfig` under `skyport.*` keys, so it lives and dies with the VM.
 */
import type { InstanceState, Tags } from '@skyport/model';
import type { NativeImage, NativeInstance } from '@skyport/core';
import { CUSTOM_PROFILE } from './vsphere-catalogue.js';
import { child, childText, children, textOf, toMoRef, xsiType, type MoRef, type XmlNode } from './soap-xml.js';
import type { ObjectContent } from './property-reader.js';

export const VM_PATHS = [
  'name',
  'config.template',
  'config.hardware.numCPU',
  'config.hardware.memoryMB',
  'config.hardware.device',
  'config.extraConfig',
  'config.annotation',
  'config.guestFullName',
  'config.createDate',
  'runtime.powerState',
  'runtime.connectionState',
  'runtime.host',
  'resourcePool',
  'guest.ipAddress',
  'guest.toolsRunningStatus',
] as const;

export const EXTRA = {
  image: 'skyport.image',
  profile: 'skyport.profile',
  tags: 'skyport.tags',
  createdAt: 'skyport.createdAt',
  /** Set on templates made through Skyport: they are the tenant's own, not catalogue images. */
  private: 'skyport.private',
} as const;

/** The root disk as the driver edits it (to grow it at creation). */
export interface RootDisk {
  readonly key: number;
  readonly label: string;
  readonly controllerKey: number;
  readonly unitNumber: number;
  readonly capacityKiB: number;
  readonly backingType: string;
  readonly fileName: string;
  readonly datastore: MoRef | undefined;
  readonly diskMode: string;
}

export interface VmRecord {
  readonly ref: MoRef;
  readonly name: string;
  readonly template: boolean;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly rootDisk: RootDisk | undefined;
  /** Last value per key; an empty value counts as removed (vSphere's way to delete a key). */
  readonly extra: ReadonlyMap<string, string>;
  readonly annotation: string;
  readonly guestFullName: string | undefined;
  readonly createDate: string | undefined;
  readonly powerState: string;
  readonly connectionState: string;
  readonly host: MoRef | undefined;
  readonly resourcePool: MoRef | undefined;
  readonly ipAddress: string | undefined;
  readonly toolsRunning: boolean;
}

function num(node: XmlNode | undefined): number {
  const n = Number(textOf(node));
  return Number.isFinite(n) ? n : 0;
}

function rootDiskOf(devices: XmlNode | undefined): RootDisk | undefined {
  const disks = children(devices, 'VirtualDevice')
    .filter((d) => xsiType(d) === 'VirtualDisk')
    .map((d) => {
      const backing = child(d, 'backing');
      const bytes = Number(childText(d, 'capacityInBytes'));
      return {
        key: Number(childText(d, 'key')),
        label: childText(child(d, 'deviceInfo'), 'label') ?? 'Hard disk 1',
        controllerKey: Number(childText(d, 'controllerKey')),
        unitNumber: Number(childText(d, 'unitNumber') ?? 0),
        capacityKiB: Number.isFinite(bytes) && bytes > 0 ? bytes / 1024 : Number(childText(d, 'capacityInKB') ?? 0),
        backingType: xsiType(backing) ?? 'VirtualDiskFlatVer2BackingInfo',
        fileName: childText(backing, 'fileName') ?? '',
        datastore: toMoRef(child(backing, 'datastore')),
        diskMode: childText(backing, 'diskMode') ?? 'persistent',
      };
    })
    .sort((a, b) => a.controllerKey - b.controllerKey || a.unitNumber - b.unitNumber);
  return disks[0];
}

function extraOf(node: XmlNode | undefined): Map<string, string> {
  const extra = new Map<string, string>();
  for (const option of children(node, 'OptionValue')) {
    const key = childText(option, 'key');
    if (key === undefined) continue;
    const value = childText(option, 'value') ?? '';
    if (value === '') extra.delete(key);
    else extra.set(key, value);
  }
  return extra;
}

export function toVmRecord(o: ObjectContent): VmRecord {
  const p = o.props;
  const ip = textOf(p.get('guest.ipAddress'));
  return {
    ref: o.obj,
    name: textOf(p.get('name')),
    template: textOf(p.get('config.template')) === 'true',
    cpus: num(p.get('config.hardware.numCPU')),
    memoryMiB: num(p.get('config.hardware.memoryMB')),
    rootDisk: rootDiskOf(p.get('config.hardware.device')),
    extra: extraOf(p.get('config.extraConfig')),
    annotation: textOf(p.get('config.annotation')),
    guestFullName: p.has('config.guestFullName') ? textOf(p.get('config.guestFullName')) : undefined,
    createDate: p.has('config.createDate') ? textOf(p.get('config.createDate')) : undefined,
    powerState: textOf(p.get('runtime.powerState')) || 'unknown',
    connectionState: textOf(p.get('runtime.connectionState')) || 'connected',
    host: toMoRef(p.get('runtime.host')),
    resourcePool: toMoRef(p.get('resourcePool')),
    ipAddress: ip === '' ? undefined : ip,
    toolsRunning: textOf(p.get('guest.toolsRunningStatus')) === 'guestToolsRunning',
  };
}

export function tagsOf(vm: VmRecord): Tags {
  const raw = vm.extra.get(EXTRA.tags);
  if (raw === undefined) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

export function diskGiB(vm: VmRecord): number {
  return vm.rootDisk === undefined ? 0 : Math.ceil(vm.rootDisk.capacityKiB / (1024 * 1024));
}

function createdAt(vm: VmRecord): string {
  for (const candidate of [vm.extra.get(EXTRA.createdAt), vm.createDate]) {
    if (candidate !== undefined && !Number.isNaN(Date.parse(candidate))) return new Date(candidate).toISOString();
  }
  // vSphere before 6.7 keeps no creation time: the epoch says "unknown" rather than inventing one.
  return new Date(0).toISOString();
}

/** A guest shutdown the driver asked for and vSphere has not finished yet. */
export interface PendingTransitions {
  readonly shuttingDown: ReadonlySet<string>;
}

function stateOf(vm: VmRecord, pending: PendingTransitions): { state: InstanceState; reason?: string } {
  if (vm.connectionState !== 'connected') {
    return { state: 'unknown', reason: `vSphere reports the VM ${vm.connectionState} (its host is unreachable or its files are missing)` };
  }
  switch (vm.powerState) {
    case 'poweredOn':
      return pending.shuttingDown.has(vm.ref.value) ? { state: 'stopping', reason: 'guest shutdown requested through VMware Tools' } : { state: 'running' };
    case 'poweredOff':
      return { state: 'stopped' };
    case 'suspended':
      return { state: 'stopped', reason: 'suspended: memory saved to disk; start resumes it' };
    default:
      return { state: 'unknown', reason: `vSphere power state ${vm.powerState}` };
  }
}

export function toInstance(vm: VmRecord, locationId: string | undefined, pending: PendingTransitions): NativeInstance {
  const { state, reason } = stateOf(vm, pending);
  return {
    nativeId: vm.ref.value,
    name: vm.name,
    state,
    rawState: vm.powerState,
    ...(reason === undefined ? {} : { stateReason: reason }),
    imageId: vm.extra.get(EXTRA.image) ?? '',
    hardwareProfileId: vm.extra.get(EXTRA.profile) ?? CUSTOM_PROFILE,
    cpus: vm.cpus,
    memoryMiB: vm.memoryMiB,
    diskGiB: diskGiB(vm),
    ...(locationId === undefined ? {} : { locationId }),
    addresses: vm.ipAddress === undefined ? [] : [{ kind: 'private', address: vm.ipAddress }],
    tags: tagsOf(vm),
    createdAt: createdAt(vm),
  };
}

export function toImage(vm: VmRecord): NativeImage {
  const size = diskGiB(vm);
  return {
    nativeId: vm.ref.value,
    name: vm.name,
    ...(vm.annotation === '' ? {} : { description: vm.annotation }),
    architecture: 'x86_64',
    ...(vm.guestFullName === undefined || vm.guestFullName === '' ? {} : { os: vm.guestFullName }),
    state: vm.connectionState === 'connected' ? 'available' : 'failed',
    ...(size > 0 ? { sizeGiB: size } : {}),
    public: vm.extra.get(EXTRA.private) !== 'true',
    tags: tagsOf(vm),
    createdAt: createdAt(vm),
  };
}
