/**
 * Security groups and their ingress and egress rules. Rules come as `IpPermissions.N` (protocol, ports,
 * `IpRanges.M.CidrIp`, `Ipv6Ranges.M.CidrIpv6`) or in the older flat form (`IpProtocol`,
 * `FromPort`, `ToPort`, `CidrIp`); each range becomes one Skyport rule. Rules naming other
 * groups or prefix lists have no Skyport equivalent and are refused.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html
 */
import { sameRule, type SecurityGroup, type SecurityGroupRule } from '@skyport/model';
import { defineAction } from '../action.js';
import { Ec2Error, invalidCombination, invalidValue, missingParameter } from '../protocol/ec2-error.js';
import { readFilters, type FilterSpec } from '../protocol/filters.js';
import type { QueryParams } from '../protocol/query-params.js';
import { items } from '../protocol/xml-writer.js';
import { ipPermissionsXml, securityGroupXml } from '../render/security-group-xml.js';
import { tagSetXml } from '../render/tags-xml.js';
import { checkId } from './ids.js';
import { describeResources, readPaging, refuseIdsWithPaging, tagPushDown } from './describe-support.js';
import { oneGroup } from './security-group-lookups.js';
import { readTagSpecifications } from './tag-params.js';

const SPEC: FilterSpec<SecurityGroup> = {
  fields: {
    'group-id': (g) => g.id,
    'group-name': (g) => g.name,
    description: (g) => g.description,
    'ip-permission.protocol': (g) => g.ingress.map((r) => r.protocol),
    'ip-permission.cidr': (g) => g.ingress.map((r) => r.cidr),
    'ip-permission.from-port': (g) => g.ingress.map((r) => (r.fromPort === undefined ? undefined : String(r.fromPort))),
    'ip-permission.to-port': (g) => g.ingress.map((r) => (r.toPort === undefined ? undefined : String(r.toPort))),
    'egress.ip-permission.cidr': (g) => g.egress.map((r) => r.cidr),
  },
  tags: (g) => g.tags,
};

/** EC2 protocol names and numbers as Skyport's: tcp (6), udp (17), icmp (1), -1 (all). */
const PROTOCOLS: Readonly<Record<string, SecurityGroupRule['protocol']>> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', '-1': '-1', all: '-1' };

function protocolOf(raw: string, parameter: string): SecurityGroupRule['protocol'] {
  const protocol = PROTOCOLS[raw.toLowerCase()];
  if (protocol === undefined) throw invalidValue(parameter, raw, 'Skyport supports tcp, udp, icmp and -1 (all protocols).');
  return protocol;
}

function ports(protocol: SecurityGroupRule['protocol'], from: number | undefined, to: number | undefined): Pick<SecurityGroupRule, 'fromPort' | 'toPort'> {
  if (protocol === '-1') return {};
  // icmp: -1 is "any type/code", which Skyport writes by leaving the port out.
  if (protocol === 'icmp') return { ...(from === undefined || from === -1 ? {} : { fromPort: from }), ...(to === undefined || to === -1 ? {} : { toPort: to }) };
  return { ...(from === undefined ? {} : { fromPort: from }), ...(to === undefined ? {} : { toPort: to }) };
}

interface GroupRef {
  readonly groupId?: string;
  readonly groupName?: string;
}

function readGroupRef(params: QueryParams): GroupRef {
  const idRaw = params.string('GroupId');
  const name = params.string('GroupName');
  if ((idRaw === undefined || idRaw === '') && (name === undefined || name === '')) throw missingParameter('GroupId or GroupName');
  if (idRaw !== undefined && idRaw !== '') return { groupId: checkId('securityGroup', idRaw, 'GroupId') };
  return { groupName: name! };
}

/** A range's CIDR. Its Description is accepted, but Skyport rules carry none, so it is not kept (docs/ec2.md). */
function cidrOf(params: QueryParams, range: string, field: 'CidrIp' | 'CidrIpv6'): string {
  params.string(`${range}.Description`);
  return params.requiredString(`${range}.${field}`);
}

function readRules(params: QueryParams): SecurityGroupRule[] {
  const rules: SecurityGroupRule[] = [];
  for (const i of params.indexes('IpPermissions')) {
    const p = `IpPermissions.${i}`;
    const protocol = protocolOf(params.requiredString(`${p}.IpProtocol`), `${p}.IpProtocol`);
    const range = ports(protocol, params.integer(`${p}.FromPort`, { min: -1, max: 65535 }), params.integer(`${p}.ToPort`, { min: -1, max: 65535 }));
    if (params.hasPrefix(`${p}.Groups`) || params.hasPrefix(`${p}.PrefixListIds`)) {
      throw new Ec2Error('InvalidParameterValue', `${p}: rules that name other security groups or prefix lists are not supported by Skyport; give CIDR ranges (IpRanges, Ipv6Ranges)`);
    }
    const cidrs = [...params.structures(`${p}.IpRanges`, (r) => cidrOf(params, r, 'CidrIp')), ...params.structures(`${p}.Ipv6Ranges`, (r) => cidrOf(params, r, 'CidrIpv6'))];
    if (cidrs.length === 0) throw missingParameter(`${p}.IpRanges.1.CidrIp`, 'each permission needs at least one CIDR range');
    for (const cidr of cidrs) rules.push({ protocol, ...range, cidr });
  }
  const flatProtocol = params.string('IpProtocol');
  const flatCidr = params.string('CidrIp');
  const flatFrom = params.integer('FromPort', { min: -1, max: 65535 });
  const flatTo = params.integer('ToPort', { min: -1, max: 65535 });
  if (params.has('SourceSecurityGroupName') || params.has('SourceSecurityGroupOwnerId')) {
    throw new Ec2Error('InvalidParameterValue', 'Rules that name a source security group are not supported by Skyport; give a CIDR range (CidrIp)');
  }
  if (flatProtocol !== undefined || flatCidr !== undefined) {
    if (rules.length > 0) throw invalidCombination('Give rules either as IpPermissions or as IpProtocol/FromPort/ToPort/CidrIp, not both');
    if (flatProtocol === undefined) throw missingParameter('IpProtocol');
    if (flatCidr === undefined) throw missingParameter('CidrIp');
    const protocol = protocolOf(flatProtocol, 'IpProtocol');
    rules.push({ protocol, ...ports(protocol, flatFrom, flatTo), cidr: flatCidr });
  }
  if (rules.length === 0) throw missingParameter('IpPermissions.1.IpProtocol', 'the rules to add or remove');
  return rules;
}

export const createSecurityGroup = defineAction({
  name: 'CreateSecurityGroup',
  mutates: true,
  subject: 'securityGroup',
  parameters: ['GroupName', 'GroupDescription', 'TagSpecification.N'],
  parse(params) {
    const name = params.requiredString('GroupName');
    const description = params.requiredString('GroupDescription');
    if (params.has('VpcId')) throw invalidValue('VpcId', params.string('VpcId') ?? '', 'Skyport providers have no VPCs; leave VpcId out.');
    return { name, description, tags: readTagSpecifications(params, 'CreateSecurityGroup', ['security-group'])['security-group'] };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    const group = await ctx.broker.securityGroups.create({ providerId: provider.id, name: input.name, description: input.description, ...(input.tags === undefined ? {} : { tags: input.tags }) });
    return { return: true, groupId: group.id, tagSet: tagSetXml(group.tags) };
  },
});

export const describeSecurityGroups = defineAction({
  name: 'DescribeSecurityGroups',
  mutates: false,
  subject: 'securityGroup',
  parameters: ['GroupId.N', 'GroupName.N', 'Filter.N', 'MaxResults', 'NextToken'],
  parse(params) {
    const ids = params.list('GroupId').map((id, i) => checkId('securityGroup', id, `GroupId.${i + 1}`));
    const names = params.list('GroupName');
    const paging = readPaging(params, { min: 5, max: 1000 });
    refuseIdsWithPaging(paging, 'GroupId', [...ids, ...names]);
    return { ids, names, filters: readFilters(params, SPEC), paging };
  },
  async run(ctx, input) {
    const provider = await ctx.provider();
    const named = await Promise.all(input.names.map((name) => oneGroup(ctx, { groupName: name })));
    const ids = [...input.ids, ...named.map((g) => g.id)];
    const tags = tagPushDown(input.filters);
    const page = await describeResources<SecurityGroup>({
      action: 'DescribeSecurityGroups',
      subject: 'securityGroup',
      ids,
      providerId: provider.id,
      region: ctx.region,
      get: (id) => ctx.broker.securityGroups.get(id),
      filters: input.filters,
      spec: SPEC,
      paging: input.paging,
      list: (query) => ctx.broker.securityGroups.list(query),
      query: { providerIds: [provider.id], ...(tags === undefined ? {} : { tags }) },
      extra: ctx.region,
    });
    return { securityGroupInfo: items(page.items.map((g) => securityGroupXml(g, ctx.ownerId))), nextToken: page.nextToken };
  },
});

export const deleteSecurityGroup = defineAction({
  name: 'DeleteSecurityGroup',
  mutates: true,
  subject: 'securityGroup',
  parameters: ['GroupId', 'GroupName'],
  parse: readGroupRef,
  async run(ctx, ref) {
    const group = await oneGroup(ctx, ref);
    await ctx.broker.securityGroups.delete(group.id);
    return { return: true, groupId: group.id };
  },
});

const RULE_PARAMETERS = ['GroupId', 'GroupName', 'IpPermissions.N', 'IpProtocol', 'FromPort', 'ToPort', 'CidrIp'];
/** Egress rules name their group by id only (VPC groups); the flat form is accepted as for ingress. */
const EGRESS_PARAMETERS = ['GroupId', 'IpPermissions.N', 'IpProtocol', 'FromPort', 'ToPort', 'CidrIp'];

type Direction = 'ingress' | 'egress';

function readRuleRequest(params: QueryParams, direction: Direction): { ref: GroupRef; rules: SecurityGroupRule[] } {
  if (direction === 'egress') {
    const id = params.string('GroupId');
    if (id === undefined || id === '') throw missingParameter('GroupId');
    return { ref: { groupId: checkId('securityGroup', id, 'GroupId') }, rules: readRules(params) };
  }
  return { ref: readGroupRef(params), rules: readRules(params) };
}

function authorizeAction(direction: Direction, name: 'AuthorizeSecurityGroupIngress' | 'AuthorizeSecurityGroupEgress') {
  return defineAction({
    name,
    mutates: true,
    subject: 'securityGroup',
    parameters: direction === 'ingress' ? RULE_PARAMETERS : EGRESS_PARAMETERS,
    parse: (params) => readRuleRequest(params, direction),
    async run(ctx, input) {
      const group = await oneGroup(ctx, input.ref);
      const existing = direction === 'ingress' ? group.ingress : group.egress;
      const duplicate = input.rules.find((r) => existing.some((e) => sameRule(e, { ...r, cidr: r.cidr.toLowerCase() })));
      if (duplicate !== undefined) {
        throw new Ec2Error('InvalidPermission.Duplicate', `the specified rule "peer: ${duplicate.cidr}, ${duplicate.protocol.toUpperCase()}, from port: ${duplicate.fromPort ?? -1}, to port: ${duplicate.toPort ?? -1}, ALLOW" already exists in ${group.id}`);
      }
      await ctx.broker.securityGroups.authorize(group.id, direction, input.rules);
      return { return: true };
    },
  });
}

function revokeAction(direction: Direction, name: 'RevokeSecurityGroupIngress' | 'RevokeSecurityGroupEgress') {
  return defineAction({
    name,
    mutates: true,
    subject: 'securityGroup',
    parameters: direction === 'ingress' ? RULE_PARAMETERS : EGRESS_PARAMETERS,
    parse: (params) => readRuleRequest(params, direction),
    async run(ctx, input) {
      const group = await oneGroup(ctx, input.ref);
      const existing = direction === 'ingress' ? group.ingress : group.egress;
      const known = input.rules.filter((r) => existing.some((e) => sameRule(e, { ...r, cidr: r.cidr.toLowerCase() })));
      const unknown = input.rules.filter((r) => !known.includes(r));
      // EC2 revokes what exists and reports the rest as unknown, rather than failing the call.
      if (known.length > 0) await ctx.broker.securityGroups.revoke(group.id, direction, known);
      return { return: true, unknownIpPermissionSet: unknown.length === 0 ? undefined : items(ipPermissionsXml(unknown)) };
    },
  });
}

export const authorizeSecurityGroupIngress = authorizeAction('ingress', 'AuthorizeSecurityGroupIngress');
export const revokeSecurityGroupIngress = revokeAction('ingress', 'RevokeSecurityGroupIngress');
/** https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupEgress.html */
export const authorizeSecurityGroupEgress = authorizeAction('egress', 'AuthorizeSecurityGroupEgress');
export const revokeSecurityGroupEgress = revokeAction('egress', 'RevokeSecurityGroupEgress');
