/**
 * DescribeInstances: every instance is its own reservation (`r-` + the instance's hex), so a
 * reservation id stays the same from call to call. Terminated instances stay visible for as
 * long as the provider lists them.
 */
import type { Instance } from '@skyport/model';
import { defineAction } from '../action.js';
import { readFilters } from '../protocol/filters.js';
import { items } from '../protocol/xml-writer.js';
import { instanceXml, reservationIdOf, reservationXml } from '../render/instance-xml.js';
import { describeResources, readPaging, refuseIdsWithPaging, tagPushDown } from './describe-support.js';
import { checkId } from './ids.js';
import { allGroupNames, groupNamesFor, instanceFilterSpec, statePushDown } from './instance-lookups.js';

export const describeInstances = defineAction({
  name: 'DescribeInstances',
  mutates: false,
  subject: 'instance',
  parameters: ['InstanceId.N', 'Filter.N', 'MaxResults', 'NextToken'],
  parse(params) {
    const ids = params.list('InstanceId').map((id, i) => checkId('instance', id, `InstanceId.${i + 1}`));
    const paging = readPaging(params, { min: 5, max: 1000 });
    refuseIdsWithPaging(paging, 'InstanceId', ids);
    return { ids, filters: readFilters(params, instanceFilterSpec({})), paging };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    const catalog = await ctx.catalog();
    // Group names are read before the scan only when a filter needs them.
    const filterByGroupName = input.filters.some((f) => f.name.endsWith('group-name'));
    const groupNamesForFilter = filterByGroupName ? await allGroupNames(ctx) : undefined;
    const states = statePushDown(input.filters);
    const tags = tagPushDown(input.filters);
    const page = await describeResources<Instance>({
      action: 'DescribeInstances',
      subject: 'instance',
      ids: input.ids,
      providerId: provider.id,
      region: ctx.region,
      get: (id) => ctx.broker.instances.get(id),
      filters: input.filters,
      spec: instanceFilterSpec({ catalog, ownerId: ctx.ownerId, ...(groupNamesForFilter === undefined ? {} : { groupNames: groupNamesForFilter }) }),
      paging: input.paging,
      list: (query) => ctx.broker.instances.list(query),
      query: { providerIds: [provider.id], ...(states === undefined ? {} : { states }), ...(tags === undefined ? {} : { tags }) },
      extra: ctx.region,
    });
    const groupNames = groupNamesForFilter ?? (await groupNamesFor(ctx, page.items));
    return {
      reservationSet: items(page.items.map((i) => reservationXml(reservationIdOf(i.id), ctx.ownerId, [instanceXml(i, { catalog, groupNames })]))),
      nextToken: page.nextToken,
    };
  },
});
