/**
 * DescribeInstanceStatus: Skyport has no separate health checks, so a running instance reports
 * `ok` for both the instance and the system check (what EC2 shows once its checks pass), and
 * other states `not-applicable`. Without IncludeAllInstances only running instances are shown.
 */
import type { Instance } from '@skyport/model';
import { defineAction } from '../action.js';
import { ec2State } from '../instance-state-codes.js';
import { readFilters, type FilterSpec } from '../protocol/filters.js';
import { items } from '../protocol/xml-writer.js';
import type { ProviderCatalog } from '../action-context.js';
import { describeResources, readPaging, refuseIdsWithPaging } from './describe-support.js';
import { checkId } from './ids.js';
import { statePushDown } from './instance-lookups.js';

function status(i: Instance): string {
  return ec2State(i.state).name === 'running' ? 'ok' : 'not-applicable';
}

function spec(catalog: ProviderCatalog | undefined): FilterSpec<Instance> {
  const zone = (i: Instance) => (i.locationId === undefined ? undefined : catalog?.zoneById.get(i.locationId)?.name);
  return {
    fields: {
      'instance-id': (i) => i.id,
      'instance-state-name': (i) => ec2State(i.state).name,
      'instance-state-code': (i) => ec2State(i.state).code,
      'availability-zone': zone,
      'instance-status.status': status,
      'system-status.status': status,
      'instance-status.reachability': (i) => (status(i) === 'ok' ? 'passed' : undefined),
      'system-status.reachability': (i) => (status(i) === 'ok' ? 'passed' : undefined),
    },
  };
}

function summary(i: Instance) {
  const s = status(i);
  return { status: s, details: items(s === 'ok' ? [{ name: 'reachability', status: 'passed' }] : []) };
}

export const describeInstanceStatus = defineAction({
  name: 'DescribeInstanceStatus',
  mutates: false,
  subject: 'instance',
  parameters: ['InstanceId.N', 'Filter.N', 'IncludeAllInstances', 'MaxResults', 'NextToken'],
  parse(params) {
    const ids = params.list('InstanceId').map((id, i) => checkId('instance', id, `InstanceId.${i + 1}`));
    const paging = readPaging(params, { min: 5, max: 1000 });
    refuseIdsWithPaging(paging, 'InstanceId', ids);
    return { ids, filters: readFilters(params, spec(undefined)), includeAll: params.boolean('IncludeAllInstances') === true, paging };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    const catalog = await ctx.catalog();
    const states = statePushDown(input.filters) ?? (input.includeAll ? undefined : ['running', 'rebooting']);
    const page = await describeResources<Instance>({
      action: 'DescribeInstanceStatus',
      subject: 'instance',
      ids: input.ids,
      providerId: provider.id,
      region: ctx.region,
      get: (id) => ctx.broker.instances.get(id),
      filters: input.filters,
      spec: spec(catalog),
      paging: input.paging,
      list: (query) => ctx.broker.instances.list(query),
      query: { providerIds: [provider.id], ...(states === undefined ? {} : { states }) },
      extra: [ctx.region, input.includeAll],
      ...(input.includeAll ? {} : { also: (i: Instance) => ec2State(i.state).name === 'running' }),
    });
    return {
      instanceStatusSet: items(
        page.items.map((i) => ({
          instanceId: i.id,
          availabilityZone: (i.locationId === undefined ? undefined : catalog.zoneById.get(i.locationId)?.name) ?? '',
          eventsSet: items([]),
          instanceState: ec2State(i.state),
          systemStatus: summary(i),
          instanceStatus: summary(i),
        })),
      ),
      nextToken: page.nextToken,
    };
  },
});
