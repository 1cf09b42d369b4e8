/**
 * Images of the region's provider. `Owner` takes `self` (images made from the tenant's
 * instances), `amazon` (the provider's public catalogue) or an owner id.
 */
import type { Image, Provider } from '@skyport/model';
import { defineAction } from '../action.js';
import { readFilters, type FilterSpec } from '../protocol/filters.js';
import { invalidValue } from '../protocol/ec2-error.js';
import { items } from '../protocol/xml-writer.js';
import { ec2ImageState, imageOwnerId, imageXml, isWindows, PUBLIC_OWNER_ALIAS } from '../render/image-xml.js';
import { ec2Architecture } from '../render/tags-xml.js';
import { checkId } from './ids.js';
import { describeResources, readPaging, refuseIdsWithPaging, tagPushDown } from './describe-support.js';

function spec(provider: Provider | undefined, ownerId: string): FilterSpec<Image> {
  return {
    fields: {
      'image-id': (i) => i.id,
      name: (i) => i.name,
      description: (i) => i.description,
      state: (i) => ec2ImageState(i),
      architecture: (i) => ec2Architecture(i.architecture),
      'is-public': (i) => i.public,
      'owner-id': (i) => (provider === undefined ? undefined : imageOwnerId(i, provider, ownerId)),
      'owner-alias': (i) => (i.public ? PUBLIC_OWNER_ALIAS : undefined),
      platform: (i) => (isWindows(i) ? 'windows' : undefined),
      'platform-details': (i) => (isWindows(i) ? 'Windows' : 'Linux/UNIX'),
      'image-type': () => 'machine',
      'root-device-type': () => 'ebs',
      'virtualization-type': () => 'hvm',
      hypervisor: () => 'xen',
    },
    tags: (i) => i.tags,
  };
}

export const describeImages = defineAction({
  name: 'DescribeImages',
  mutates: false,
  subject: 'image',
  parameters: ['ImageId.N', 'Owner.N', 'ExecutableBy.N', 'Filter.N', 'IncludeDeprecated', 'MaxResults', 'NextToken'],
  parse(params) {
    const ids = params.list('ImageId').map((id, i) => checkId('image', id, `ImageId.${i + 1}`));
    const paging = readPaging(params, { min: 5, max: 1000 });
    refuseIdsWithPaging(paging, 'ImageId', ids);
    // Every image a tenant sees can be launched by it, so ExecutableBy narrows nothing.
    params.list('ExecutableBy').forEach((who, i) => {
      if (who !== 'self' && who !== 'all') throw invalidValue(`ExecutableBy.${i + 1}`, who, 'Skyport supports self and all.');
    });
    params.boolean('IncludeDeprecated');
    return { ids, owners: params.list('Owner'), filters: readFilters(params, spec(undefined, '')), paging };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    const owned = (image: Image): boolean =>
      input.owners.some((o) => (o === 'self' ? !image.public : o === PUBLIC_OWNER_ALIAS ? image.public : o === imageOwnerId(image, provider, ctx.ownerId)));
    const tags = tagPushDown(input.filters);
    const page = await describeResources<Image>({
      action: 'DescribeImages',
      subject: 'image',
      ids: input.ids,
      providerId: provider.id,
      region: ctx.region,
      get: (id) => ctx.broker.images.get(id),
      filters: input.filters,
      spec: spec(provider, ctx.ownerId),
      paging: input.paging,
      list: (query) => ctx.broker.images.list(query),
      query: { providerIds: [provider.id], ...(tags === undefined ? {} : { tags }) },
      extra: [ctx.region, input.owners],
      ...(input.owners.length === 0 ? {} : { also: owned }),
    });
    return {
      imagesSet: items(page.items.map((i) => imageXml(i, provider, ctx.ownerId))),
      nextToken: page.nextToken,
    };
  },
});
