import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SkyportError } from './errors.js';
import { isCidr, normalizeRules, sameRule } from './security-group-rules.js';

test('CIDR blocks: IPv4 and IPv6 with a prefix length', () => {
  for (const ok of ['0.0.0.0/0', '10.0.0.0/8', '192.168.1.7/32', '::/0', '2001:db8::/32', 'fe80::1/128', '::ffff:10.0.0.0/104', '1:2:3:4:5:6:7:8/64']) {
    assert.equal(isCidr(ok), true, ok);
  }
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '256.0.0.0/8', '10.0.0/8', '01.2.3.4/8', '::/129', '1::2::3/64', '1:2:3:4:5:6:7:8:9/64', 'fe80::1%eth0/64', 'x/0', '10.0.0.0/8/8', '10.0.0.0/08', '']) {
    assert.equal(isCidr(bad), false, bad);
  }
});

test('rules are checked field by field and returned canonical', () => {
  assert.deepEqual(normalizeRules([{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }, { protocol: '-1', cidr: '2001:DB8::/32' }, { protocol: 'icmp', cidr: '10.0.0.0/8' }]), [
    { protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' },
    { protocol: '-1', cidr: '2001:db8::/32' },
    { protocol: 'icmp', cidr: '10.0.0.0/8' },
  ]);
  const refused = (rules: unknown, field: string) =>
    assert.throws(() => normalizeRules(rules as never), (e: unknown) => e instanceof SkyportError && e.code === 'InvalidArgument' && e.details?.['field'] === field && e.message.startsWith(field));
  refused([], 'rules');
  refused([{ protocol: 'sctp', fromPort: 1, toPort: 2, cidr: '0.0.0.0/0' }], 'rules[0].protocol');
  refused([{ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' }, { protocol: 'tcp', fromPort: 0, toPort: 70000, cidr: '0.0.0.0/0' }], 'rules[1].toPort');
  refused([{ protocol: 'udp', fromPort: 90, toPort: 80, cidr: '0.0.0.0/0' }], 'rules[0].toPort');
  refused([{ protocol: 'tcp', fromPort: -1, toPort: 80, cidr: '0.0.0.0/0' }], 'rules[0].fromPort');
  refused([{ protocol: 'tcp', toPort: 80, cidr: '0.0.0.0/0' }], 'rules[0].fromPort');
  refused([{ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '10.0.0.0/40' }], 'rules[0].cidr');
  refused([{ protocol: '-1', fromPort: 1, cidr: '0.0.0.0/0' }], 'rules[0].fromPort');
  refused([{ protocol: 'icmp', fromPort: 300, cidr: '0.0.0.0/0' }], 'rules[0].fromPort');
});

test('sameRule compares protocol, ports and CIDR', () => {
  assert.equal(sameRule({ protocol: 'tcp', fromPort: 1, toPort: 2, cidr: '::/0' }, { protocol: 'tcp', fromPort: 1, toPort: 2, cidr: '::/0' }), true);
  assert.equal(sameRule({ protocol: 'tcp', fromPort: 1, toPort: 2, cidr: '::/0' }, { protocol: 'udp', fromPort: 1, toPort: 2, cidr: '::/0' }), false);
});
