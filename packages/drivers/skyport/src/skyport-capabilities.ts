import type { Capabilities, DriverBehaviour } from '@skyport/model';

/**
 * Everything the broker's REST API offers. A driver's capabilities are one declaration for
 * every provider it serves, while what a federated provider can really do is what the remote
 * provider's driver can: a feature the remote lacks is refused there (`501 Unsupported`) and
 * comes back as `Unsupported` with the remote's request id. The limits are the `sim` driver's,
 * the strictest the project ships. Disks leave the remote as the VMDK of its OVA export.
 */
export const SKYPORT_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: true, console: true, profileOverrides: true, keyPair: true },
  keyPairs: { create: true, import: true },
  volumes: { attachWhileRunning: true, maxSizeGiB: 16_384 },
  snapshots: { volume: true },
  tags: { kinds: ['instance', 'volume', 'snapshot', 'image', 'securityGroup'], maxPerResource: 50 },
  securityGroups: { egress: true },
  imageFromInstance: { whileRunning: false },
  imageImport: { formats: ['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx'] },
  diskExport: { formats: ['vmdk'] },
};

export const SKYPORT_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };
