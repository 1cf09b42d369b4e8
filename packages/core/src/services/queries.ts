import { SkyportError, type ResourceKind } from '@skyport/model';
import type { BrokerContext } from '../context.js';
import type { Page, ResourceRecord } from '../ports/index.js';
import type { ListQuery } from '../broker.js';

const KIND_WORDS: Record<ResourceKind, { noun: string; path: string }> = {
  location: { noun: 'location', path: 'locations' },
  hardwareProfile: { noun: 'hardware profile', path: 'hardware-profiles' },
  image: { noun: 'image', path: 'images' },
  instance: { noun: 'instance', path: 'instances' },
  keyPair: { noun: 'key pair', path: 'key-pairs' },
  volume: { noun: 'volume', path: 'volumes' },
  snapshot: { noun: 'snapshot', path: 'snapshots' },
  securityGroup: { noun: 'security group', path: 'security-groups' },
};

export function kindNoun(kind: ResourceKind): string {
  return KIND_WORDS[kind].noun;
}

/** Lists one kind from the inventory; provider names are accepted where ids are expected. */
export async function listKind<T>(ctx: BrokerContext, kind: ResourceKind, query: ListQuery = {}): Promise<Page<T>> {
  // A caller sees its tenant's providers only: no provider filter means all of the tenant's.
  const providerIds =
    query.providerIds !== undefined
      ? await Promise.all(query.providerIds.map(async (p) => (await ctx.connections.record(p)).id))
      : ctx.scope
        ? await ctx.scope.providerIds()
        : undefined;
  if (providerIds !== undefined && providerIds.length === 0) return { items: [] };
  const page = await ctx.store.resources.list({
    kind,
    limit: query.limit ?? 100,
    ...(providerIds === undefined ? {} : { providerIds }),
    ...(query.states === undefined ? {} : { states: query.states }),
    ...(query.name === undefined ? {} : { name: query.name }),
    ...(query.tags === undefined ? {} : { tags: query.tags }),
    ...(query.includeVanished === undefined ? {} : { includeVanished: query.includeVanished }),
    ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    ...(query.sort === undefined ? {} : { sort: query.sort }),
  });
  return { items: page.items.map((r) => r.data as T), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
}

/** A resource by broker id, if it exists and the caller's tenant owns its provider. */
export async function visibleRecord(ctx: BrokerContext, id: string): Promise<ResourceRecord | undefined> {
  const record = await ctx.store.resources.get(id);
  if (!record) return undefined;
  if (ctx.scope && !(await ctx.scope.ownsProvider(record.providerId))) return undefined;
  return record;
}

/** One record of a kind, or NotFound naming the id and where to look. */
export async function recordOf(ctx: BrokerContext, kind: ResourceKind, id: string): Promise<ResourceRecord> {
  const record = await visibleRecord(ctx, id);
  if (!record || record.kind !== kind || record.vanishedAt !== null) {
    const { noun, path } = KIND_WORDS[kind];
    throw new SkyportError('NotFound', `${noun} ${id} does not exist; list them with GET /api/v1/${path}`, { details: { kind, id } });
  }
  return record;
}

/** A record referenced by a request: must exist and live in the same provider. */
export async function referencedRecord(ctx: BrokerContext, kind: ResourceKind, id: string, providerId: string, field: string): Promise<ResourceRecord> {
  const record = await visibleRecord(ctx, id);
  if (!record || record.kind !== kind || record.vanishedAt !== null) {
    throw new SkyportError('NotFound', `${field}: ${kindNoun(kind)} ${id} does not exist`, { details: { field, id } });
  }
  if (record.providerId !== providerId) {
    throw new SkyportError('InvalidArgument', `${field}: ${kindNoun(kind)} ${id} belongs to another provider; use one of provider ${providerId}'s`, {
      details: { field, id, providerId: record.providerId },
    });
  }
  return record;
}

/** Finds a resource by broker id or, failing that, by name inside a provider. */
export async function recordByIdOrName(ctx: BrokerContext, kind: ResourceKind, idOrName: string, providerId: string, field: string): Promise<ResourceRecord> {
  const byId = await visibleRecord(ctx, idOrName);
  if (byId && byId.kind === kind && byId.vanishedAt === null) return referencedRecord(ctx, kind, idOrName, providerId, field);
  const byName = await ctx.store.resources.list({ kind, providerIds: [providerId], name: idOrName.replace(/\*/g, ''), limit: 2 });
  const [first] = byName.items;
  if (!first) {
    throw new SkyportError('NotFound', `${field}: no ${kindNoun(kind)} with id or name "${idOrName}" in this provider`, { details: { field, value: idOrName } });
  }
  return first;
}
