/** Security groups named by id or by name, as RunInstances and the rule actions take them. */
import type { SecurityGroup } from '@skyport/model';
import type { ActionContext } from '../action-context.js';
import { Ec2Error } from '../protocol/ec2-error.js';
import { getAllInProvider } from './ids.js';

async function groupNamed(ctx: ActionContext, name: string): Promise<SecurityGroup> {
  const provider = await ctx.provider();
  // A name ending in `*` would be a prefix query to the inventory; EC2 names are exact.
  const page = await ctx.broker.securityGroups.list({ providerIds: [provider.id], name: name.replace(/\*/g, ''), limit: 2 });
  const group = page.items.find((g) => g.name === name);
  if (group === undefined) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in region ${ctx.region}`);
  return group;
}

/** Ids of the groups given by id and by name, each checked to exist in the region's provider. */
export async function resolveGroupIds(ctx: ActionContext, ids: readonly string[], names: readonly string[]): Promise<string[]> {
  if (ids.length === 0 && names.length === 0) return [];
  const provider = await ctx.provider();
  const byId = await getAllInProvider('securityGroup', ids, provider.id, ctx.region, (id) => ctx.broker.securityGroups.get(id));
  const byName = await Promise.all(names.map((n) => groupNamed(ctx, n)));
  return [...new Set([...byId, ...byName].map((g) => g.id))];
}

/** The one group an action names with GroupId or GroupName. */
export async function oneGroup(ctx: ActionContext, ref: { readonly groupId?: string; readonly groupName?: string }): Promise<SecurityGroup> {
  const provider = await ctx.provider();
  if (ref.groupId !== undefined) return (await getAllInProvider('securityGroup', [ref.groupId], provider.id, ctx.region, (id) => ctx.broker.securityGroups.get(id)))[0]!;
  return groupNamed(ctx, ref.groupName!);
}
