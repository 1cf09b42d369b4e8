/**
 * Names where the migration API wants ids: plans by name, source instances, profiles and
 * locations of the source (mapping keys are ids) looked up in the providers' inventories.
 */
import { ID_PREFIX, SkyportError } from '@skyport/model';
import type { SkyportClient } from '@skyport/client';
import { resolveLocation, resolveSecurityGroup } from './resolve.js';

const isId = (prefix: string, value: string) => new RegExp(`^${prefix}-[0-9a-f]{17}$`).test(value);

/** A plan by id, or by its name when exactly one plan has it. */
export async function resolvePlan(client: SkyportClient, value: string): Promise<string> {
  if (isId(ID_PREFIX.migrationPlan, value)) return value;
  const named = (await client.migrations.list()).filter((p) => p.name === value);
  if (named.length === 1) return named[0]!.id;
  if (named.length === 0) throw new SkyportError('NotFound', `no migration plan named "${value}"; list them with: skyport migrate plan list`, { details: { field: 'plan', value } });
  throw new SkyportError('InvalidArgument', `${named.length} migration plans are named "${value}" (${named.map((p) => p.id).join(', ')}); give the id`, { details: { field: 'plan', value } });
}

export async function resolveInstances(client: SkyportClient, provider: string, values: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const value of values) {
    if (isId(ID_PREFIX.instance, value)) {
      ids.push(value);
      continue;
    }
    const found = (await client.instances.list({ provider: [provider], name: value, limit: 2 })).items.filter((i) => i.state !== 'terminated');
    if (found.length !== 1) {
      throw new SkyportError(found.length === 0 ? 'NotFound' : 'InvalidArgument', found.length === 0 ? `no instance named "${value}" in provider ${provider}` : `more than one instance is named "${value}" in provider ${provider}; give the id`, {
        details: { field: 'instance', value },
      });
    }
    ids.push(found[0]!.id);
  }
  return ids;
}

/** `--map-profile small=flex`: the source profile by name or id becomes its id; the target stays as given. */
export async function profileMap(client: SkyportClient, source: string, pairs: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const profiles = (await client.hardwareProfiles.list({ provider: [source], limit: 1000 })).items;
  const result: Record<string, string> = {};
  for (const [from, to] of Object.entries(pairs)) {
    const profile = profiles.find((p) => p.id === from || p.name === from);
    if (profile === undefined) throw new SkyportError('NotFound', `--map-profile: no hardware profile "${from}" in provider ${source}`, { details: { field: '--map-profile', value: from } });
    result[profile.id] = to;
  }
  return result;
}

/** `--map-location src-1a=dst-1b`: both sides by name or id. */
export async function locationMap(client: SkyportClient, source: string, target: string, pairs: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const [from, to] of Object.entries(pairs)) result[await resolveLocation(client, source, from)] = await resolveLocation(client, target, to);
  return result;
}

export async function groupIds(client: SkyportClient, target: string, values: readonly string[]): Promise<string[]> {
  return Promise.all(values.map((v) => resolveSecurityGroup(client, target, v)));
}
