/** Connection and the read-only catalogue: locations, hardware profiles, images. */
import assert from 'node:assert/strict';
import { dimensionAllows, dimensionDefault, type ProfileDimension } from '@skyport/model';
import type { ConformanceCase } from '../conformance-case.js';

const IMAGE_STATES = ['pending', 'available', 'failed', 'deleted'];
const ARCHITECTURES = ['x86_64', 'aarch64'];

function assertUnique(ids: readonly string[], what: string): void {
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(dupes, [], `${what} nativeIds must be unique`);
}

function checkDimension(d: ProfileDimension, where: string): void {
  const positiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;
  switch (d.kind) {
    case 'fixed':
      assert.ok(positiveInt(d.value), `${where}: fixed value ${d.value} must be a positive integer`);
      break;
    case 'range':
      assert.ok(positiveInt(d.min) && positiveInt(d.max) && d.min <= d.max, `${where}: range ${d.min}..${d.max} must be positive integers, min <= max`);
      assert.ok(Number.isInteger(d.default), `${where}: default ${d.default} must be an integer`);
      if (d.step !== undefined) assert.ok(positiveInt(d.step), `${where}: step ${d.step} must be a positive integer`);
      break;
    case 'enum':
      assert.ok(d.values.length > 0 && d.values.every(positiveInt), `${where}: enum values must be positive integers`);
      assert.equal(new Set(d.values).size, d.values.length, `${where}: enum values must be unique`);
      break;
    default:
      assert.fail(`${where}: unknown dimension kind ${(d as { kind: unknown }).kind}`);
  }
}

export const catalogueCases: readonly ConformanceCase[] = [
  {
    group: 'connection',
    name: 'testConnection succeeds',
    async run({ driver }) {
      await driver.testConnection();
    },
  },
  {
    group: 'locations',
    name: 'regions and zones are listed',
    async run({ driver }) {
      const locations = await driver.listLocations();
      assert.ok(locations.length > 0, 'at least one location');
      assert.ok(locations.some((l) => l.kind === 'region'), 'at least one region');
      assertUnique(locations.map((l) => l.nativeId), 'location');
      for (const l of locations) {
        assert.ok(l.nativeId !== '' && l.name !== '', `location ${l.nativeId} needs an id and a name`);
        assert.ok(l.kind === 'region' || l.kind === 'zone', `location ${l.nativeId} kind ${l.kind}`);
        assert.equal(typeof l.available, 'boolean', `location ${l.nativeId} available`);
        if (l.kind === 'region') assert.equal(l.parent, undefined, `region ${l.nativeId} must not have a parent`);
      }
    },
  },
  {
    group: 'locations',
    name: 'zone parents exist',
    async run({ driver, log }) {
      const locations = await driver.listLocations();
      const regions = new Set(locations.filter((l) => l.kind === 'region').map((l) => l.nativeId));
      const zones = locations.filter((l) => l.kind === 'zone');
      if (zones.length === 0) log('the provider lists no zones');
      for (const z of zones) {
        assert.ok(z.parent !== undefined && regions.has(z.parent), `zone ${z.nativeId} names parent ${z.parent ?? '(none)'}, which is not a listed region`);
      }
    },
  },
  {
    group: 'hardware profiles',
    name: 'dimensions are valid',
    async run({ driver }) {
      const profiles = await driver.listHardwareProfiles();
      assert.ok(profiles.length > 0, 'at least one hardware profile');
      assertUnique(profiles.map((p) => p.nativeId), 'hardware profile');
      for (const p of profiles) {
        assert.ok(p.nativeId !== '' && p.name !== '', `profile ${p.nativeId} needs an id and a name`);
        assert.ok(ARCHITECTURES.includes(p.architecture), `profile ${p.nativeId} architecture ${p.architecture}`);
        checkDimension(p.cpus, `profile ${p.nativeId} cpus`);
        checkDimension(p.memoryMiB, `profile ${p.nativeId} memoryMiB`);
        checkDimension(p.diskGiB, `profile ${p.nativeId} diskGiB`);
      }
    },
  },
  {
    group: 'hardware profiles',
    name: 'defaults lie inside their dimensions',
    async run({ driver }) {
      for (const p of await driver.listHardwareProfiles()) {
        for (const [field, d] of [['cpus', p.cpus], ['memoryMiB', p.memoryMiB], ['diskGiB', p.diskGiB]] as const) {
          assert.ok(dimensionAllows(d, dimensionDefault(d)), `profile ${p.nativeId} ${field} default ${dimensionDefault(d)} is outside ${JSON.stringify(d)}`);
        }
      }
    },
  },
  {
    group: 'images',
    name: 'at least one image is available',
    async run({ driver }) {
      const images = await driver.listImages();
      assert.ok(images.some((i) => i.state === 'available'), `no available image among ${images.length}`);
    },
  },
  {
    group: 'images',
    name: 'records are well formed',
    async run({ driver }) {
      const images = await driver.listImages();
      assertUnique(images.map((i) => i.nativeId), 'image');
      for (const i of images) {
        assert.ok(i.nativeId !== '' && i.name !== '', `image ${i.nativeId} needs an id and a name`);
        assert.ok(ARCHITECTURES.includes(i.architecture), `image ${i.nativeId} architecture ${i.architecture}`);
        assert.ok(IMAGE_STATES.includes(i.state), `image ${i.nativeId} state ${i.state}`);
        assert.equal(typeof i.public, 'boolean', `image ${i.nativeId} public`);
        assert.equal(typeof i.tags, 'object', `image ${i.nativeId} tags`);
        if (i.sizeGiB !== undefined) assert.ok(i.sizeGiB > 0, `image ${i.nativeId} sizeGiB ${i.sizeGiB}`);
        if (i.createdAt !== undefined) assert.ok(!Number.isNaN(Date.parse(i.createdAt)), `image ${i.nativeId} createdAt ${i.createdAt}`);
      }
    },
  },
];
