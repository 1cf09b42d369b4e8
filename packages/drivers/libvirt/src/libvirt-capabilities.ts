import type { Capabilities, DriverBehaviour } from '@skyport/model';

export const MAX_TAGS = 50;
export const MAX_VOLUME_GIB = 2048;

/**
 * Instances with user-data and keys through a NoCloud seed disk, the serial console from a log
 * file in the pool, volumes and their snapshots as pool volumes (snapshots are full copies),
 * images imported in any format qemu-img reads (stored as qcow2) and handed out as qcow2.
 * Hot-plug of volumes is libvirt's (virtio-blk on PCI); the guest must release a disk on detach.
 */
export const LIBVIRT_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: true, console: true, profileOverrides: true, keyPair: true },
  keyPairs: { create: true, import: true },
  volumes: { attachWhileRunning: true, maxSizeGiB: MAX_VOLUME_GIB },
  snapshots: { volume: true },
  tags: { kinds: ['instance', 'volume', 'snapshot', 'image'], maxPerResource: MAX_TAGS },
  imageFromInstance: { whileRunning: false },
  imageImport: { formats: ['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx'] },
  diskExport: { formats: ['qcow2'] },
};

export const LIBVIRT_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };
