/**
 * CreateTags, DeleteTags and DescribeTags over every taggable kind; the id's prefix says the
 * kind (`i-`, `vol-`, `snap-`, `ami-`, `sg-`, `key-`).
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteTags.html
 */
import type { Broker } from '@skyport/core';
import type { TaggableKind, Tags } from '@skyport/model';
import { listAll, type ActionContext } from '../action-context.js';
import { defineAction } from '../action.js';
import { Ec2Error, missingParameter } from '../protocol/ec2-error.js';
import { filterPredicate, findFilter, exactValues, readFilters, type FilterSpec } from '../protocol/filters.js';
import type { QueryParams } from '../protocol/query-params.js';
import { items } from '../protocol/xml-writer.js';
import { getAllInProvider } from './ids.js';
import { pageOfList, readPaging } from './describe-support.js';
import { RESOURCE_TYPES, readTagPairs, resourceTypeOf, type Ec2ResourceType } from './tag-params.js';

const KIND_BY_PREFIX: Readonly<Record<string, TaggableKind>> = { i: 'instance', vol: 'volume', snap: 'snapshot', ami: 'image', sg: 'securityGroup', key: 'keyPair' };

interface Tagged {
  readonly id: string;
  readonly providerId: string;
  readonly tags: Tags;
}

function kindOf(id: string): TaggableKind {
  const prefix = /^([a-z]+)-[0-9a-f]{8,17}$/.exec(id)?.[1];
  const kind = prefix === undefined ? undefined : KIND_BY_PREFIX[prefix];
  if (kind === undefined) throw new Ec2Error('InvalidID', `The ID '${id}' is not valid: Skyport tags instances (i-), volumes (vol-), snapshots (snap-), images (ami-), security groups (sg-) and key pairs (key-)`);
  return kind;
}

function getter(broker: Broker, kind: TaggableKind): (id: string) => Promise<Tagged> {
  switch (kind) {
    case 'instance':
      return (id) => broker.instances.get(id);
    case 'volume':
      return (id) => broker.volumes.get(id);
    case 'snapshot':
      return (id) => broker.snapshots.get(id);
    case 'image':
      return (id) => broker.images.get(id);
    case 'securityGroup':
      return (id) => broker.securityGroups.get(id);
    case 'keyPair':
      return (id) => broker.keyPairs.get(id);
  }
}

function lister(broker: Broker, kind: TaggableKind): (query: Parameters<Broker['instances']['list']>[0]) => Promise<{ readonly items: readonly Tagged[]; readonly nextCursor?: string }> {
  switch (kind) {
    case 'instance':
      return (q) => broker.instances.list(q);
    case 'volume':
      return (q) => broker.volumes.list(q);
    case 'snapshot':
      return (q) => broker.snapshots.list(q);
    case 'image':
      return (q) => broker.images.list(q);
    case 'securityGroup':
      return (q) => broker.securityGroups.list(q);
    case 'keyPair':
      return (q) => broker.keyPairs.list(q);
  }
}

/** The resources, each checked to exist in the region's provider, before any is changed. */
async function resolve(ctx: ActionContext, ids: readonly string[]): Promise<{ readonly id: string; readonly kind: TaggableKind; readonly resource: Tagged }[]> {
  const provider = await ctx.provider();
  const out = [];
  for (const id of ids) {
    const kind = kindOf(id);
    // Checked for all first, so a request is not half applied.
    if (!provider.capabilities.tags?.kinds.includes(kind)) {
      throw new Ec2Error('UnsupportedOperation', `Provider ${provider.name} does not support tags on ${resourceTypeOf(kind)} resources (${id})`);
    }
    const [resource] = await getAllInProvider(kind, [id], provider.id, ctx.region, getter(ctx.broker, kind));
    out.push({ id, kind, resource: resource! });
  }
  return out;
}

function readResourceIds(params: QueryParams): string[] {
  const ids = params.list('ResourceId');
  if (ids.length === 0) throw missingParameter('ResourceId.1', 'the ids of the resources to tag');
  return ids;
}

export const createTags = defineAction({
  name: 'CreateTags',
  mutates: true,
  subject: 'tag',
  parameters: ['ResourceId.N', 'Tag.N.Key', 'Tag.N.Value'],
  parse(params) {
    const ids = readResourceIds(params);
    const pairs = readTagPairs(params, 'Tag', false);
    if (pairs.length === 0) throw missingParameter('Tag.1.Key');
    return { ids, set: Object.fromEntries(pairs.map((p) => [p.key, p.value ?? ''])) as Tags };
  },
  async run(ctx, input) {
    for (const { id, kind } of await resolve(ctx, input.ids)) await ctx.broker.tags.update(kind, id, { set: input.set });
    return { return: true };
  },
});

export const deleteTags = defineAction({
  name: 'DeleteTags',
  mutates: true,
  subject: 'tag',
  parameters: ['ResourceId.N', 'Tag.N.Key', 'Tag.N.Value'],
  parse: (params) => ({ ids: readResourceIds(params), pairs: readTagPairs(params, 'Tag', true) }),
  async run(ctx, input) {
    for (const { id, kind, resource } of await resolve(ctx, input.ids)) {
      // No Tag: every tag goes. A Tag with a Value goes only while it has that value.
      const remove =
        input.pairs.length === 0
          ? Object.keys(resource.tags)
          : input.pairs.filter((p) => Object.hasOwn(resource.tags, p.key) && (p.value === undefined || resource.tags[p.key] === p.value)).map((p) => p.key);
      if (remove.length > 0) await ctx.broker.tags.update(kind, id, { remove });
    }
    return { return: true };
  },
});

interface TagRow {
  readonly resourceId: string;
  readonly resourceType: Ec2ResourceType;
  readonly key: string;
  readonly value: string;
}

const SPEC: FilterSpec<TagRow> = {
  fields: {
    key: (t) => t.key,
    value: (t) => t.value,
    'resource-id': (t) => t.resourceId,
    'resource-type': (t) => t.resourceType,
  },
};

export const describeTags = defineAction({
  name: 'DescribeTags',
  mutates: false,
  subject: 'tag',
  parameters: ['Filter.N', 'MaxResults', 'NextToken'],
  parse: (params) => ({ filters: readFilters(params, SPEC), paging: readPaging(params, { min: 5, max: 1000 }) }),
  async run(ctx, input) {
    const provider = await ctx.provider();
    const types = exactValues(findFilter(input.filters, 'resource-type'));
    const keys = exactValues(findFilter(input.filters, 'key'));
    const kinds = (Object.keys(RESOURCE_TYPES) as Ec2ResourceType[]).filter((t) => types === undefined || types.includes(t)).map((t) => RESOURCE_TYPES[t]);
    const rows: TagRow[] = [];
    for (const kind of kinds) {
      const list = lister(ctx.broker, kind);
      // A single exact key can be asked of the inventory; otherwise every resource is read.
      const tagQuery = keys?.length === 1 ? { tags: { [keys[0]!]: null } } : {};
      const resources = await listAll((cursor) => list({ providerIds: [provider.id], limit: 1000, ...tagQuery, ...(cursor === undefined ? {} : { cursor }) }));
      for (const r of resources) for (const [key, value] of Object.entries(r.tags)) rows.push({ resourceId: r.id, resourceType: resourceTypeOf(kind), key, value });
    }
    const keep = filterPredicate(input.filters, SPEC);
    const matching = rows.filter(keep).sort((a, b) => a.resourceId.localeCompare(b.resourceId) || a.key.localeCompare(b.key));
    const page = pageOfList('DescribeTags', matching, input.paging, [ctx.region, input.filters]);
    return { tagSet: items(page.items.map((t) => ({ resourceId: t.resourceId, resourceType: t.resourceType, key: t.key, value: t.value }))), nextToken: page.nextToken };
  },
});
