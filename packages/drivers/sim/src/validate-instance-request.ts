/** Checks a create request the way a cloud API would, naming the offending field and what is allowed. */
import type { DriverCreateInstanceRequest } from '@skyport/core';
import { describeDimension, dimensionAllows, type ProfileDimension } from '@skyport/model';
import type { Catalogue } from './sim-catalogue.js';
import { invalidArgument, invalidState, notFound } from './sim-errors.js';
import { validateTags } from './tag-rules.js';

/** Cloud-init's practical limit on most clouds. */
const MAX_USER_DATA_BYTES = 16 * 1024;

export interface ValidInstanceRequest {
  readonly name: string;
  readonly imageId: string;
  readonly flavorId: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly zone: string;
  readonly keyName: string | null;
  readonly userData: string | null;
  readonly tags: Record<string, string>;
  readonly securityGroups: readonly string[];
}

/** What validation looks up beyond the catalogue. */
export interface InstanceRequestLookups {
  readonly keyPairExists: (name: string) => boolean;
  /** The groups the instance joins (NotFound for an unknown one). */
  readonly securityGroups: (ids: readonly string[] | undefined) => string[];
}

function checkDimension(field: string, value: unknown, d: ProfileDimension, flavor: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || !dimensionAllows(d, value)) {
    throw invalidArgument(field, `${field} ${String(value)} is not allowed by flavor ${flavor}: it must be ${describeDimension(d)}`, { value, allowed: d });
  }
  return value;
}

export function validateInstanceRequest(
  request: DriverCreateInstanceRequest,
  catalogue: Catalogue,
  lookups: InstanceRequestLookups,
  now: number,
): ValidInstanceRequest {
  const name = request.name;
  if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
    throw invalidArgument('name', `instance name ${JSON.stringify(name)} must be 1 to 255 characters`);
  }
  const image = catalogue.image(request.imageId, now);
  if (image.state !== 'available') {
    throw invalidState(`image ${image.nativeId} is ${image.state}; instances can be created only from available images`, { imageId: image.nativeId, state: image.state });
  }
  const flavor = catalogue.flavor(request.hardwareProfileId);
  if (flavor.architecture !== image.architecture) {
    throw invalidArgument('hardwareProfileId', `flavor ${flavor.name} is ${flavor.architecture} but image ${image.name} is ${image.architecture}`);
  }
  const cpus = checkDimension('cpus', request.cpus, flavor.cpus, flavor.name);
  const memoryMiB = checkDimension('memoryMiB', request.memoryMiB, flavor.memoryMiB, flavor.name);
  const diskGiB = checkDimension('diskGiB', request.diskGiB, flavor.diskGiB, flavor.name);
  if (image.sizeGiB !== undefined && diskGiB < image.sizeGiB) {
    throw invalidArgument('diskGiB', `image ${image.name} needs a root disk of at least ${image.sizeGiB} GiB; flavor ${flavor.name} gives ${diskGiB} GiB`, { minimum: image.sizeGiB });
  }
  const zone = catalogue.zoneFor(request.locationId);
  if (request.keyName !== undefined && !lookups.keyPairExists(request.keyName)) throw notFound('KeyPair', request.keyName, 'keyName');
  const securityGroups = lookups.securityGroups(request.securityGroupIds);
  if (request.userData !== undefined && Buffer.byteLength(request.userData) > MAX_USER_DATA_BYTES) {
    throw invalidArgument('userData', `user data is ${Buffer.byteLength(request.userData)} bytes; at most ${MAX_USER_DATA_BYTES} are allowed`);
  }
  return {
    name,
    imageId: image.nativeId,
    flavorId: flavor.nativeId,
    cpus,
    memoryMiB,
    diskGiB,
    zone,
    keyName: request.keyName ?? null,
    userData: request.userData ?? null,
    tags: validateTags(request.tags),
    securityGroups,
  };
}
