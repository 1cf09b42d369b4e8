import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HardwareProfile } from '@skyport/model';
import { fitDimension, nearestProfile } from './nearest-profile.js';

const profile = (name: string, cpus: HardwareProfile['cpus'], memoryMiB: HardwareProfile['memoryMiB'], diskGiB: HardwareProfile['diskGiB'] = { kind: 'fixed', value: 20 }): HardwareProfile => ({
  id: `hwp-${name}`,
  providerId: 'prv-1',
  name,
  architecture: 'x86_64',
  cpus,
  memoryMiB,
  diskGiB,
});

const SMALL = profile('small', { kind: 'fixed', value: 1 }, { kind: 'fixed', value: 1024 });
const MEDIUM = profile('medium', { kind: 'fixed', value: 2 }, { kind: 'fixed', value: 4096 }, { kind: 'fixed', value: 40 });
const FLEX = profile('flex', { kind: 'range', min: 1, max: 16, default: 2 }, { kind: 'range', min: 512, max: 65536, default: 2048, step: 512 }, { kind: 'range', min: 10, max: 1000, default: 40, step: 10 });
const MEM = profile('mem', { kind: 'fixed', value: 4 }, { kind: 'enum', values: [16384, 32768, 65536], default: 32768 });

test('dimensions are fitted from above: ranges to their step, enums to the next value', () => {
  assert.equal(fitDimension({ kind: 'range', min: 512, max: 65536, default: 2048, step: 512 }, 1000), 1024);
  assert.equal(fitDimension({ kind: 'range', min: 1, max: 16, default: 2 }, 40), 16);
  assert.equal(fitDimension({ kind: 'enum', values: [32768, 16384], default: 16384 }, 20000), 32768);
  assert.equal(fitDimension({ kind: 'enum', values: [16384], default: 16384 }, 99999), 16384);
  assert.equal(fitDimension({ kind: 'fixed', value: 3 }, 1), 3);
});

test('the exact fixed profile wins over a range that could match too', () => {
  const fit = nearestProfile([SMALL, MEDIUM, FLEX, MEM], { cpus: 2, memoryMiB: 4096, diskGiB: 40 });
  assert.ok(fit?.covers);
  assert.equal(fit.profile.name, 'medium');
  assert.deepEqual([fit.cpus, fit.memoryMiB], [2, 4096]);
  assert.equal(nearestProfile([FLEX, SMALL], { cpus: 1, memoryMiB: 1024, diskGiB: 20 })?.profile.name, 'small');
});

test('a need between fixed sizes takes the range, fitted', () => {
  const fit = nearestProfile([SMALL, MEDIUM, FLEX, MEM], { cpus: 3, memoryMiB: 6000, diskGiB: 25 });
  assert.equal(fit?.profile.name, 'flex');
  assert.deepEqual([fit?.cpus, fit?.memoryMiB, fit?.diskGiB], [3, 6144, 30]);
});

test('without a large enough profile the one falling shortest is chosen, marked as not covering', () => {
  const fit = nearestProfile([SMALL, MEDIUM], { cpus: 8, memoryMiB: 8192, diskGiB: 20 });
  assert.equal(fit?.profile.name, 'medium');
  assert.equal(fit?.covers, false);
  assert.equal(nearestProfile([], { cpus: 1, memoryMiB: 1, diskGiB: 1 }), undefined);
  assert.equal(nearestProfile([SMALL], { cpus: 1, memoryMiB: 1, diskGiB: 1 }, 'aarch64'), undefined);
});
