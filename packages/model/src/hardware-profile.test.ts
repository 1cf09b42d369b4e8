import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkyportError, resolveHardware, type HardwareProfile } from './index.js';

const profile: HardwareProfile = {
  id: 'hwp-1', providerId: 'prv-1', name: 'flex', architecture: 'x86_64',
  cpus: { kind: 'range', min: 1, max: 8, default: 2 },
  memoryMiB: { kind: 'enum', values: [512, 1024, 2048], default: 1024 },
  diskGiB: { kind: 'fixed', value: 10 },
};

test('defaults come from the profile', () => {
  assert.deepEqual(resolveHardware(profile), { cpus: 2, memoryMiB: 1024, diskGiB: 10 });
});

test('overrides inside the dimensions are taken', () => {
  assert.deepEqual(resolveHardware(profile, { cpus: 8, memoryMiB: 512 }), { cpus: 8, memoryMiB: 512, diskGiB: 10 });
});

test('an override outside a dimension names the field and what is allowed', () => {
  assert.throws(() => resolveHardware(profile, { cpus: 9 }), (e: unknown) => {
    assert.ok(e instanceof SkyportError);
    assert.equal(e.code, 'InvalidArgument');
    assert.match(e.message, /cpus 9 .* must be 1\.\.8/);
    assert.equal(e.details?.['field'], 'cpus');
    return true;
  });
  assert.throws(() => resolveHardware(profile, { memoryMiB: 700 }), /one of 512, 1024, 2048/);
  assert.throws(() => resolveHardware(profile, { diskGiB: 20 }), /exactly 10/);
  assert.throws(() => resolveHardware(profile, { cpus: 1.5 }), /cpus 1.5/);
});
