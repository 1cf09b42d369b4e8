import type { Capabilities, DriverBehaviour } from '@skyport/model';
import { IMPORT_FORMATS } from './image-service.js';
import { MAX_TAGS_PER_RESOURCE } from './tag-rules.js';
import { MAX_VOLUME_GIB } from './volume-service.js';

/**
 * Everything a single host can offer except security groups (user-mode networking exposes only
 * loopback port forwards). Images are made from stopped instances only: a running overlay is
 * not a consistent disk.
 */
export const QEMU_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: true, console: true, profileOverrides: true, keyPair: true },
  keyPairs: { create: true, import: true },
  volumes: { attachWhileRunning: true, maxSizeGiB: MAX_VOLUME_GIB },
  snapshots: { volume: true },
  tags: { kinds: ['instance', 'volume', 'snapshot', 'image'], maxPerResource: MAX_TAGS_PER_RESOURCE },
  imageImport: { formats: IMPORT_FORMATS },
  diskExport: { formats: ['qcow2'] },
  imageFromInstance: { whileRunning: false },
};

export const QEMU_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };
