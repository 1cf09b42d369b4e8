/**
 * What vSphere lacks and the model needs: hardware profiles. vSphere sizes every VM freely,
 * so the driver offers three fixed sizes and one `custom` profile with ranges; VMs that were
 * not created through Skyport are shown under `custom`.
 */
import type { Capabilities, DriverBehaviour, ProfileDimension } from '@skyport/model';
import type { NativeHardwareProfile } from '@skyport/core';

/** Root disk sizes a profile allows: at least the template's disk, grown at creation. */
const DISK: ProfileDimension = { kind: 'range', min: 1, max: 2048, default: 16 };

export const CUSTOM_PROFILE = 'custom';

export const VSPHERE_PROFILES: readonly NativeHardwareProfile[] = [
  { nativeId: 'small', name: 'small', architecture: 'x86_64', cpus: { kind: 'fixed', value: 1 }, memoryMiB: { kind: 'fixed', value: 1024 }, diskGiB: DISK },
  { nativeId: 'medium', name: 'medium', architecture: 'x86_64', cpus: { kind: 'fixed', value: 2 }, memoryMiB: { kind: 'fixed', value: 4096 }, diskGiB: DISK },
  { nativeId: 'large', name: 'large', architecture: 'x86_64', cpus: { kind: 'fixed', value: 4 }, memoryMiB: { kind: 'fixed', value: 16384 }, diskGiB: DISK },
  {
    nativeId: CUSTOM_PROFILE,
    name: 'custom',
    architecture: 'x86_64',
    // vSphere 7's limits for a VM: 768 vCPUs, 24 TiB of memory; memory in 4 MiB steps.
    cpus: { kind: 'range', min: 1, max: 768, default: 2 },
    memoryMiB: { kind: 'range', min: 256, max: 25_165_824, default: 2048, step: 4 },
    diskGiB: DISK,
  },
];

export const MAX_TAGS_PER_VM = 50;

/**
 * Declared honestly: vSphere has no key pairs, volumes in the model's sense, security groups
 * or serial console over vim25; user-data goes to cloud-init through guestinfo.
 */
export const VSPHERE_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: true, console: false, profileOverrides: true, keyPair: false },
  tags: { kinds: ['instance'], maxPerResource: MAX_TAGS_PER_VM },
  imageFromInstance: { whileRunning: true },
  // Converted to streamOptimized VMDK and uploaded through an HttpNfcLease (ImportVApp).
  imageImport: { formats: ['vmdk', 'raw', 'qcow2', 'vhd', 'vhdx'] },
  // The flat extent of the root disk, downloaded through the datastore's HTTP file access.
  diskExport: { formats: ['raw'] },
};

export const VSPHERE_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };
