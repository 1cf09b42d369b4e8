import type { Capabilities, DriverBehaviour } from '@skyport/model';

/** Glance disk formats the broker also speaks (Glance knows more: ami, iso, vdi, ploop...). */
export const OPENSTACK_DISK_FORMATS = ['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx'] as const;

/** Neutron allows 50 tags per resource; the same limit is kept for Nova and Cinder metadata. */
export const MAX_TAGS_PER_RESOURCE = 50;

/** Cinder has no fixed maximum (quotas decide); 16 TiB keeps a typo from becoming a bill. */
export const MAX_VOLUME_GIB = 16_384;

/**
 * Flavors are fixed sizes (no overrides). Nova snapshots running servers, so images from
 * instances need no stop. Key pairs are not taggable in Nova.
 */
export const OPENSTACK_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: true, console: true, profileOverrides: false, keyPair: true },
  keyPairs: { create: true, import: true },
  volumes: { attachWhileRunning: true, maxSizeGiB: MAX_VOLUME_GIB },
  snapshots: { volume: true },
  tags: { kinds: ['instance', 'volume', 'snapshot', 'image', 'securityGroup'], maxPerResource: MAX_TAGS_PER_RESOURCE },
  securityGroups: { egress: true },
  imageFromInstance: { whileRunning: true },
  imageImport: { formats: OPENSTACK_DISK_FORMATS },
  diskExport: { formats: OPENSTACK_DISK_FORMATS },
};

/** Nova keeps a stopped server's disk; servers start running. */
export const OPENSTACK_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };
