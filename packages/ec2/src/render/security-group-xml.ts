/**
 * Security groups as EC2 shows them: rules with the same protocol and ports are one
 * `IpPermission` carrying several ranges, IPv4 and IPv6 apart.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html
 */
import { isCidr, type SecurityGroup, type SecurityGroupRule } from '@skyport/model';
import { items, type XmlFields } from '../protocol/xml-writer.js';
import { tagSetXml } from './tags-xml.js';

function isIPv6Cidr(cidr: string): boolean {
  return cidr.includes(':') && isCidr(cidr);
}

export function ipPermissionsXml(rules: readonly SecurityGroupRule[]): XmlFields[] {
  const groups = new Map<string, { rule: SecurityGroupRule; v4: string[]; v6: string[] }>();
  for (const rule of rules) {
    const key = `${rule.protocol}/${rule.fromPort ?? ''}/${rule.toPort ?? ''}`;
    const group = groups.get(key) ?? { rule, v4: [], v6: [] };
    (isIPv6Cidr(rule.cidr) ? group.v6 : group.v4).push(rule.cidr);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ rule, v4, v6 }) => ({
    ipProtocol: rule.protocol,
    fromPort: rule.protocol === '-1' ? undefined : (rule.fromPort ?? -1),
    toPort: rule.protocol === '-1' ? undefined : (rule.toPort ?? -1),
    groups: items([]),
    ipRanges: items(v4.map((cidrIp) => ({ cidrIp }))),
    ipv6Ranges: items(v6.map((cidrIpv6) => ({ cidrIpv6 }))),
    prefixListIds: items([]),
  }));
}

export function securityGroupXml(group: SecurityGroup, ownerId: string): XmlFields {
  return {
    ownerId,
    groupId: group.id,
    groupName: group.name,
    groupDescription: group.description,
    ipPermissions: items(ipPermissionsXml(group.ingress)),
    ipPermissionsEgress: items(ipPermissionsXml(group.egress)),
    tagSet: tagSetXml(group.tags),
  };
}
