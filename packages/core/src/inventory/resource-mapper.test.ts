import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBrokerEntity, UNRESOLVED_PREFIX } from './resource-mapper.js';
import type { NativeInstance, NativeVolume } from '../ports/index.js';

const ids = new Map([
  ['image:img-1', 'ami-1'],
  ['hardwareProfile:small', 'hwp-1'],
  ['instance:vm-9', 'i-9'],
]);
const ref = (kind: string, nativeId: string) => ids.get(`${kind}:${nativeId}`) ?? `${UNRESOLVED_PREFIX}${nativeId}`;

test('instance references become broker ids; unknown ones stay visible as native', () => {
  const native: NativeInstance = {
    nativeId: 'vm-1', name: 'web', state: 'running', rawState: 'ACTIVE', imageId: 'img-1', hardwareProfileId: 'small', locationId: 'zone-z',
    cpus: 1, memoryMiB: 512, diskGiB: 10, addresses: [], tags: { env: 'dev' }, createdAt: '2026-01-01T00:00:00Z',
  };
  const entity = toBrokerEntity('instance', 'i-1', 'prv-1', native, ref);
  assert.equal(entity['id'], 'i-1');
  assert.equal(entity['providerId'], 'prv-1');
  assert.equal(entity['imageId'], 'ami-1');
  assert.equal(entity['hardwareProfileId'], 'hwp-1');
  assert.equal(entity['locationId'], 'native:zone-z');
  assert.equal(entity['rawState'], 'ACTIVE');
  assert.ok(!('nativeId' in entity));
});

test('a volume attachment points at the broker id of the instance', () => {
  const native: NativeVolume = { nativeId: 'v-1', name: 'data', sizeGiB: 5, state: 'in-use', attachment: { instanceId: 'vm-9', device: '/dev/vdb' }, tags: {}, createdAt: '2026-01-01T00:00:00Z' };
  const entity = toBrokerEntity('volume', 'vol-1', 'prv-1', native, ref);
  assert.deepEqual(entity['attachment'], { instanceId: 'i-9', device: '/dev/vdb' });
});

test("an instance's security groups are mapped to broker ids", () => {
  const groups = new Map([['securityGroup:sg-native-a', 'sg-1']]);
  const groupRef = (kind: string, nativeId: string) => groups.get(`${kind}:${nativeId}`) ?? ref(kind, nativeId);
  const native: NativeInstance = {
    nativeId: 'vm-2', name: 'db', state: 'running', rawState: 'ACTIVE', imageId: 'img-1', hardwareProfileId: 'small', securityGroupIds: ['sg-native-a', 'sg-native-b'],
    cpus: 1, memoryMiB: 512, diskGiB: 10, addresses: [], tags: {}, createdAt: '2026-01-01T00:00:00Z',
  };
  const entity = toBrokerEntity('instance', 'i-2', 'prv-1', native, groupRef);
  assert.deepEqual(entity['securityGroupIds'], ['sg-1', 'native:sg-native-b']);
});
