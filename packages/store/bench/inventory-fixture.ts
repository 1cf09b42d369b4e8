import type { ResourceQuery, ResourceRecord } from '@skyport/core';

/** Deterministic pseudo-random numbers, so every run lists the same inventory. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const STATES = ['running', 'running', 'running', 'running', 'running', 'running', 'stopped', 'stopped', 'pending', 'terminated'];
const ROLES = ['web', 'api', 'worker', 'db', 'cache'];
const ENVS = ['prod', 'staging', 'dev'];

/**
 * `count` instance records shaped like the broker's: ~60% running, 1% error, five name
 * roles, tags env (every), team (every), owner (1 in 1000 per owner), backup (1 in 100).
 */
export function instanceListing(providerId: string, count: number, at: string, options: { seed?: number } = {}): ResourceRecord[] {
  const next = random(options.seed ?? 1);
  const records: ResourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(6, '0');
    // Broker ids are random: no correlation between id order and provider, state or name.
    const id = `i-${Math.floor(next() * 2 ** 40).toString(16).padStart(10, '0')}${n}`;
    const state = i % 100 === 0 ? 'error' : STATES[Math.floor(next() * STATES.length)]!;
    const role = ROLES[i % ROLES.length]!;
    const tags: Record<string, string> = { env: ENVS[i % ENVS.length]!, owner: `user-${i % 1000}`, team: `team-${i % 50}` };
    if (i % 100 === 7) tags['backup'] = 'daily';
    const name = `${role}-${n}`;
    const data = {
      id,
      providerId,
      name,
      state,
      rawState: state.toUpperCase(),
      imageId: `ami-${(i % 40).toString(16).padStart(8, '0')}`,
      hardwareProfileId: 'hwp-m5-large',
      cpus: 2,
      memoryMiB: 8192,
      diskGiB: 50,
      locationId: `loc-zone-${i % 3}`,
      keyName: 'deploy',
      addresses: [
        { kind: 'private', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
        { kind: 'public', address: `203.0.${(i >> 8) & 255}.${i & 255}` },
      ],
      tags,
      createdAt: at,
    };
    records.push({ id, providerId, kind: 'instance', nativeId: `native-${providerId}-${n}`, name, state, tags, data, createdAt: at, updatedAt: at, vanishedAt: null });
  }
  return records;
}

/** Filters worth timing over the listing above (prv-a 100k, prv-b 5k), with what they select. */
export const LIST_QUERIES: Record<string, Omit<ResourceQuery, 'limit' | 'kind'>> = {
  'kind only': {},
  'state=running (60%)': { states: ['running'] },
  'state=error (1%)': { states: ['error'] },
  'states stopped|error (21%)': { states: ['stopped', 'error'] },
  'provider B (5%)': { providerIds: ['prv-b'] },
  'providers A|B': { providerIds: ['prv-a', 'prv-b'] },
  'name exact': { name: 'db-004213' },
  'name prefix web-* (20%)': { name: 'web-*' },
  'name prefix db-0042* (rare)': { name: 'db-0042*' },
  'tag env=prod (33%)': { tags: { env: 'prod' } },
  'tag owner=user-17 (0.1%)': { tags: { owner: 'user-17' } },
  'tag backup exists (1%)': { tags: { backup: null } },
  'tag env=none (0%)': { tags: { env: 'none' } },
  'running+prod+provider A': { states: ['running'], tags: { env: 'prod' }, providerIds: ['prv-a'] },
  'error+team-7 (rare combo)': { states: ['error'], tags: { team: 'team-7' } },
  'includeVanished, kind only': { includeVanished: true },
  'sort by name': { sort: { field: 'name' } },
  'sort by name descending': { sort: { field: 'name', descending: true } },
  'sort by state, state=running': { sort: { field: 'state' }, states: ['running'] },
  'sort by provider descending, tag env=prod': { sort: { field: 'providerId', descending: true }, tags: { env: 'prod' } },
};
