import type { Capabilities, DriverBehaviour } from '@skyport/model';
import { MAX_TAGS_PER_RESOURCE } from './tag-rules.js';

export const MAX_VOLUME_GIB = 16_384;

/** Disk formats the sim stores as they come (and so hands back on export). */
export const SIM_DISK_FORMATS = ['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx'] as const;

/**
 * Everything. Images are made only from stopped instances, as most clouds prefer. Imported
 * disks are stored in their own format (multi-file VMDKs become qcow2), so an export hands
 * back any of them. Key pairs are not taggable: the KeyPair entity has no tags to show them in.
 */
export const SIM_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: true, console: true, profileOverrides: true, keyPair: true },
  keyPairs: { create: true, import: true },
  volumes: { attachWhileRunning: true, maxSizeGiB: MAX_VOLUME_GIB },
  snapshots: { volume: true },
  tags: { kinds: ['instance', 'volume', 'snapshot', 'image', 'securityGroup'], maxPerResource: MAX_TAGS_PER_RESOURCE },
  securityGroups: { egress: true },
  imageFromInstance: { whileRunning: false },
  imageImport: { formats: SIM_DISK_FORMATS },
  diskExport: { formats: SIM_DISK_FORMATS },
};

export const SIM_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };
