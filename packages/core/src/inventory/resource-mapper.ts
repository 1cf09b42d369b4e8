import type { ResourceKind, Tags } from '@skyport/model';
import type {
  NativeHardwareProfile,
  NativeImage,
  NativeInstance,
  NativeKeyPair,
  NativeLocation,
  NativeSecurityGroup,
  NativeSnapshot,
  NativeVolume,
} from '../ports/index.js';

export interface NativeByKind {
  location: NativeLocation;
  hardwareProfile: NativeHardwareProfile;
  image: NativeImage;
  instance: NativeInstance;
  keyPair: NativeKeyPair;
  volume: NativeVolume;
  snapshot: NativeSnapshot;
  securityGroup: NativeSecurityGroup;
}

export type AnyNative = NativeByKind[ResourceKind];

/** Looks up the broker id of a resource the record refers to, by the provider's id. */
export type RefResolver = (kind: ResourceKind, nativeId: string) => string;

/**
 * Marks a reference to something the inventory does not know (e.g. an image deleted at the
 * provider), so it stays visible instead of pointing at a wrong broker id.
 */
export const UNRESOLVED_PREFIX = 'native:';

/**
 * Turns a native record into the broker entity: swaps native ids for broker ids. The same
 * function runs twice: once with a resolver that only collects the references (to look them
 * up in one query per kind), then with the real one.
 */
export function toBrokerEntity(kind: ResourceKind, id: string, providerId: string, native: AnyNative, ref: RefResolver): Record<string, unknown> {
  const { nativeId: _nativeId, ...rest } = native as AnyNative & Record<string, unknown>;
  const base = { id, providerId, ...rest } as Record<string, unknown>;
  switch (kind) {
    case 'location': {
      const n = native as NativeLocation;
      return n.parent === undefined ? base : { ...base, parent: ref('location', n.parent) };
    }
    case 'instance': {
      const n = native as NativeInstance;
      return {
        ...base,
        imageId: ref('image', n.imageId),
        hardwareProfileId: ref('hardwareProfile', n.hardwareProfileId),
        ...(n.locationId === undefined ? {} : { locationId: ref('location', n.locationId) }),
        ...(n.securityGroupIds === undefined ? {} : { securityGroupIds: n.securityGroupIds.map((g) => ref('securityGroup', g)) }),
      };
    }
    case 'volume': {
      const n = native as NativeVolume;
      return {
        ...base,
        ...(n.locationId === undefined ? {} : { locationId: ref('location', n.locationId) }),
        ...(n.snapshotId === undefined ? {} : { snapshotId: ref('snapshot', n.snapshotId) }),
        ...(n.attachment === undefined ? {} : { attachment: { ...n.attachment, instanceId: ref('instance', n.attachment.instanceId) } }),
      };
    }
    case 'snapshot': {
      const n = native as NativeSnapshot;
      return { ...base, volumeId: ref('volume', n.volumeId) };
    }
    case 'hardwareProfile':
    case 'image':
    case 'keyPair':
    case 'securityGroup':
      return base;
  }
}

/** The normalized state kept in its own column for filters; null for kinds without one. */
export function stateOf(kind: ResourceKind, native: AnyNative): string | null {
  switch (kind) {
    case 'instance':
    case 'image':
    case 'volume':
    case 'snapshot':
      return (native as { state: string }).state;
    case 'location':
      return (native as NativeLocation).available ? 'available' : 'unavailable';
    default:
      return null;
  }
}

export function tagsOf(native: AnyNative): Tags {
  return 'tags' in native && native.tags ? native.tags : {};
}
