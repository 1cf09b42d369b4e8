/** Checks a create request the way a cloud API would, naming the field and what is allowed. */
import type { DriverCreateInstanceRequest, NativeHardwareProfile } from '@skyport/core';
import { SkyportError, describeDimension, dimensionAllows, type ProfileDimension } from '@skyport/model';
import type { DriverContext } from './driver-context.js';
import { GIB } from './driver-context.js';
import type { ImageRecord } from './driver-state.js';
import { invalidArgument, invalidState, notFound, unsupported } from './errors.js';
import { hostMemory } from './host-memory.js';
import { checkName, validTags } from './tag-rules.js';

/** cloud-init's practical limit on most clouds. */
export const MAX_USER_DATA_BYTES = 16 * 1024;

export interface ValidCreate {
  readonly name: string;
  readonly image: ImageRecord;
  readonly profile: NativeHardwareProfile;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly zone: string;
  readonly keyName?: string;
  readonly publicKeys: readonly string[];
  readonly userData?: string;
  readonly tags: Record<string, string>;
}

function dimension(field: string, value: unknown, d: ProfileDimension, profile: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || !dimensionAllows(d, value)) {
    throw invalidArgument(field, `${field} ${String(value)} is not allowed by hardware profile ${profile}: it must be ${describeDimension(d)}`, { value, allowed: d });
  }
  return value;
}

/** Memory QEMU would need beyond what the host has free right now is refused up front. */
export async function checkMemoryAvailable(memoryMiB: number): Promise<void> {
  const host = await hostMemory();
  if (memoryMiB > host.availableMiB) {
    throw new SkyportError(
      'QuotaExceeded',
      `the instance needs ${memoryMiB} MiB of memory but this host has only ${host.availableMiB} MiB available (${host.totalMiB} MiB in total); choose at most ${host.availableMiB} MiB or stop other instances`,
      { providerCode: 'InsufficientHostMemory', details: { field: 'memoryMiB', requestedMiB: memoryMiB, availableMiB: host.availableMiB, totalMiB: host.totalMiB } },
    );
  }
}

export function findImage(ctx: DriverContext, id: string, field = 'imageId'): ImageRecord {
  const image = ctx.state.images.find((i) => i.id === id && i.deregistered !== true);
  if (image === undefined) throw notFound('image', id, field);
  return image;
}

export async function validateCreate(ctx: DriverContext, request: DriverCreateInstanceRequest): Promise<ValidCreate> {
  const name = checkName('name', 'instance', request.name);
  const image = findImage(ctx, request.imageId);
  if (image.state !== 'available') {
    throw invalidState(`image ${image.name} (${image.id}) is ${image.state}; instances start only from available images${image.description ? ` (${image.description})` : ''}`, {
      imageId: image.id,
      state: image.state,
    });
  }
  const profile = ctx.catalogue.profile(request.hardwareProfileId);
  const cpus = dimension('cpus', request.cpus, profile.cpus, profile.name);
  const memoryMiB = dimension('memoryMiB', request.memoryMiB, profile.memoryMiB, profile.name);
  const diskGiB = dimension('diskGiB', request.diskGiB, profile.diskGiB, profile.name);
  const imageGiB = Math.ceil(image.virtualSizeBytes / GIB);
  if (diskGiB * GIB < image.virtualSizeBytes) {
    throw invalidArgument('diskGiB', `image ${image.name} needs a root disk of at least ${imageGiB} GiB; ${diskGiB} GiB were asked for`, { minimum: imageGiB });
  }
  const zone = ctx.catalogue.zoneFor(request.locationId);
  let publicKeys: string[] = [];
  if (request.keyName !== undefined) {
    const key = ctx.state.keyPairs.find((k) => k.name === request.keyName);
    if (key === undefined) throw notFound('key pair', request.keyName, 'keyName');
    publicKeys = [key.publicKey];
  }
  if (request.userData !== undefined && Buffer.byteLength(request.userData) > MAX_USER_DATA_BYTES) {
    throw invalidArgument('userData', `user data is ${Buffer.byteLength(request.userData)} bytes; at most ${MAX_USER_DATA_BYTES} are allowed`, { max: MAX_USER_DATA_BYTES });
  }
  if (request.securityGroupIds !== undefined && request.securityGroupIds.length > 0) {
    throw unsupported('the qemu driver has no security groups (securityGroupIds): instances are reached only through their forwarded loopback ports');
  }
  const tags = validTags(request.tags);
  await checkMemoryAvailable(memoryMiB);
  return {
    name,
    image,
    profile,
    cpus,
    memoryMiB,
    diskGiB,
    zone,
    ...(request.keyName === undefined ? {} : { keyName: request.keyName }),
    publicKeys,
    ...(request.userData === undefined ? {} : { userData: request.userData }),
    tags,
  };
}
