/**
 * What an action gets: the broker as the caller may use it, the provider its region names,
 * and lookups of the provider's zones and hardware profiles (cached for the request).
 */
import { createHash } from 'node:crypto';
import type { Broker, ProviderView } from '@skyport/core';
import { isSkyportError, type HardwareProfile, type Location, type Principal } from '@skyport/model';
import { Ec2Error } from './protocol/ec2-error.js';

/** The provider's zones and profiles, by broker id and by name. */
export interface ProviderCatalog {
  readonly zones: readonly Location[];
  readonly zoneById: ReadonlyMap<string, Location>;
  readonly zoneByName: ReadonlyMap<string, Location>;
  readonly profiles: readonly HardwareProfile[];
  readonly profileById: ReadonlyMap<string, HardwareProfile>;
  readonly profileByName: ReadonlyMap<string, HardwareProfile>;
}

export interface ActionContext {
  readonly broker: Broker;
  readonly principal: Principal;
  /** The region of the signature: the name of a Skyport provider. */
  readonly region: string;
  readonly requestId: string;
  /** `host[:port]` the client called, for `regionEndpoint`. */
  readonly endpointHost: string;
  /** The 12-digit account number EC2 clients expect, derived from the caller's tenant. */
  readonly ownerId: string;
  readonly now: () => Date;
  /** The provider the region names; AuthFailure when the caller has no such provider. */
  provider(): Promise<ProviderView>;
  catalog(): Promise<ProviderCatalog>;
}

/** Reads every page of a broker list. */
export async function listAll<T>(fetch: (cursor: string | undefined) => Promise<{ readonly items: readonly T[]; readonly nextCursor?: string }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return all;
}

/** EC2 account ids are 12 digits; a tenant's is a stable digest of its id. */
export function ownerIdOf(tenantId: string): string {
  const digest = createHash('sha256').update(`skyport-tenant:${tenantId}`).digest();
  return (digest.readBigUInt64BE(0) % 1_000_000_000_000n).toString().padStart(12, '0');
}

export interface ContextInput {
  readonly broker: Broker;
  readonly principal: Principal;
  readonly region: string;
  readonly requestId: string;
  readonly endpointHost: string;
  readonly now: () => Date;
}

export function createActionContext(input: ContextInput): ActionContext {
  let provider: Promise<ProviderView> | undefined;
  let catalog: Promise<ProviderCatalog> | undefined;
  const context: ActionContext = {
    ...input,
    ownerId: ownerIdOf(input.principal.tenantId),
    provider() {
      provider ??= resolveProvider(input.broker, input.region);
      return provider;
    },
    catalog() {
      catalog ??= loadCatalog(context);
      return catalog;
    },
  };
  return context;
}

async function resolveProvider(broker: Broker, region: string): Promise<ProviderView> {
  try {
    return await broker.providers.get(region);
  } catch (error) {
    if (!isSkyportError(error) || error.code !== 'NotFound') throw error;
    const names = (await broker.providers.list()).map((p) => p.name).sort();
    // AWS answers a credential scoped to a region it does not serve with AuthFailure; here the
    // message also says what the regions are.
    throw new Ec2Error(
      'AuthFailure',
      `Credential should be scoped to a valid region: '${region}' is not a Skyport provider you can use. At Skyport, regions are providers: ${names.length === 0 ? 'you have none yet (add one with `skyport providers add`)' : names.join(', ')}; pass one with --region`,
    );
  }
}

async function loadCatalog(ctx: ActionContext): Promise<ProviderCatalog> {
  const provider = await ctx.provider();
  const providerIds = [provider.id];
  const [locations, profiles] = await Promise.all([
    listAll((cursor) => ctx.broker.locations.list({ providerIds, limit: 1000, ...(cursor === undefined ? {} : { cursor }) })),
    listAll((cursor) => ctx.broker.hardwareProfiles.list({ providerIds, limit: 1000, ...(cursor === undefined ? {} : { cursor }) })),
  ]);
  const zones = locations.filter((l) => l.kind === 'zone').sort((a, b) => a.name.localeCompare(b.name));
  return {
    zones,
    zoneById: new Map(zones.map((z) => [z.id, z])),
    zoneByName: new Map(zones.map((z) => [z.name, z])),
    profiles,
    profileById: new Map(profiles.map((p) => [p.id, p])),
    profileByName: new Map(profiles.map((p) => [p.name, p])),
  };
}
