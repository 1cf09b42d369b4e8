import type { Capabilities, DriverBehaviour } from '@skyport/model';
import { MAX_TAGS_PER_RESOURCE } from './tag-rules.js';

export const MAX_VOLUME_GIB = 16_384;

/**
 * Everything but image import and disk export (the sim has no disks to read). Images are made
 * only from stopped instances, as most clouds prefer. Key pairs are not taggable: the KeyPair
 * entity has no tags to show them in.
 */
export const SIM_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: true, console: true, profileOverrides: true, keyPair: true },
  keyPairs: { create: true, import: true },
  volumes: { attachWhileRunning: true, maxSizeGiB: MAX_VOLUME_GIB },
  snapshots: { volume: true },
  tags: { kinds: ['instance', 'volume', 'snapshot', 'image', 'securityGroup'], maxPerResource: MAX_TAGS_PER_RESOURCE },
  securityGroups: { egress: true },
  imageFromInstance: { whileRunning: false },
};

export const SIM_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };
