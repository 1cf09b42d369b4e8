/**
 * What a driver can do, declared as data. The core, the front ends and the conformance
 * suite read it; nobody ever tests a driver's name. Optional groups are absent when the
 * driver lacks the feature entirely.
 */
import type { DiskFormat } from './entities.js';

export interface Capabilities {
  readonly instances: {
    /** Stop and start (not only destroy). */
    readonly stopStart: boolean;
    readonly reboot: boolean;
    /** User-data passed to the guest at creation. */
    readonly userData: boolean;
    /** Serial console output can be read. */
    readonly console: boolean;
    /** CPU/memory may be chosen inside a hardware profile's ranges. */
    readonly profileOverrides: boolean;
    /** Instances accept a key pair at creation. */
    readonly keyPair: boolean;
  };
  readonly keyPairs?: { readonly create: boolean; readonly import: boolean };
  readonly volumes?: { readonly attachWhileRunning: boolean; readonly maxSizeGiB: number };
  readonly snapshots?: { readonly volume: boolean };
  readonly tags?: { readonly kinds: readonly TaggableKind[]; readonly maxPerResource: number };
  readonly securityGroups?: { readonly egress: boolean };
  readonly imageImport?: { readonly formats: readonly DiskFormat[] };
  /** The driver can hand out an image's or a stopped instance's disk as a local file. */
  readonly diskExport?: { readonly formats: readonly DiskFormat[] };
  readonly imageFromInstance?: { readonly whileRunning: boolean };
}

export type TaggableKind = 'instance' | 'volume' | 'snapshot' | 'image' | 'keyPair' | 'securityGroup';

/** Feature names as the catalogue publishes them (`GET /api/v1/capabilities`). */
export type CapabilityGroup = keyof Capabilities;

export interface CapabilityDescription {
  readonly group: CapabilityGroup;
  readonly description: string;
}

/** The catalogue: every capability group with what it means for a user. */
export const CAPABILITY_CATALOGUE: readonly CapabilityDescription[] = [
  { group: 'instances', description: 'Create, list and destroy instances; flags say whether stop/start, reboot, user-data, console output, profile overrides and key pairs are supported.' },
  { group: 'keyPairs', description: 'Create key pairs (the provider generates the private key) and/or import public keys.' },
  { group: 'volumes', description: 'Block volumes: create, attach, detach, delete.' },
  { group: 'snapshots', description: 'Point-in-time snapshots of volumes.' },
  { group: 'tags', description: 'Key/value tags on the listed resource kinds.' },
  { group: 'securityGroups', description: 'Security groups with ingress (and, when flagged, egress) rules.' },
  { group: 'diskExport', description: "Read an image's or a stopped instance's disk, e.g. to export it as an OVA." },
  { group: 'imageImport', description: 'Import a disk image in one of the listed formats.' },
  { group: 'imageFromInstance', description: 'Create an image from an instance.' },
];

/** Per-driver behaviour flags, so no caller needs to know which cloud it talks to. */
export interface DriverBehaviour {
  /** A created instance starts in `stopped` and must be started (e.g. some hypervisors). */
  readonly createdStopped: boolean;
  /** Stopping an instance deletes it (e.g. instance-store clouds). */
  readonly stopDeletes: boolean;
  /** The root disk survives a stop/start cycle. */
  readonly stopPreservesDisk: boolean;
}

export function supports(capabilities: Capabilities, group: CapabilityGroup): boolean {
  return capabilities[group] !== undefined;
}
