import type { Capabilities, DriverBehaviour } from '@skyport/model';
import type { NativeHardwareProfile } from '@skyport/core';

export const MAX_TAGS = 50;
/** The largest VHD-based VDI XAPI's SM backends create (2 TiB less the VHD metadata). */
export const MAX_VOLUME_GIB = 2040;

/**
 * VMs cloned from templates with chosen vCPUs and memory; power operations through XAPI's
 * synchronous calls (start is asynchronous so a create returns at once); volumes as VDIs
 * plugged as VBDs (hot-plug needs the guest's PV drivers, as XAPI requires); snapshots
 * with `VDI.snapshot`; tags as `key=value` XAPI tags; disks in and out through
 * `/import_raw_vdi` and `/export_raw_vdi`. XAPI has no key pairs, user-data or console log.
 */
export const XEN_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: false, console: false, profileOverrides: true, keyPair: false },
  volumes: { attachWhileRunning: true, maxSizeGiB: MAX_VOLUME_GIB },
  snapshots: { volume: true },
  tags: { kinds: ['instance', 'volume', 'snapshot', 'image'], maxPerResource: MAX_TAGS },
  imageFromInstance: { whileRunning: false },
  imageImport: { formats: ['raw', 'vhd', 'qcow2', 'vmdk', 'vhdx'] },
  diskExport: { formats: ['vhd'] },
};

/** Stopped VMs keep their VDIs; a new VM is started right after it is cloned. */
export const XEN_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };

/** XAPI sizes VMs freely; one profile spans what a pool usually allows. */
export const XEN_PROFILE: NativeHardwareProfile = {
  nativeId: 'xen-vm',
  name: 'Xen VM (vCPUs, memory and disk chosen per instance)',
  architecture: 'x86_64',
  cpus: { kind: 'range', min: 1, max: 32, default: 1 },
  memoryMiB: { kind: 'range', min: 256, max: 262_144, default: 1024, step: 256 },
  diskGiB: { kind: 'range', min: 1, max: MAX_VOLUME_GIB, default: 10 },
};
