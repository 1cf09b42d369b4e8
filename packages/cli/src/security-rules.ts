/**
 * Security group rules as the command line spells them: `--protocol tcp --port 80` or
 * `--port 8000-8100`, one rule per `--cidr`. Parsed here so a malformed port is a usage error
 * before anything is sent; what the ports mean per protocol the broker checks.
 */
import { InvalidArgumentError } from 'commander';
import type { SecurityGroupRule } from '@skyport/model';
import { UsageError } from './options.js';

const PROTOCOL_WORDS: Readonly<Record<string, SecurityGroupRule['protocol']>> = { tcp: 'tcp', udp: 'udp', icmp: 'icmp', all: '-1', '-1': '-1' };

export function protocol(value: string): SecurityGroupRule['protocol'] {
  const p = PROTOCOL_WORDS[value.toLowerCase()];
  if (p === undefined) throw new InvalidArgumentError('use tcp, udp, icmp or all.');
  return p;
}

/** `80` or `8000-8100`; for icmp, the type (and `-1` for any). */
export function portRange(value: string): { fromPort: number; toPort: number } {
  const match = /^(-1|\d{1,5})(?:-(\d{1,5}))?$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError('use a port (80) or a range (8000-8100).');
  const fromPort = Number(match[1]);
  const toPort = match[2] === undefined ? fromPort : Number(match[2]);
  if (toPort > 65535 || fromPort > 65535) throw new InvalidArgumentError('ports go from 0 to 65535.');
  if (fromPort > toPort) throw new InvalidArgumentError(`the range ${value} is reversed; write the lower port first.`);
  return { fromPort, toPort };
}

export interface RuleFlags {
  readonly protocol: SecurityGroupRule['protocol'];
  readonly port?: { fromPort: number; toPort: number };
  readonly cidr: string[];
}

/** One rule per CIDR block, all with the same protocol and ports. */
export function rulesOf(flags: RuleFlags): SecurityGroupRule[] {
  if ((flags.protocol === 'tcp' || flags.protocol === 'udp') && flags.port === undefined) {
    throw new UsageError(`${flags.protocol} rules need --port (80, or a range like 8000-8100).`);
  }
  if (flags.protocol === '-1' && flags.port !== undefined) throw new UsageError('--protocol all covers every port; leave --port out.');
  let ports: { fromPort?: number; toPort?: number } = flags.port ?? {};
  if (flags.protocol === 'icmp' && flags.port !== undefined) {
    // For ICMP the "port" is the message type (8: echo request), with any code.
    if (flags.port.fromPort !== flags.port.toPort || flags.port.fromPort > 255) throw new UsageError('for icmp, --port is one ICMP type from 0 to 255 (8 is echo request), or -1 for any.');
    ports = { fromPort: flags.port.fromPort, toPort: -1 };
  }
  return flags.cidr.map((cidr) => ({ protocol: flags.protocol, ...ports, cidr }));
}

/** `tcp 80 0.0.0.0/0`, `tcp 8000-8100 ::/0`, `all 10.0.0.0/8`, `icmp type 8 10.0.0.0/8`. */
export function formatRule(rule: SecurityGroupRule): string {
  const name = rule.protocol === '-1' ? 'all' : rule.protocol;
  let ports = '';
  if (rule.protocol === 'icmp') ports = rule.fromPort === undefined || rule.fromPort === -1 ? ' any' : ` type ${rule.fromPort}${rule.toPort === undefined || rule.toPort === -1 ? '' : ` code ${rule.toPort}`}`;
  else if (rule.fromPort !== undefined) ports = rule.fromPort === rule.toPort ? ` ${rule.fromPort}` : ` ${rule.fromPort}-${rule.toPort ?? rule.fromPort}`;
  return `${name}${ports} ${rule.cidr}`;
}
