/**
 * Volumes: Create (in an availability zone, empty or from a snapshot), Describe, Attach,
 * Detach, Delete. Skyport volumes have one type; EC2 options that would promise more
 * (io1 IOPS, encryption, multi-attach) are refused rather than ignored.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Volume } from '@skyport/model';
import { defineAction } from '../action.js';
import { Ec2Error, invalidCombination, invalidValue, missingParameter } from '../protocol/ec2-error.js';
import { readFilters, type FilterSpec } from '../protocol/filters.js';
import type { ProviderCatalog } from '../action-context.js';
import { items } from '../protocol/xml-writer.js';
import { attachmentStatus, ec2VolumeState, VOLUME_TYPE, volumeXml } from '../render/volume-xml.js';
import { awaitAccepted, awaitCreated } from './await-created.js';
import { checkId, getAllInProvider } from './ids.js';
import { describeResources, readPaging, refuseIdsWithPaging, tagPushDown } from './describe-support.js';
import { derivedName, readClientToken } from './launch-names.js';
import { readTagSpecifications } from './tag-params.js';

/** How long DetachVolume lets an attachment in progress finish. */
const SETTLE_MS = 10_000;

function spec(catalog: ProviderCatalog | undefined): FilterSpec<Volume> {
  return {
    fields: {
      'volume-id': (v) => v.id,
      status: (v) => ec2VolumeState(v),
      size: (v) => v.sizeGiB,
      'availability-zone': (v) => (v.locationId === undefined ? undefined : catalog?.zoneById.get(v.locationId)?.name),
      'snapshot-id': (v) => v.snapshotId ?? '',
      'volume-type': () => VOLUME_TYPE,
      encrypted: () => false,
      'multi-attach-enabled': () => false,
      'create-time': (v) => v.createdAt,
      'attachment.instance-id': (v) => v.attachment?.instanceId,
      'attachment.device': (v) => v.attachment?.device,
      'attachment.status': (v) => (v.attachment === undefined ? undefined : attachmentStatus(v)),
      'attachment.delete-on-termination': (v) => (v.attachment === undefined ? undefined : false),
    },
    tags: (v) => v.tags,
  };
}

export const createVolume = defineAction({
  name: 'CreateVolume',
  mutates: true,
  subject: 'volume',
  parameters: ['AvailabilityZone', 'Size', 'SnapshotId', 'VolumeType', 'Encrypted', 'TagSpecification.N', 'ClientToken'],
  parse(params) {
    const zone = params.requiredString('AvailabilityZone', 'the zone to create the volume in (aws ec2 describe-availability-zones)');
    const size = params.integer('Size', { min: 1, max: 65536 });
    const snapshotRaw = params.string('SnapshotId');
    const snapshotId = snapshotRaw === undefined || snapshotRaw === '' ? undefined : checkId('snapshot', snapshotRaw, 'SnapshotId');
    if (size === undefined && snapshotId === undefined) throw missingParameter('Size', 'or a SnapshotId to take the size from');
    const type = params.string('VolumeType');
    if (type !== undefined && type !== VOLUME_TYPE) throw invalidValue('VolumeType', type, `Skyport volumes have one type, ${VOLUME_TYPE}; leave VolumeType out.`);
    if (params.boolean('Encrypted') === true) throw invalidValue('Encrypted', 'true', 'Skyport cannot promise encrypted volumes; leave Encrypted out.');
    const clientToken = readClientToken(params);
    return { zone, size, snapshotId, clientToken, tags: readTagSpecifications(params, 'CreateVolume', ['volume']).volume ?? {} };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    const catalog = await ctx.catalog();
    const zone = catalog.zoneByName.get(input.zone);
    if (zone === undefined) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${input.zone}]; the zones of region ${ctx.region} are ${catalog.zones.map((z) => z.name).join(', ')}`);
    let sizeGiB = input.size;
    if (input.snapshotId !== undefined) {
      const [snapshot] = await getAllInProvider('snapshot', [input.snapshotId], provider.id, ctx.region, (id) => ctx.broker.snapshots.get(id));
      if (sizeGiB !== undefined && sizeGiB < snapshot!.sizeGiB) throw invalidValue('Size', String(sizeGiB), `The volume must be at least as large as snapshot ${snapshot!.id} (${snapshot!.sizeGiB} GiB).`);
      sizeGiB ??= snapshot!.sizeGiB;
    }
    const suffix = createHash('sha256').update(input.clientToken ?? randomUUID()).digest('hex').slice(0, 10);
    const operation = await ctx.broker.volumes.create(
      {
        providerId: provider.id,
        name: derivedName(input.tags['Name'], 'vol', suffix),
        sizeGiB: sizeGiB!,
        locationId: zone.id,
        ...(input.snapshotId === undefined ? {} : { snapshotId: input.snapshotId }),
        ...(Object.keys(input.tags).length === 0 ? {} : { tags: input.tags }),
      },
      input.clientToken === undefined ? {} : { idempotencyKey: `ec2-volume:${input.clientToken}` },
    );
    const volume: Volume = (await awaitCreated(ctx.broker, operation, (id) => ctx.broker.volumes.get(id))) ?? {
      id: operation.targetId!,
      providerId: provider.id,
      name: '',
      sizeGiB: sizeGiB!,
      state: 'creating',
      locationId: zone.id,
      ...(input.snapshotId === undefined ? {} : { snapshotId: input.snapshotId }),
      tags: input.tags,
      createdAt: operation.createdAt,
    };
    return volumeXml(volume, catalog);
  },
});

export const describeVolumes = defineAction({
  name: 'DescribeVolumes',
  mutates: false,
  subject: 'volume',
  parameters: ['VolumeId.N', 'Filter.N', 'MaxResults', 'NextToken'],
  parse(params) {
    const ids = params.list('VolumeId').map((id, i) => checkId('volume', id, `VolumeId.${i + 1}`));
    const paging = readPaging(params, { min: 5, max: 500 });
    refuseIdsWithPaging(paging, 'VolumeId', ids);
    return { ids, filters: readFilters(params, spec(undefined)), paging };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    const catalog = await ctx.catalog();
    const tags = tagPushDown(input.filters);
    const page = await describeResources<Volume>({
      action: 'DescribeVolumes',
      subject: 'volume',
      ids: input.ids,
      providerId: provider.id,
      region: ctx.region,
      get: (id) => ctx.broker.volumes.get(id),
      filters: input.filters,
      spec: spec(catalog),
      paging: input.paging,
      list: (query) => ctx.broker.volumes.list(query),
      query: { providerIds: [provider.id], ...(tags === undefined ? {} : { tags }) },
      extra: ctx.region,
    });
    return { volumeSet: items(page.items.map((v) => volumeXml(v, catalog))), nextToken: page.nextToken };
  },
});

export const attachVolume = defineAction({
  name: 'AttachVolume',
  mutates: true,
  subject: 'volume',
  parameters: ['VolumeId', 'InstanceId', 'Device'],
  parse: (params) => ({
    volumeId: checkId('volume', params.requiredString('VolumeId'), 'VolumeId'),
    instanceId: checkId('instance', params.requiredString('InstanceId'), 'InstanceId'),
    device: params.requiredString('Device', 'the device name, e.g. /dev/sdf'),
  }),
  async run(ctx, input) {
    const provider = await ctx.provider();
    await getAllInProvider('volume', [input.volumeId], provider.id, ctx.region, (id) => ctx.broker.volumes.get(id));
    await getAllInProvider('instance', [input.instanceId], provider.id, ctx.region, (id) => ctx.broker.instances.get(id));
    const operation = await awaitAccepted(ctx.broker, await ctx.broker.volumes.attach(input.volumeId, input.instanceId, input.device));
    return { volumeId: input.volumeId, instanceId: input.instanceId, device: input.device, status: 'attaching', attachTime: new Date(operation.createdAt) };
  },
});

export const detachVolume = defineAction({
  name: 'DetachVolume',
  mutates: true,
  subject: 'volume',
  parameters: ['VolumeId', 'InstanceId', 'Device', 'Force'],
  parse(params) {
    const instanceRaw = params.string('InstanceId');
    params.boolean('Force');
    return {
      volumeId: checkId('volume', params.requiredString('VolumeId'), 'VolumeId'),
      instanceId: instanceRaw === undefined || instanceRaw === '' ? undefined : checkId('instance', instanceRaw, 'InstanceId'),
      device: params.string('Device'),
    };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    let [volume] = await getAllInProvider('volume', [input.volumeId], provider.id, ctx.region, (id) => ctx.broker.volumes.get(id));
    // EC2 shows an attaching volume as in-use, so `wait volume-in-use` returns while the
    // attachment is still being made; a detach right after must not fail for that.
    for (let waited = 0; volume!.state === 'attaching' && waited < SETTLE_MS; waited += 100) {
      await sleep(100);
      volume = await ctx.broker.volumes.get(input.volumeId);
    }
    const attachment = volume!.attachment;
    if (attachment === undefined) throw new Ec2Error('IncorrectState', `Volume '${input.volumeId}' is in the '${ec2VolumeState(volume!)}' state and not attached to any instance`);
    if (input.instanceId !== undefined && input.instanceId !== attachment.instanceId) {
      throw invalidCombination(`Volume '${input.volumeId}' is attached to ${attachment.instanceId}, not to ${input.instanceId}`);
    }
    if (input.device !== undefined && input.device !== '' && input.device !== attachment.device) {
      throw invalidCombination(`Volume '${input.volumeId}' is attached as ${attachment.device}, not as ${input.device}`);
    }
    await awaitAccepted(ctx.broker, await ctx.broker.volumes.detach(input.volumeId));
    return { volumeId: volume!.id, instanceId: attachment.instanceId, device: attachment.device, status: 'detaching' };
  },
});

export const deleteVolume = defineAction({
  name: 'DeleteVolume',
  mutates: true,
  subject: 'volume',
  parameters: ['VolumeId'],
  parse: (params) => ({ volumeId: checkId('volume', params.requiredString('VolumeId'), 'VolumeId') }),
  async run(ctx, input) {
    const provider = await ctx.provider();
    const [volume] = await getAllInProvider('volume', [input.volumeId], provider.id, ctx.region, (id) => ctx.broker.volumes.get(id));
    if (volume!.attachment !== undefined || volume!.state === 'in-use') {
      throw new Ec2Error('VolumeInUse', `Volume ${input.volumeId} is currently attached to ${volume!.attachment?.instanceId ?? 'an instance'}; detach it first`);
    }
    await awaitAccepted(ctx.broker, await ctx.broker.volumes.delete(input.volumeId));
    return { return: true };
  },
});
