import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HardwareProfile } from '@skyport/model';
import { closestValue, nearestProfile } from './nearest-profile.js';

const fixed = (value: number) => ({ kind: 'fixed', value }) as const;
const profile = (name: string, cpus: HardwareProfile['cpus'], memoryMiB: HardwareProfile['memoryMiB'], diskGiB: HardwareProfile['diskGiB']): HardwareProfile => ({
  id: `hwp-${name}`,
  providerId: 'prv-1',
  name,
  architecture: 'x86_64',
  cpus,
  memoryMiB,
  diskGiB,
});
// The sim's catalogue.
const SIM = [
  profile('small', fixed(1), fixed(1024), fixed(20)),
  profile('medium', fixed(2), fixed(4096), fixed(40)),
  profile('flex', { kind: 'range', min: 1, max: 16, default: 2 }, { kind: 'range', min: 512, max: 65536, default: 2048, step: 512 }, { kind: 'range', min: 10, max: 1000, default: 40, step: 10 }),
  profile('mem', fixed(4), { kind: 'enum', values: [16384, 32768, 65536], default: 32768 }, fixed(100)),
];

test('each dimension kind gives its smallest value that fits, or its largest', () => {
  assert.deepEqual(closestValue(fixed(2), 1), { value: 2, fits: true });
  assert.deepEqual(closestValue(fixed(2), 3), { value: 2, fits: false });
  const range = { kind: 'range', min: 512, max: 4096, default: 1024, step: 512 } as const;
  assert.deepEqual(closestValue(range, 100), { value: 512, fits: true });
  assert.deepEqual(closestValue(range, 1500), { value: 1536, fits: true });
  assert.deepEqual(closestValue(range, 5000), { value: 4096, fits: false });
  assert.deepEqual(closestValue({ kind: 'enum', values: [8, 2, 4], default: 2 }, 3), { value: 4, fits: true });
  assert.deepEqual(closestValue({ kind: 'enum', values: [8, 2, 4], default: 2 }, 9), { value: 8, fits: false });
});

test('the profile that fits with least to spare wins; ranges match closely', () => {
  const want = (cpus: number, memoryMiB: number, diskGiB: number, overrides = true) => nearestProfile(SIM, { cpus, memoryMiB, diskGiB, overrides });
  // Flex matches exactly too, but only through overrides: the fixed profile is preferred.
  assert.deepEqual(want(1, 1024, 1), { hardwareProfileId: 'hwp-small', name: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 20, fits: true });
  assert.equal(want(2, 4096, 10)?.name, 'medium');
  assert.deepEqual(want(3, 3000, 25), { hardwareProfileId: 'hwp-flex', name: 'flex', cpus: 3, memoryMiB: 3072, diskGiB: 30, fits: true });
  assert.deepEqual(want(4, 20000, 50), { hardwareProfileId: 'hwp-flex', name: 'flex', cpus: 4, memoryMiB: 20480, diskGiB: 50, fits: true });
  // A driver without overrides runs flex at 2 CPUs / 2048 MiB only: mem is then nearest.
  assert.deepEqual(want(4, 20000, 50, false), { hardwareProfileId: 'hwp-mem', name: 'mem', cpus: 4, memoryMiB: 32768, diskGiB: 100, fits: true });
});

test('when nothing fits, the profile that falls least short, marked as not fitting', () => {
  const match = nearestProfile(SIM, { cpus: 64, memoryMiB: 262144, diskGiB: 4000, overrides: true });
  assert.equal(match?.fits, false);
  assert.equal(match?.name, 'flex');
  assert.equal(nearestProfile([], { cpus: 1, memoryMiB: 1, diskGiB: 1, overrides: true }), undefined);
});
