import { SkyportError, normalizeRules, type Instance, type SecurityGroup, type SecurityGroupRule } from '@skyport/model';
import type { Broker, CreateSecurityGroupRequest } from '../broker.js';
import type { BrokerContext } from '../context.js';
import type { Connection } from '../provider-connections.js';
import type { CloudDriver, ResourceRecord } from '../ports/index.js';
import { listKind, recordOf } from './queries.js';
import { requireName, requireTags, unsupported } from './validation.js';

const MAX_DESCRIPTION = 255;

type Direction = 'ingress' | 'egress';
type GroupMethods = Required<Pick<CloudDriver, 'listSecurityGroups' | 'createSecurityGroup' | 'deleteSecurityGroup' | 'authorizeSecurityGroup' | 'revokeSecurityGroup'>>;

/** The driver's security group methods, or Unsupported when the driver does not declare them. */
function groupDriver(conn: Connection): GroupMethods {
  const { driver, factory, record } = conn;
  if (
    !factory.capabilities.securityGroups ||
    !driver.listSecurityGroups ||
    !driver.createSecurityGroup ||
    !driver.deleteSecurityGroup ||
    !driver.authorizeSecurityGroup ||
    !driver.revokeSecurityGroup
  ) {
    throw unsupported(record.name, 'security groups');
  }
  return driver as CloudDriver & GroupMethods;
}

function requireDirection(conn: Connection, direction: Direction): void {
  if (direction !== 'ingress' && direction !== 'egress') {
    throw new SkyportError('InvalidArgument', `direction "${String(direction)}" is not allowed; use ingress or egress`, { details: { field: 'direction', allowed: ['ingress', 'egress'] } });
  }
  if (direction === 'egress' && !conn.factory.capabilities.securityGroups?.egress) throw unsupported(conn.record.name, 'egress rules on security groups');
}

/** Every instance of a provider that is not terminated and is in the group. */
async function instancesUsing(ctx: BrokerContext, group: ResourceRecord): Promise<ResourceRecord[]> {
  const users: ResourceRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.resources.list({ kind: 'instance', providerIds: [group.providerId], limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const record of page.items) {
      const data = record.data as unknown as Instance;
      if (record.state !== 'terminated' && data.securityGroupIds?.includes(group.id)) users.push(record);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return users;
}

/** Reads one group back from the provider after a change and writes it to the inventory. */
async function refresh(ctx: BrokerContext, conn: Connection, record: ResourceRecord): Promise<SecurityGroup> {
  const native = (await groupDriver(conn).listSecurityGroups()).find((g) => g.nativeId === record.nativeId);
  if (!native) throw new SkyportError('NotFound', `security group ${record.id} no longer exists at provider ${conn.record.name}`, { details: { kind: 'securityGroup', id: record.id } });
  return (await ctx.inventory.put(record.providerId, 'securityGroup', native, record.id)).data as unknown as SecurityGroup;
}

export function securityGroupService(ctx: BrokerContext): Broker['securityGroups'] {
  const change = async (id: string, direction: Direction, rules: readonly SecurityGroupRule[], verb: 'authorize' | 'revoke'): Promise<SecurityGroup> => {
    const record = await recordOf(ctx, 'securityGroup', id);
    const conn = await ctx.connections.get(record.providerId);
    const driver = groupDriver(conn);
    requireDirection(conn, direction);
    const canonical = normalizeRules(rules);
    await (verb === 'authorize' ? driver.authorizeSecurityGroup(record.nativeId, direction, canonical) : driver.revokeSecurityGroup(record.nativeId, direction, canonical));
    return refresh(ctx, conn, record);
  };

  return {
    list: (query) => listKind<SecurityGroup>(ctx, 'securityGroup', query),
    get: async (id) => (await recordOf(ctx, 'securityGroup', id)).data as unknown as SecurityGroup,

    async create(request: CreateSecurityGroupRequest) {
      const conn = await ctx.connections.get(request.providerId);
      const driver = groupDriver(conn);
      const { record: provider } = conn;
      requireName('name', request.name);
      if (typeof request.description !== 'string' || request.description.length > MAX_DESCRIPTION) {
        throw new SkyportError('InvalidArgument', `description must be a string of at most ${MAX_DESCRIPTION} characters`, { details: { field: 'description', max: MAX_DESCRIPTION } });
      }
      requireTags('tags', request.tags);
      if (request.tags !== undefined && Object.keys(request.tags).length > 0 && !conn.factory.capabilities.tags?.kinds.includes('securityGroup')) {
        throw unsupported(provider.name, 'tags on security groups');
      }
      const existing = await ctx.store.resources.list({ kind: 'securityGroup', providerIds: [provider.id], name: request.name.replace(/\*/g, ''), limit: 1 });
      if (existing.items.length > 0) {
        throw new SkyportError('AlreadyExists', `a security group named "${request.name}" already exists in provider ${provider.name} (${existing.items[0]?.id})`, {
          details: { field: 'name', id: existing.items[0]?.id },
        });
      }
      const native = await driver.createSecurityGroup({ name: request.name, description: request.description, ...(request.tags === undefined ? {} : { tags: request.tags }) });
      return (await ctx.inventory.put(provider.id, 'securityGroup', native)).data as unknown as SecurityGroup;
    },

    async delete(id) {
      const record = await recordOf(ctx, 'securityGroup', id);
      const conn = await ctx.connections.get(record.providerId);
      const driver = groupDriver(conn);
      const users = await instancesUsing(ctx, record);
      const [first] = users;
      if (first) {
        const names = users.slice(0, 5).map((u) => `${u.id} (${u.name}, ${u.state})`);
        throw new SkyportError('InvalidState', `cannot delete security group ${id}: instance ${names.join(', ')}${users.length > 5 ? ` and ${users.length - 5} more` : ''} still use${users.length === 1 ? 's' : ''} it; destroy them or wait until they are terminated`, {
          details: { instanceIds: users.map((u) => u.id) },
        });
      }
      await driver.deleteSecurityGroup(record.nativeId);
      await ctx.inventory.remove(record);
    },

    authorize: (id, direction, rules) => change(id, direction, rules, 'authorize'),
    revoke: (id, direction, rules) => change(id, direction, rules, 'revoke'),
  };
}
