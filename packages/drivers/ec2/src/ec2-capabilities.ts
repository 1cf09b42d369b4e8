import type { Capabilities, DiskFormat, DriverBehaviour } from '@skyport/model';
import { MAX_VOLUME_GIB } from './ec2-records.js';
import { EXPORT_FORMATS, parseEc2Settings } from './ec2-settings.js';

/** EC2's limit of tags on one resource. */
export const MAX_TAGS_PER_RESOURCE = 50;

/** Disk formats VM Import takes (OVA is an appliance, handled above the driver). */
export const IMPORT_FORMATS: readonly DiskFormat[] = ['raw', 'vmdk', 'vhd', 'vhdx'];

/**
 * What every EC2 provider can do. Instance types fix CPUs and memory, so no profile overrides
 * (the root disk size is chosen per launch). Key pairs are taggable at AWS, but Skyport's key
 * pair has no tags to show them in. Images are made from stopped instances only, so a running
 * guest is never rebooted behind the user's back.
 */
export const EC2_CAPABILITIES: Capabilities = {
  instances: { stopStart: true, reboot: true, userData: true, console: true, profileOverrides: false, keyPair: true },
  keyPairs: { create: true, import: true },
  volumes: { attachWhileRunning: true, maxSizeGiB: MAX_VOLUME_GIB },
  snapshots: { volume: true },
  tags: { kinds: ['instance', 'volume', 'snapshot', 'image', 'securityGroup'], maxPerResource: MAX_TAGS_PER_RESOURCE },
  securityGroups: { egress: true },
  imageFromInstance: { whileRunning: false },
};

/** Everything the driver can do at most: with a bucket, disks travel through S3 and VM Import/Export. */
export const EC2_MAX_CAPABILITIES: Capabilities = {
  ...EC2_CAPABILITIES,
  imageImport: { formats: IMPORT_FORMATS },
  diskExport: { formats: EXPORT_FORMATS },
};

/** One provider's capabilities: image import and disk export only when a bucket is configured. */
export function ec2CapabilitiesFor(settings: Readonly<Record<string, unknown>>): Capabilities {
  let parsed;
  try {
    parsed = parseEc2Settings(settings);
  } catch {
    // Invalid settings never make a working provider; show the base set.
    return EC2_CAPABILITIES;
  }
  if (parsed.bucket === undefined) return EC2_CAPABILITIES;
  return { ...EC2_CAPABILITIES, imageImport: { formats: IMPORT_FORMATS }, diskExport: { formats: [parsed.exportFormat] } };
}

export const EC2_BEHAVIOUR: DriverBehaviour = { createdStopped: false, stopDeletes: false, stopPreservesDisk: true };
