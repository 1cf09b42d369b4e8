/** Security groups: create, rules in and out, duplicates and bad rules refused, in use by instances. */
import assert from 'node:assert/strict';
import type { CloudDriver, NativeSecurityGroup } from '@skyport/core';
import type { SecurityGroupRule } from '@skyport/model';
import type { CaseContext, ConformanceCase } from '../conformance-case.js';
import { deleteSecurityGroupQuietly, destroyInstanceQuietly } from '../cleanup.js';
import { expectSkyportError, expectUnsupported } from '../expect-error.js';
import { poll } from '../poll.js';
import { createInstance, waitFor } from './instance-helpers.js';

type GroupMethods = Required<Pick<CloudDriver, 'listSecurityGroups' | 'createSecurityGroup' | 'deleteSecurityGroup' | 'authorizeSecurityGroup' | 'revokeSecurityGroup'>>;

/** The driver's group methods when it declares the capability; a declared capability needs all five. */
function groupMethods(ctx: CaseContext): GroupMethods | undefined {
  if (ctx.factory.capabilities.securityGroups === undefined) return undefined;
  const d = ctx.driver;
  const { listSecurityGroups, createSecurityGroup, deleteSecurityGroup, authorizeSecurityGroup, revokeSecurityGroup } = d;
  assert.ok(
    listSecurityGroups && createSecurityGroup && deleteSecurityGroup && authorizeSecurityGroup && revokeSecurityGroup,
    'a driver declaring securityGroups must implement list/create/delete/authorize/revokeSecurityGroup',
  );
  return {
    listSecurityGroups: listSecurityGroups.bind(d),
    createSecurityGroup: createSecurityGroup.bind(d),
    deleteSecurityGroup: deleteSecurityGroup.bind(d),
    authorizeSecurityGroup: authorizeSecurityGroup.bind(d),
    revokeSecurityGroup: revokeSecurityGroup.bind(d),
  };
}

/** Without the capability, a driver that has the method anyway must refuse with Unsupported. */
async function expectNoGroups(ctx: CaseContext): Promise<void> {
  const create = ctx.driver.createSecurityGroup?.bind(ctx.driver);
  if (create === undefined) {
    ctx.log('the driver has no security groups; nothing to check');
    return;
  }
  await expectUnsupported('createSecurityGroup', async () => {
    const group = await create({ name: ctx.name('undeclared-group'), description: 'must be refused' });
    ctx.defer('delete wrongly created security group', () => deleteSecurityGroupQuietly(ctx.driver, group.nativeId, ctx.stateChangeMs));
  });
}

/** Creates a security group with cleanup (the tag cases use it too). */
export async function createdSecurityGroup(ctx: CaseContext, label: string): Promise<NativeSecurityGroup> {
  const groups = groupMethods(ctx);
  assert.ok(groups, 'the driver declares no security groups');
  const name = ctx.name(label);
  const group = await groups.createSecurityGroup({ name, description: `conformance ${label}`, tags: { 'conformance-run': ctx.fixtures.runId } });
  ctx.defer(`delete security group ${group.nativeId}`, () => deleteSecurityGroupQuietly(ctx.driver, group.nativeId, ctx.stateChangeMs));
  return group;
}

function listedGroup(ctx: CaseContext, groups: GroupMethods, id: string, what: string, check: (g: NativeSecurityGroup) => boolean): Promise<NativeSecurityGroup> {
  let last: NativeSecurityGroup | undefined;
  return poll(
    `security group ${id}: ${what}`,
    ctx.stateChangeMs,
    ctx.pollMs,
    async () => {
      last = (await groups.listSecurityGroups()).find((g) => g.nativeId === id);
      return last !== undefined && check(last) ? last : undefined;
    },
    () => JSON.stringify(last ?? 'not listed'),
  );
}

const has = (rules: readonly SecurityGroupRule[], rule: SecurityGroupRule) =>
  rules.some((r) => r.protocol === rule.protocol && r.fromPort === rule.fromPort && r.toPort === rule.toPort && r.cidr === rule.cidr);

const SSH: SecurityGroupRule = { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '203.0.113.0/24' };
const WEB_RANGE: SecurityGroupRule = { protocol: 'tcp', fromPort: 8000, toPort: 8100, cidr: '0.0.0.0/0' };
const DNS_V6: SecurityGroupRule = { protocol: 'udp', fromPort: 53, toPort: 53, cidr: '2001:db8::/32' };

export const securityGroupCases: readonly ConformanceCase[] = [
  {
    group: 'security groups',
    name: 'create, list and delete',
    async run(ctx) {
      const groups = groupMethods(ctx);
      if (groups === undefined) return expectNoGroups(ctx);
      const group = await createdSecurityGroup(ctx, 'group');
      assert.ok(group.nativeId !== '', 'security group nativeId');
      assert.equal(group.name, ctx.name('group'), 'security group name');
      assert.equal(group.description, 'conformance group', 'security group description');
      assert.deepEqual(group.ingress, [], 'a new group allows no inbound traffic');
      assert.ok(Array.isArray(group.egress), 'egress is a list');
      assert.equal(group.tags['conformance-run'], ctx.fixtures.runId, 'tags from the request');
      assert.ok(!Number.isNaN(Date.parse(group.createdAt)), `createdAt ${group.createdAt}`);
      await listedGroup(ctx, groups, group.nativeId, 'listed', () => true);
      await groups.deleteSecurityGroup(group.nativeId);
      await poll(`security group ${group.nativeId} gone from listSecurityGroups`, ctx.stateChangeMs, ctx.pollMs, async () =>
        (await groups.listSecurityGroups()).some((g) => g.nativeId === group.nativeId) ? undefined : true,
      );
      await expectSkyportError('deleteSecurityGroup of a deleted group', 'NotFound', () => groups.deleteSecurityGroup(group.nativeId));
    },
  },
  {
    group: 'security groups',
    name: 'authorize and revoke rules',
    async run(ctx) {
      const groups = groupMethods(ctx);
      if (groups === undefined) return expectNoGroups(ctx);
      const group = await createdSecurityGroup(ctx, 'rules');
      await groups.authorizeSecurityGroup(group.nativeId, 'ingress', [SSH, WEB_RANGE, DNS_V6]);
      await listedGroup(ctx, groups, group.nativeId, 'three ingress rules', (g) => has(g.ingress, SSH) && has(g.ingress, WEB_RANGE) && has(g.ingress, DNS_V6));
      await expectSkyportError('authorizing a rule the group already has', 'AlreadyExists', () => groups.authorizeSecurityGroup(group.nativeId, 'ingress', [SSH]));
      await groups.revokeSecurityGroup(group.nativeId, 'ingress', [WEB_RANGE]);
      const after = await listedGroup(ctx, groups, group.nativeId, 'the revoked rule gone', (g) => !has(g.ingress, WEB_RANGE));
      assert.ok(has(after.ingress, SSH) && has(after.ingress, DNS_V6), 'revoking one rule keeps the others');
      await expectSkyportError('revoking a rule the group does not have', 'NotFound', () => groups.revokeSecurityGroup(group.nativeId, 'ingress', [WEB_RANGE]));
      const outbound: SecurityGroupRule = { protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '198.51.100.0/24' };
      if (!ctx.factory.capabilities.securityGroups?.egress) {
        await expectUnsupported('authorizeSecurityGroup(egress)', () => groups.authorizeSecurityGroup(group.nativeId, 'egress', [outbound]));
        return;
      }
      await groups.authorizeSecurityGroup(group.nativeId, 'egress', [outbound]);
      await listedGroup(ctx, groups, group.nativeId, 'the egress rule', (g) => has(g.egress, outbound));
      await groups.revokeSecurityGroup(group.nativeId, 'egress', [outbound]);
      await listedGroup(ctx, groups, group.nativeId, 'the egress rule gone', (g) => !has(g.egress, outbound));
    },
  },
  {
    group: 'security groups',
    name: 'a duplicate name throws AlreadyExists',
    async run(ctx) {
      const groups = groupMethods(ctx);
      if (groups === undefined) return expectNoGroups(ctx);
      const first = await createdSecurityGroup(ctx, 'dupe-group');
      await expectSkyportError('a second security group with the same name', 'AlreadyExists', async () => {
        const second = await groups.createSecurityGroup({ name: first.name, description: 'duplicate' });
        ctx.defer(`delete wrongly created security group ${second.nativeId}`, () => deleteSecurityGroupQuietly(ctx.driver, second.nativeId, ctx.stateChangeMs));
      });
    },
  },
  {
    group: 'security groups',
    name: 'invalid rules throw InvalidArgument and change nothing',
    async run(ctx) {
      const groups = groupMethods(ctx);
      if (groups === undefined) return expectNoGroups(ctx);
      const group = await createdSecurityGroup(ctx, 'bad-rules');
      const bad: readonly [string, SecurityGroupRule][] = [
        ['port above 65535', { protocol: 'tcp', fromPort: 80, toPort: 70000, cidr: '0.0.0.0/0' }],
        ['fromPort greater than toPort', { protocol: 'udp', fromPort: 200, toPort: 100, cidr: '0.0.0.0/0' }],
        ['a malformed CIDR', { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '10.0.0.300/8' }],
        ['a prefix longer than the address', { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '10.0.0.0/33' }],
        ['an unknown protocol', { protocol: 'sctp' as SecurityGroupRule['protocol'], fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' }],
      ];
      for (const [what, rule] of bad) {
        // A valid rule beside the bad one: a refused request must not half-apply.
        await expectSkyportError(`authorizing ${what}`, 'InvalidArgument', () => groups.authorizeSecurityGroup(group.nativeId, 'ingress', [SSH, rule]));
      }
      const listed = await listedGroup(ctx, groups, group.nativeId, 'listed', () => true);
      assert.deepEqual(listed.ingress, [], 'refused rules left the group unchanged');
      await expectSkyportError('authorizeSecurityGroup(unknown)', 'NotFound', () => groups.authorizeSecurityGroup(ctx.fixtures.unknownId, 'ingress', [SSH]));
    },
  },
  {
    group: 'security groups',
    name: 'an instance in a group keeps it from being deleted until terminated',
    async run(ctx) {
      const groups = groupMethods(ctx);
      if (groups === undefined) return expectNoGroups(ctx);
      const group = await createdSecurityGroup(ctx, 'in-use');
      const { created } = await createInstance(ctx, 'grouped', { securityGroupIds: [group.nativeId] });
      assert.deepEqual(created.securityGroupIds, [group.nativeId], 'the instance lists the group it was created in');
      await expectSkyportError('deleting a security group an instance is in', 'InvalidState', () => groups.deleteSecurityGroup(group.nativeId));
      await waitFor(ctx, created.nativeId, ['running', 'stopped'], created.state);
      await destroyInstanceQuietly(ctx.driver, created.nativeId);
      await waitFor(ctx, created.nativeId, ['terminated']);
      await deleteSecurityGroupQuietly(ctx.driver, group.nativeId, ctx.stateChangeMs);
      assert.ok(!(await groups.listSecurityGroups()).some((g) => g.nativeId === group.nativeId), 'the group is gone once its instance is terminated');
      await expectSkyportError(
        'creating an instance in an unknown security group',
        'NotFound',
        async () => {
          const { created: stray } = await createInstance(ctx, 'unknown-group', { securityGroupIds: [ctx.fixtures.unknownId] });
          return stray;
        },
      );
    },
  },
];
