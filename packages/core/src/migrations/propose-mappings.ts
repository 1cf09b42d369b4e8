import type { HardwareProfile, Instance, MigrationMappings } from '@skyport/model';
import type { Connection } from '../provider-connections.js';
import type { InventoryLookup } from './inventory-lookup.js';
import { nearestProfile } from './nearest-profile.js';

/** The group a provider puts instances in when none is named (EC2, OpenStack and the sim call it so). */
export const DEFAULT_SECURITY_GROUP = 'default';

/**
 * What the broker proposes where the user mapped nothing: for each source hardware profile the
 * nearest target profile by CPUs and memory (of the largest instance using it), the target
 * key pair of the same name, the target's default security group, the target location of the
 * same name. Only what exists now is proposed; preflight says what is missing.
 */
export async function proposeMappings(lookup: InventoryLookup, target: Connection, instances: readonly Instance[]): Promise<MigrationMappings> {
  const targetId = target.record.id;
  const profiles = (await lookup.all(targetId, 'hardwareProfile')).map((r) => r.data as unknown as HardwareProfile);
  const hardwareProfiles: Record<string, string> = {};
  const largest = new Map<string, Instance>();
  for (const i of instances) {
    const seen = largest.get(i.hardwareProfileId);
    if (seen === undefined || i.cpus * 1e6 + i.memoryMiB > seen.cpus * 1e6 + seen.memoryMiB) largest.set(i.hardwareProfileId, i);
  }
  for (const [sourceProfileId, instance] of largest) {
    const sourceProfile = await lookup.get(sourceProfileId);
    const architecture = (sourceProfile?.data as { architecture?: string } | undefined)?.architecture;
    const fit = nearestProfile(profiles, instance, architecture);
    if (fit !== undefined) hardwareProfiles[sourceProfileId] = fit.profile.id;
  }

  const keyPairs: Record<string, string> = {};
  if (target.factory.capabilities.instances.keyPair) {
    const targetKeys = new Set((await lookup.all(targetId, 'keyPair')).map((r) => r.name));
    for (const name of new Set(instances.map((i) => i.keyName).filter((k) => k !== undefined))) {
      if (targetKeys.has(name)) keyPairs[name] = name;
    }
  }

  const locations: Record<string, string> = {};
  const targetLocations = await lookup.all(targetId, 'location');
  for (const sourceLocationId of new Set(instances.map((i) => i.locationId).filter((l) => l !== undefined))) {
    const sourceLocation = await lookup.get(sourceLocationId);
    const same = targetLocations.find((l) => l.name === sourceLocation?.name);
    if (same !== undefined) locations[sourceLocationId] = same.id;
  }

  let securityGroupIds: string[] | undefined;
  if (target.factory.capabilities.securityGroups) {
    const group = (await lookup.all(targetId, 'securityGroup')).find((g) => g.name === DEFAULT_SECURITY_GROUP);
    if (group !== undefined) securityGroupIds = [group.id];
  }
  return {
    ...(Object.keys(hardwareProfiles).length === 0 ? {} : { hardwareProfiles }),
    ...(Object.keys(keyPairs).length === 0 ? {} : { keyPairs }),
    ...(Object.keys(locations).length === 0 ? {} : { locations }),
    ...(securityGroupIds === undefined ? {} : { securityGroupIds }),
  };
}
