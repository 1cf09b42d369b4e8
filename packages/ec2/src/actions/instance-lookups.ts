/** Lookups shared by the instance actions: filters over instances and security group names. */
import type { Instance } from '@skyport/model';
import type { ActionContext, ProviderCatalog } from '../action-context.js';
import { listAll } from '../action-context.js';
import { ec2State, skyportStatesFor } from '../instance-state-codes.js';
import { exactValues, findFilter, type Filter, type FilterSpec } from '../protocol/filters.js';
import { reservationIdOf } from '../render/instance-xml.js';
import { ec2Architecture } from '../render/tags-xml.js';

export interface InstanceFilterView {
  readonly catalog?: ProviderCatalog;
  readonly groupNames?: ReadonlyMap<string, string>;
  readonly ownerId?: string;
}

/** Filters on instances, as EC2 names them. With an empty view only the names are known (parsing). */
export function instanceFilterSpec(view: InstanceFilterView): FilterSpec<Instance> {
  const profile = (i: Instance) => view.catalog?.profileById.get(i.hardwareProfileId);
  const zone = (i: Instance) => (i.locationId === undefined ? undefined : view.catalog?.zoneById.get(i.locationId)?.name);
  const groups = (i: Instance) => i.securityGroupIds ?? [];
  return {
    fields: {
      'instance-id': (i) => i.id,
      'instance-state-name': (i) => ec2State(i.state).name,
      'instance-state-code': (i) => ec2State(i.state).code,
      'instance-type': (i) => profile(i)?.name,
      'image-id': (i) => i.imageId,
      'key-name': (i) => i.keyName,
      'availability-zone': zone,
      'placement.availability-zone': zone,
      'private-ip-address': (i) => i.addresses.find((a) => a.kind === 'private')?.address,
      'ip-address': (i) => i.addresses.find((a) => a.kind === 'public')?.address,
      architecture: (i) => {
        const p = profile(i);
        return p === undefined ? undefined : ec2Architecture(p.architecture);
      },
      'reservation-id': (i) => reservationIdOf(i.id),
      'owner-id': () => view.ownerId,
      'instance.group-id': groups,
      'group-id': groups,
      'instance.group-name': (i) => groups(i).map((g) => view.groupNames?.get(g)),
      'group-name': (i) => groups(i).map((g) => view.groupNames?.get(g)),
      'root-device-type': () => 'ebs',
      'root-device-name': () => '/dev/sda1',
      'virtualization-type': () => 'hvm',
      hypervisor: () => 'xen',
      tenancy: () => 'default',
      'launch-time': (i) => i.createdAt,
    },
    tags: (i) => i.tags,
  };
}

/** Skyport states an `instance-state-name` filter selects, when it has no wildcards. */
export function statePushDown(filters: readonly Filter[]): string[] | undefined {
  const names = exactValues(findFilter(filters, 'instance-state-name'));
  return names === undefined ? undefined : names.flatMap(skyportStatesFor);
}

/** Names of the provider's security groups, by id. */
export async function allGroupNames(ctx: ActionContext): Promise<ReadonlyMap<string, string>> {
  const provider = await ctx.provider();
  const groups = await listAll((cursor) => ctx.broker.securityGroups.list({ providerIds: [provider.id], limit: 1000, ...(cursor === undefined ? {} : { cursor }) }));
  return new Map(groups.map((g) => [g.id, g.name]));
}

/** Group names for `groupSet`, read only when some instance is in a group. */
export async function groupNamesFor(ctx: ActionContext, instances: readonly Instance[]): Promise<ReadonlyMap<string, string>> {
  return instances.some((i) => (i.securityGroupIds?.length ?? 0) > 0) ? allGroupNames(ctx) : new Map();
}
