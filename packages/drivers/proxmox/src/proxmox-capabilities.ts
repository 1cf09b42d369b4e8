import type { NativeHardwareProfile } from '@skyport/core';
import type { Capabilities, DriverBehaviour } from '@skyport/model';

export const MAX_TAGS = 50;
export const MAX_DISK_GIB = 4096;

/**
 * QEMU VMs full-cloned from templates with chosen cores and memory; power operations as UPID
 * tasks; key pairs (kept by the driver) written into cloud-init's `sshkeys`; tags and the
 * image a VM came from kept in its notes; images from stopped VMs (full clone, then
 * template); disk import through an upload to an `import` storage and `import-from`.
 * Proxmox has no free-standing volumes or user-data through the API, and no disk download.
 */
export const PROXMOX_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: false, console: false, profileOverrides: true, keyPair: true },
  keyPairs: { create: true, import: true },
  tags: { kinds: ['instance', 'image'], maxPerResource: MAX_TAGS },
  imageFromInstance: { whileRunning: false },
  imageImport: { formats: ['raw', 'qcow2', 'vmdk', 'vhd', 'vhdx'] },
};

/** New VMs are started right after their clone; stopped VMs keep their disks. */
export const PROXMOX_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };

export const PROXMOX_PROFILE: NativeHardwareProfile = {
  nativeId: 'pve-vm',
  name: 'Proxmox VM (cores, memory and disk chosen per instance)',
  architecture: 'x86_64',
  cpus: { kind: 'range', min: 1, max: 128, default: 1 },
  memoryMiB: { kind: 'range', min: 256, max: 1_048_576, default: 1024, step: 256 },
  diskGiB: { kind: 'range', min: 1, max: MAX_DISK_GIB, default: 10 },
};
