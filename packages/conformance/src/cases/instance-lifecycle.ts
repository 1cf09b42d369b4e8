/** Creating instances and moving them through the state machine. */
import assert from 'node:assert/strict';
import type { NativeHardwareProfile, NativeImage } from '@skyport/core';
import { dimensionDefault, type ProfileDimension } from '@skyport/model';
import type { CaseContext, ConformanceCase } from '../conformance-case.js';
import { deleteKeyPairQuietly, destroyInstanceQuietly } from '../cleanup.js';
import { expectUnsupported } from '../expect-error.js';
import { newOpenSshPublicKey } from '../openssh-public-key.js';
import { poll } from '../poll.js';
import { checkInstance, createInstance, createRunning, expectStateAfterAction, waitFor } from './instance-helpers.js';

/** The smallest allowed value other than the default, or undefined for a fixed dimension. */
function alternative(d: ProfileDimension): number | undefined {
  switch (d.kind) {
    case 'fixed':
      return undefined;
    case 'enum':
      return [...d.values].sort((a, b) => a - b).find((v) => v !== d.default);
    case 'range': {
      if (d.min !== d.default) return d.min;
      const next = d.min + (d.step ?? 1);
      return next <= d.max ? next : undefined;
    }
  }
}

async function flexibleProfile(ctx: CaseContext): Promise<{ profile: NativeHardwareProfile; image: NativeImage } | undefined> {
  const [profiles, images] = await Promise.all([ctx.driver.listHardwareProfiles(), ctx.driver.listImages()]);
  for (const profile of profiles) {
    if (alternative(profile.cpus) === undefined && alternative(profile.memoryMiB) === undefined) continue;
    const image = images.find((i) => i.state === 'available' && i.architecture === profile.architecture && (i.sizeGiB ?? 0) <= dimensionDefault(profile.diskGiB));
    if (image !== undefined) return { profile, image };
  }
  return undefined;
}

export const instanceLifecycleCases: readonly ConformanceCase[] = [
  {
    group: 'instances',
    name: 'create returns pending and reaches running',
    async run(ctx) {
      const { request, created } = await createInstance(ctx, 'create');
      const initial = ctx.factory.behaviour.createdStopped ? ['pending', 'stopped'] : ['pending'];
      assert.ok(initial.includes(created.state), `createInstance returned state ${created.state} (${created.rawState}); expected ${initial.join(' or ')}`);
      checkInstance(created, request);
      let from = created.state;
      if (ctx.factory.behaviour.createdStopped) {
        await waitFor(ctx, created.nativeId, ['stopped'], from);
        await ctx.driver.startInstance(created.nativeId);
        from = 'stopped';
      }
      const running = await waitFor(ctx, created.nativeId, ['running'], from);
      assert.ok(running);
      checkInstance(running, request);
    },
  },
  {
    group: 'instances',
    name: 'listInstances includes a created instance',
    async run(ctx) {
      const { request, created } = await createInstance(ctx, 'listed');
      // Lists may lag behind a create on eventually consistent providers; allow a state change's time.
      const listed = await poll('instance in listInstances', ctx.stateChangeMs, ctx.pollMs, async () =>
        (await ctx.driver.listInstances()).find((i) => i.nativeId === created.nativeId),
      );
      checkInstance(listed, request);
    },
  },
  {
    group: 'instances',
    name: 'listed instances are well formed',
    async run(ctx) {
      const shared = await ctx.fixtures.runningInstance();
      const all = await ctx.driver.listInstances();
      for (const instance of all) checkInstance(instance);
      const ids = all.map((i) => i.nativeId);
      assert.equal(new Set(ids).size, ids.length, 'listInstances must not repeat an instance');
      assert.equal(all.find((i) => i.nativeId === shared.nativeId)?.state, 'running', 'the shared running instance is listed as running');
    },
  },
  {
    group: 'instances',
    name: 'profile overrides are applied',
    async run(ctx) {
      if (!ctx.factory.capabilities.instances.profileOverrides) {
        const request = await ctx.fixtures.instanceRequest('override');
        await expectUnsupported('createInstance with a cpus override', async () => {
          const created = await ctx.driver.createInstance({ ...request, cpus: request.cpus + 1 });
          ctx.defer('destroy wrongly created instance', () => destroyInstanceQuietly(ctx.driver, created.nativeId));
        });
        return;
      }
      const flexible = await flexibleProfile(ctx);
      assert.ok(flexible, 'profileOverrides is declared, but no hardware profile has a range or enum cpus/memory dimension');
      const { profile, image } = flexible;
      const cpus = alternative(profile.cpus) ?? dimensionDefault(profile.cpus);
      const memoryMiB = alternative(profile.memoryMiB) ?? dimensionDefault(profile.memoryMiB);
      ctx.log(`profile ${profile.nativeId}: cpus ${cpus}, memoryMiB ${memoryMiB}`);
      const { request, created } = await createInstance(ctx, 'override', {
        imageId: image.nativeId,
        hardwareProfileId: profile.nativeId,
        cpus,
        memoryMiB,
        diskGiB: dimensionDefault(profile.diskGiB),
      });
      checkInstance(created, request);
      const from = created.state;
      if (ctx.factory.behaviour.createdStopped) {
        await waitFor(ctx, created.nativeId, ['stopped'], from);
        await ctx.driver.startInstance(created.nativeId);
      }
      const running = await waitFor(ctx, created.nativeId, ['running'], ctx.factory.behaviour.createdStopped ? 'stopped' : from);
      assert.ok(running);
      checkInstance(running, request);
    },
  },
  {
    group: 'instances',
    name: 'create with a key pair',
    async run(ctx) {
      const caps = ctx.factory.capabilities;
      if (!caps.instances.keyPair) {
        const request = await ctx.fixtures.instanceRequest('with-key', { keyName: ctx.name('key') });
        await expectUnsupported('createInstance with keyName', async () => {
          const created = await ctx.driver.createInstance(request);
          ctx.defer('destroy wrongly created instance', () => destroyInstanceQuietly(ctx.driver, created.nativeId));
        });
        return;
      }
      const keyName = ctx.name('key');
      let keyId: string;
      if (caps.keyPairs?.create) keyId = (await ctx.driver.createKeyPair(keyName)).keyPair.nativeId;
      else if (caps.keyPairs?.import) {
        keyId = (await ctx.driver.importKeyPair(keyName, newOpenSshPublicKey('conformance'))).nativeId;
      } else {
        assert.fail('instances.keyPair is declared but key pairs can be neither created nor imported');
      }
      // Deferred before the instance, so it runs after the instance is destroyed.
      ctx.defer(`delete key pair ${keyId}`, () => deleteKeyPairQuietly(ctx.driver, keyId));
      const { created } = await createInstance(ctx, 'with-key', { keyName });
      assert.equal(created.keyName, keyName, 'createInstance result names the key pair');
      assert.equal((await ctx.driver.getInstance(created.nativeId))?.keyName, keyName, 'getInstance names the key pair');
    },
  },
  {
    group: 'instances',
    name: 'create with user data',
    async run(ctx) {
      const userData = '#cloud-config\nruncmd:\n  - echo skyport-conformance\n';
      if (!ctx.factory.capabilities.instances.userData) {
        const request = await ctx.fixtures.instanceRequest('user-data', { userData });
        await expectUnsupported('createInstance with userData', async () => {
          const created = await ctx.driver.createInstance(request);
          ctx.defer('destroy wrongly created instance', () => destroyInstanceQuietly(ctx.driver, created.nativeId));
        });
        return;
      }
      const { created } = await createInstance(ctx, 'user-data', { userData });
      assert.ok(['pending', 'stopped'].includes(created.state), `created in ${created.state}`);
    },
  },
  {
    group: 'instances',
    name: 'stop and start',
    async run(ctx) {
      if (!ctx.factory.capabilities.instances.stopStart) {
        const shared = await ctx.fixtures.runningInstance();
        await expectUnsupported('stopInstance', () => ctx.driver.stopInstance(shared.nativeId));
        await expectUnsupported('startInstance', () => ctx.driver.startInstance(shared.nativeId));
        return;
      }
      const instance = await createRunning(ctx, 'stop-start');
      const id = instance.nativeId;
      await ctx.driver.stopInstance(id);
      if (ctx.factory.behaviour.stopDeletes) {
        const after = await expectStateAfterAction(ctx, id, 'stopInstance', ['stopping', 'shutting-down', 'terminated', undefined]);
        if (after !== undefined) await waitFor(ctx, id, ['terminated'], after.state);
        return;
      }
      const stopping = await expectStateAfterAction(ctx, id, 'stopInstance', ['stopping', 'stopped']);
      await waitFor(ctx, id, ['stopped'], stopping?.state);
      await ctx.driver.startInstance(id);
      const starting = await expectStateAfterAction(ctx, id, 'startInstance', ['pending', 'running']);
      await waitFor(ctx, id, ['running'], starting?.state);
    },
  },
  {
    group: 'instances',
    name: 'reboot',
    async run(ctx) {
      if (!ctx.factory.capabilities.instances.reboot) {
        const shared = await ctx.fixtures.runningInstance();
        await expectUnsupported('rebootInstance', () => ctx.driver.rebootInstance(shared.nativeId));
        return;
      }
      const instance = await createRunning(ctx, 'reboot');
      await ctx.driver.rebootInstance(instance.nativeId);
      const rebooting = await expectStateAfterAction(ctx, instance.nativeId, 'rebootInstance', ['rebooting', 'running']);
      await waitFor(ctx, instance.nativeId, ['running'], rebooting?.state);
    },
  },
  {
    group: 'instances',
    name: 'destroy',
    async run(ctx) {
      const instance = await createRunning(ctx, 'destroy');
      const id = instance.nativeId;
      await ctx.driver.destroyInstance(id);
      const after = await expectStateAfterAction(ctx, id, 'destroyInstance', ['shutting-down', 'terminated', undefined]);
      if (after !== undefined) await waitFor(ctx, id, ['terminated'], after.state);
      const listed = (await ctx.driver.listInstances()).find((i) => i.nativeId === id);
      assert.ok(listed === undefined || listed.state === 'terminated', `a destroyed instance is listed as ${listed?.state}`);
    },
  },
];
