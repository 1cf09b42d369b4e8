/**
 * Snapshots of volumes. Skyport snapshots have a name and no description: a Description (or a
 * Name tag) becomes the name, fitted to Skyport's name rules, and Describe shows it back as
 * the description.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Snapshot } from '@skyport/model';
import { defineAction } from '../action.js';
import { invalidValue } from '../protocol/ec2-error.js';
import { readFilters, type FilterSpec } from '../protocol/filters.js';
import { items } from '../protocol/xml-writer.js';
import { ec2SnapshotState, snapshotXml } from '../render/volume-xml.js';
import { awaitAccepted, awaitCreated } from './await-created.js';
import { checkId, getAllInProvider } from './ids.js';
import { describeResources, readPaging, refuseIdsWithPaging, tagPushDown } from './describe-support.js';
import { derivedName } from './launch-names.js';
import { readTagSpecifications } from './tag-params.js';

function spec(ownerId: string): FilterSpec<Snapshot> {
  return {
    fields: {
      'snapshot-id': (s) => s.id,
      'volume-id': (s) => s.volumeId,
      status: (s) => ec2SnapshotState(s),
      progress: (s) => `${Math.round(s.progress)}%`,
      'volume-size': (s) => s.sizeGiB,
      'owner-id': () => ownerId,
      description: (s) => s.name,
      'start-time': (s) => s.createdAt,
      encrypted: () => false,
      'storage-tier': () => 'standard',
    },
    tags: (s) => s.tags,
  };
}

export const createSnapshot = defineAction({
  name: 'CreateSnapshot',
  mutates: true,
  subject: 'snapshot',
  parameters: ['VolumeId', 'Description', 'TagSpecification.N'],
  parse: (params) => ({
    volumeId: checkId('volume', params.requiredString('VolumeId'), 'VolumeId'),
    description: params.string('Description'),
    tags: readTagSpecifications(params, 'CreateSnapshot', ['snapshot']).snapshot ?? {},
  }),
  async run(ctx, input) {
    const provider = await ctx.provider();
    await getAllInProvider('volume', [input.volumeId], provider.id, ctx.region, (id) => ctx.broker.volumes.get(id));
    const name = derivedName(input.tags['Name'] ?? input.description, 'snap', createHash('sha256').update(randomUUID()).digest('hex').slice(0, 10));
    const operation = await ctx.broker.snapshots.create({ volumeId: input.volumeId, name, ...(Object.keys(input.tags).length === 0 ? {} : { tags: input.tags }) });
    const snapshot: Snapshot = (await awaitCreated(ctx.broker, operation, (id) => ctx.broker.snapshots.get(id))) ?? {
      id: operation.targetId!,
      providerId: provider.id,
      name,
      volumeId: input.volumeId,
      sizeGiB: (await ctx.broker.volumes.get(input.volumeId)).sizeGiB,
      state: 'pending',
      progress: 0,
      tags: input.tags,
      createdAt: operation.createdAt,
    };
    return snapshotXml(snapshot, ctx.ownerId);
  },
});

export const describeSnapshots = defineAction({
  name: 'DescribeSnapshots',
  mutates: false,
  subject: 'snapshot',
  parameters: ['SnapshotId.N', 'Owner.N', 'RestorableBy.N', 'Filter.N', 'MaxResults', 'NextToken'],
  parse(params) {
    const ids = params.list('SnapshotId').map((id, i) => checkId('snapshot', id, `SnapshotId.${i + 1}`));
    const paging = readPaging(params, { min: 5, max: 1000 });
    refuseIdsWithPaging(paging, 'SnapshotId', ids);
    params.list('RestorableBy').forEach((who, i) => {
      if (who !== 'self' && who !== 'all') throw invalidValue(`RestorableBy.${i + 1}`, who, 'Skyport snapshots are restorable by their tenant only: use self.');
    });
    return { ids, owners: params.list('Owner'), filters: readFilters(params, spec('')), paging };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    const tags = tagPushDown(input.filters);
    // Every snapshot a tenant sees is its own: Owner narrows to nothing unless it names the tenant.
    const ownerOk = input.owners.length === 0 || input.owners.some((o) => o === 'self' || o === ctx.ownerId);
    const page = await describeResources<Snapshot>({
      action: 'DescribeSnapshots',
      subject: 'snapshot',
      ids: input.ids,
      providerId: provider.id,
      region: ctx.region,
      get: (id) => ctx.broker.snapshots.get(id),
      filters: input.filters,
      spec: spec(ctx.ownerId),
      paging: input.paging,
      list: (query) => ctx.broker.snapshots.list(query),
      query: { providerIds: [provider.id], ...(tags === undefined ? {} : { tags }) },
      extra: [ctx.region, input.owners],
      also: (s) => ownerOk && s.state !== 'deleted',
    });
    return { snapshotSet: items(page.items.map((s) => snapshotXml(s, ctx.ownerId))), nextToken: page.nextToken };
  },
});

export const deleteSnapshot = defineAction({
  name: 'DeleteSnapshot',
  mutates: true,
  subject: 'snapshot',
  parameters: ['SnapshotId'],
  parse: (params) => ({ snapshotId: checkId('snapshot', params.requiredString('SnapshotId'), 'SnapshotId') }),
  async run(ctx, input) {
    const provider = await ctx.provider();
    await getAllInProvider('snapshot', [input.snapshotId], provider.id, ctx.region, (id) => ctx.broker.snapshots.get(id));
    await awaitAccepted(ctx.broker, await ctx.broker.snapshots.delete(input.snapshotId));
    return { return: true };
  },
});
