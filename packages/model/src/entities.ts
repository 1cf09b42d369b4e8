/** The one model over many clouds. Every entity carries the provider it lives in. */
import type { InstanceState } from './instance-state.js';
import type { SkyportErrorJson } from './errors.js';
import type { MigrationVm } from './migration.js';

export type Tags = Readonly<Record<string, string>>;
export type DiskFormat = 'qcow2' | 'raw' | 'vmdk' | 'vhd' | 'vhdx';

/** Resource kinds kept in the inventory. */
export const RESOURCE_KINDS = ['location', 'hardwareProfile', 'image', 'instance', 'keyPair', 'volume', 'snapshot', 'securityGroup'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export type ProviderStatus = 'available' | 'unavailable' | 'unknown';

/** A configured cloud account: driver, endpoint, region, credentials. */
export interface Provider {
  readonly id: string;
  /** The tenant that owns the provider and everything in it. */
  readonly tenantId: string;
  readonly name: string;
  readonly driver: string;
  readonly endpoint?: string;
  readonly region?: string;
  /** Driver-specific settings that are not secret (fault injection for `sim`, ...). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly status: ProviderStatus;
  /** Why the provider is unavailable, in words a user can act on. */
  readonly statusReason?: string;
  readonly createdAt: string;
  /** Last successful inventory sync (ISO time), if any. */
  readonly lastSyncAt?: string;
  readonly lastSyncError?: string;
}

export interface Location {
  readonly id: string;
  readonly providerId: string;
  readonly name: string;
  /** `region` or `zone`; zones name their region in `parent`. */
  readonly kind: 'region' | 'zone';
  readonly parent?: string;
  readonly available: boolean;
}

/** One dimension of a hardware profile, Deltacloud style. */
export type ProfileDimension =
  | { readonly kind: 'fixed'; readonly value: number }
  | { readonly kind: 'range'; readonly min: number; readonly max: number; readonly default: number; readonly step?: number }
  | { readonly kind: 'enum'; readonly values: readonly number[]; readonly default: number };

export interface HardwareProfile {
  readonly id: string;
  readonly providerId: string;
  readonly name: string;
  readonly architecture: 'x86_64' | 'aarch64';
  readonly cpus: ProfileDimension;
  readonly memoryMiB: ProfileDimension;
  readonly diskGiB: ProfileDimension;
}

export type ImageState = 'pending' | 'available' | 'failed' | 'deleted';

export interface Image {
  readonly id: string;
  readonly providerId: string;
  readonly name: string;
  readonly description?: string;
  readonly architecture: 'x86_64' | 'aarch64';
  readonly os?: string;
  readonly state: ImageState;
  readonly sizeGiB?: number;
  readonly public: boolean;
  readonly tags: Tags;
  readonly createdAt?: string;
}

export interface InstanceAddress {
  readonly kind: 'public' | 'private';
  readonly address: string;
}

export interface Instance {
  readonly id: string;
  readonly providerId: string;
  readonly name: string;
  readonly state: InstanceState;
  /** The provider's own word for the state, unchanged. */
  readonly rawState: string;
  /** Why the instance is in `error`/`unknown`, when the provider says. */
  readonly stateReason?: string;
  readonly imageId: string;
  readonly hardwareProfileId: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly locationId?: string;
  readonly keyName?: string;
  /** Broker ids of the security groups the instance is in (when the provider has them). */
  readonly securityGroupIds?: readonly string[];
  readonly addresses: readonly InstanceAddress[];
  readonly tags: Tags;
  readonly createdAt: string;
}

export interface KeyPair {
  readonly id: string;
  readonly providerId: string;
  readonly name: string;
  readonly fingerprint: string;
  readonly publicKey?: string;
  readonly tags: Tags;
  readonly createdAt: string;
}

export type VolumeState = 'creating' | 'available' | 'attaching' | 'in-use' | 'detaching' | 'deleting' | 'deleted' | 'error';

export interface Volume {
  readonly id: string;
  readonly providerId: string;
  readonly name: string;
  readonly sizeGiB: number;
  readonly state: VolumeState;
  readonly locationId?: string;
  readonly snapshotId?: string;
  readonly attachment?: { readonly instanceId: string; readonly device: string };
  readonly tags: Tags;
  readonly createdAt: string;
}

export type SnapshotState = 'pending' | 'completed' | 'error' | 'deleted';

export interface Snapshot {
  readonly id: string;
  readonly providerId: string;
  readonly name: string;
  readonly volumeId: string;
  readonly sizeGiB: number;
  readonly state: SnapshotState;
  readonly progress: number;
  readonly tags: Tags;
  readonly createdAt: string;
}

/** One firewall rule: traffic of `protocol` on ports `fromPort..toPort` from (or to) `cidr`. */
export interface SecurityGroupRule {
  /** `-1` means all protocols. */
  readonly protocol: 'tcp' | 'udp' | 'icmp' | '-1';
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidr: string;
}

export interface SecurityGroup {
  readonly id: string;
  readonly providerId: string;
  readonly name: string;
  readonly description: string;
  readonly ingress: readonly SecurityGroupRule[];
  readonly egress: readonly SecurityGroupRule[];
  readonly tags: Tags;
  readonly createdAt: string;
}

/** A long action as the user follows it: `202 + operation`. */
export type OperationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Operation {
  readonly id: string;
  /** What is being done, e.g. `instance.create`, `instance.stop`, `volume.create`. */
  readonly type: string;
  readonly status: OperationStatus;
  readonly providerId?: string;
  /** The resource acted on (known from the start for actions, after creation for creates). */
  readonly targetKind?: ResourceKind;
  readonly targetId?: string;
  /** 0..100 */
  readonly progress: number;
  /** A short sentence on what is happening now. */
  readonly message?: string;
  readonly result?: Readonly<Record<string, unknown>>;
  readonly error?: SkyportErrorJson;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
}

export function isOperationDone(status: OperationStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/** One change in the inventory or an operation, as the event stream carries it. */
export type BrokerEvent =
  | { readonly type: 'resource.created' | 'resource.updated'; readonly kind: ResourceKind; readonly providerId: string; readonly id: string; readonly resource: unknown }
  | { readonly type: 'resource.deleted'; readonly kind: ResourceKind; readonly providerId: string; readonly id: string }
  | { readonly type: 'operation.updated'; readonly operation: Operation }
  | { readonly type: 'provider.updated'; readonly provider: Provider }
  | { readonly type: 'provider.deleted'; readonly providerId: string }
  /** A VM of a migration plan changed (status, step, progress); `providerId` is the plan's source. */
  | { readonly type: 'migration.updated'; readonly providerId: string; readonly planId: string; readonly vm: MigrationVm };
