import type { SecurityGroupRule } from './entities.js';
import { SkyportError } from './errors.js';

export const RULE_PROTOCOLS = ['tcp', 'udp', 'icmp', '-1'] as const satisfies readonly SecurityGroupRule['protocol'][];

/** One authorize or revoke call changes at most this many rules (EC2's limit per call is similar). */
export const MAX_RULES_PER_CALL = 100;

function invalid(field: string, message: string, details: Record<string, unknown> = {}): SkyportError {
  return new SkyportError('InvalidArgument', `${field}: ${message}`, { details: { field, ...details } });
}

function requirePort(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `${JSON.stringify(value)} is not allowed: it must be a whole number from ${min} to ${max}`, { value, min, max });
  }
  return value;
}

// The model runs in browsers too (the portal), so addresses are parsed here rather than with node:net.
function isIPv4(address: string): boolean {
  const parts = address.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIPv6(address: string): boolean {
  let groups = address;
  let groupCount = 8;
  // An embedded IPv4 tail (::ffff:10.0.0.1) takes the place of two groups.
  const lastColon = address.lastIndexOf(':');
  if (address.includes('.', lastColon)) {
    if (!isIPv4(address.slice(lastColon + 1))) return false;
    groups = address.slice(0, lastColon + 1) + '0';
    groupCount = 7;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const hex = /^[0-9a-fA-F]{1,4}$/;
  const split = (half: string | undefined) => (half === undefined || half === '' ? [] : half.split(':'));
  const head = split(halves[0]);
  const tail = split(halves[1]);
  if (![...head, ...tail].every((g) => hex.test(g))) return false;
  const count = head.length + tail.length;
  return halves.length === 2 ? count < groupCount : count === groupCount;
}

/** `a.b.c.d/n` (n 0-32) or an IPv6 address with `/n` (n 0-128). */
export function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0 || slash !== value.lastIndexOf('/')) return false;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(prefix)) return false;
  const bits = Number(prefix);
  if (isIPv4(address)) return bits <= 32;
  if (isIPv6(address)) return bits <= 128;
  return false;
}

/**
 * Checks one rule and returns it in its canonical shape, so equal rules compare equal when a
 * driver matches a revoke against what it stored:
 * - `tcp`/`udp`: `fromPort..toPort` required, 0-65535, from <= to;
 * - `icmp`: `fromPort` is the ICMP type and `toPort` the code, each -1 (any) to 255, both
 *   optional (absent means any);
 * - `-1` (all protocols): no ports.
 */
export function normalizeRule(rule: SecurityGroupRule, field: string): SecurityGroupRule {
  if (typeof rule !== 'object' || rule === null) throw invalid(field, 'a rule must be an object with protocol, fromPort, toPort and cidr');
  if (!(RULE_PROTOCOLS as readonly string[]).includes(rule.protocol)) {
    throw invalid(`${field}.protocol`, `"${String(rule.protocol)}" is not a protocol; use one of ${RULE_PROTOCOLS.join(', ')} (-1 means all)`, { value: rule.protocol, allowed: RULE_PROTOCOLS });
  }
  if (typeof rule.cidr !== 'string' || !isCidr(rule.cidr)) {
    throw invalid(`${field}.cidr`, `"${String(rule.cidr)}" is not a CIDR block; use an IPv4 (0.0.0.0/0, 10.0.0.0/8) or IPv6 (::/0, 2001:db8::/32) address with a prefix length`, { value: rule.cidr });
  }
  const cidr = rule.cidr.toLowerCase();
  switch (rule.protocol) {
    case 'tcp':
    case 'udp': {
      if (rule.fromPort === undefined || rule.toPort === undefined) {
        throw invalid(`${field}.${rule.fromPort === undefined ? 'fromPort' : 'toPort'}`, `${rule.protocol} rules need fromPort and toPort (0-65535; the same number for one port)`);
      }
      const fromPort = requirePort(`${field}.fromPort`, rule.fromPort, 0, 65535);
      const toPort = requirePort(`${field}.toPort`, rule.toPort, 0, 65535);
      if (fromPort > toPort) throw invalid(`${field}.toPort`, `the port range ${fromPort}-${toPort} is reversed: fromPort must not be greater than toPort`, { fromPort, toPort });
      return { protocol: rule.protocol, fromPort, toPort, cidr };
    }
    case 'icmp': {
      const fromPort = rule.fromPort === undefined ? undefined : requirePort(`${field}.fromPort`, rule.fromPort, -1, 255);
      const toPort = rule.toPort === undefined ? undefined : requirePort(`${field}.toPort`, rule.toPort, -1, 255);
      return { protocol: 'icmp', ...(fromPort === undefined ? {} : { fromPort }), ...(toPort === undefined ? {} : { toPort }), cidr };
    }
    case '-1':
      if (rule.fromPort !== undefined || rule.toPort !== undefined) {
        throw invalid(`${field}.${rule.fromPort !== undefined ? 'fromPort' : 'toPort'}`, 'rules for all protocols (-1) cover every port; leave fromPort and toPort out');
      }
      return { protocol: '-1', cidr };
  }
}

/** Checks a non-empty list of rules (field names like `rules[2].cidr`) and returns them canonical. */
export function normalizeRules(rules: readonly SecurityGroupRule[], field = 'rules'): SecurityGroupRule[] {
  if (!Array.isArray(rules) || rules.length === 0) throw invalid(field, 'give at least one rule');
  if (rules.length > MAX_RULES_PER_CALL) throw invalid(field, `${rules.length} rules in one call; at most ${MAX_RULES_PER_CALL} are allowed`, { max: MAX_RULES_PER_CALL });
  return rules.map((rule, i) => normalizeRule(rule, `${field}[${i}]`));
}

/** Same protocol, ports and CIDR. */
export function sameRule(a: SecurityGroupRule, b: SecurityGroupRule): boolean {
  return a.protocol === b.protocol && a.fromPort === b.fromPort && a.toPort === b.toPort && a.cidr === b.cidr;
}
