/** How instance calls fail: unknown ids, wrong states, bad references, values outside a profile. */
import assert from 'node:assert/strict';
import type { DriverCreateInstanceRequest } from '@skyport/core';
import type { ErrorCode, ProfileDimension } from '@skyport/model';
import type { CaseContext, ConformanceCase } from '../conformance-case.js';
import { destroyInstanceQuietly } from '../cleanup.js';
import { expectSkyportError, expectUnsupported } from '../expect-error.js';
import { poll } from '../poll.js';
import { createRunning, waitFor } from './instance-helpers.js';

/** A value no dimension allows: above its maximum. */
function beyond(d: ProfileDimension): number {
  switch (d.kind) {
    case 'fixed':
      return d.value + 1;
    case 'range':
      return d.max + 1;
    case 'enum':
      return Math.max(...d.values) + 1;
  }
}

/** A create that must fail; if the driver accepts it anyway, the stray instance is cleaned up. */
function refusedCreate(ctx: CaseContext, what: string, codes: ErrorCode | readonly ErrorCode[], request: DriverCreateInstanceRequest) {
  return expectSkyportError(what, codes, async () => {
    const created = await ctx.driver.createInstance(request);
    ctx.defer(`destroy wrongly created instance ${created.nativeId}`, () => destroyInstanceQuietly(ctx.driver, created.nativeId));
    return created;
  });
}

export const instanceErrorCases: readonly ConformanceCase[] = [
  {
    group: 'instances',
    name: 'getInstance of an unknown id is undefined',
    async run(ctx) {
      assert.equal(await ctx.driver.getInstance(ctx.fixtures.unknownId), undefined);
    },
  },
  {
    group: 'instances',
    name: 'actions on an unknown id throw NotFound',
    async run(ctx) {
      const caps = ctx.factory.capabilities.instances;
      const id = ctx.fixtures.unknownId;
      if (caps.stopStart) {
        await expectSkyportError('startInstance(unknown)', 'NotFound', () => ctx.driver.startInstance(id));
        await expectSkyportError('stopInstance(unknown)', 'NotFound', () => ctx.driver.stopInstance(id));
      }
      if (caps.reboot) await expectSkyportError('rebootInstance(unknown)', 'NotFound', () => ctx.driver.rebootInstance(id));
      await expectSkyportError('destroyInstance(unknown)', 'NotFound', () => ctx.driver.destroyInstance(id));
      const getConsole = ctx.driver.getConsoleOutput;
      if (caps.console && getConsole !== undefined) {
        await expectSkyportError('getConsoleOutput(unknown)', 'NotFound', () => getConsole.call(ctx.driver, id));
      }
    },
  },
  {
    group: 'instances',
    name: 'stopping a stopped instance throws InvalidState',
    async run(ctx) {
      if (!ctx.factory.capabilities.instances.stopStart) {
        const shared = await ctx.fixtures.runningInstance();
        await expectUnsupported('stopInstance', () => ctx.driver.stopInstance(shared.nativeId));
        return;
      }
      const instance = await createRunning(ctx, 'stop-twice');
      await ctx.driver.stopInstance(instance.nativeId);
      if (ctx.factory.behaviour.stopDeletes) {
        await waitFor(ctx, instance.nativeId, ['terminated'], 'running');
        await expectSkyportError('stopInstance on a stopped (deleted) instance', ['InvalidState', 'NotFound'], () => ctx.driver.stopInstance(instance.nativeId));
        return;
      }
      await waitFor(ctx, instance.nativeId, ['stopped'], 'running');
      const error = await expectSkyportError('stopInstance on a stopped instance', 'InvalidState', () => ctx.driver.stopInstance(instance.nativeId));
      assert.ok(error.message.includes('stopped'), `the message should name the current state: ${error.message}`);
      assert.equal((await ctx.driver.getInstance(instance.nativeId))?.state, 'stopped', 'a refused action leaves the instance as it was');
    },
  },
  {
    group: 'instances',
    name: 'unknown references in a create request throw NotFound',
    async run(ctx) {
      const base = await ctx.fixtures.instanceRequest('bad-ref');
      const unknown = ctx.fixtures.unknownId;
      await refusedCreate(ctx, 'createInstance with an unknown image', 'NotFound', { ...base, imageId: unknown });
      await refusedCreate(ctx, 'createInstance with an unknown hardware profile', 'NotFound', { ...base, hardwareProfileId: unknown });
      await refusedCreate(ctx, 'createInstance with an unknown location', 'NotFound', { ...base, locationId: unknown });
      if (ctx.factory.capabilities.instances.keyPair) {
        await refusedCreate(ctx, 'createInstance with an unknown key pair', 'NotFound', { ...base, keyName: ctx.name('no-such-key') });
      }
    },
  },
  {
    group: 'instances',
    name: 'values outside the profile throw InvalidArgument',
    async run(ctx) {
      const profile = await ctx.fixtures.profile();
      const base = await ctx.fixtures.instanceRequest('outside');
      // Without overrides a driver may refuse any non-default value as Unsupported.
      const codes: ErrorCode[] = ctx.factory.capabilities.instances.profileOverrides ? ['InvalidArgument'] : ['InvalidArgument', 'Unsupported'];
      await refusedCreate(ctx, `createInstance with cpus ${beyond(profile.cpus)}`, codes, { ...base, cpus: beyond(profile.cpus) });
      await refusedCreate(ctx, `createInstance with memoryMiB ${beyond(profile.memoryMiB)}`, codes, { ...base, memoryMiB: beyond(profile.memoryMiB) });
    },
  },
  {
    group: 'console',
    name: 'output of a running instance',
    async run(ctx) {
      const getConsole = ctx.driver.getConsoleOutput;
      const shared = await ctx.fixtures.runningInstance();
      if (!ctx.factory.capabilities.instances.console) {
        if (getConsole !== undefined) await expectUnsupported('getConsoleOutput', () => getConsole.call(ctx.driver, shared.nativeId));
        return;
      }
      assert.ok(getConsole, 'instances.console is declared but the driver has no getConsoleOutput');
      // Some providers publish console output with a delay; allow one state change's time.
      const output = await poll('non-empty console output', ctx.stateChangeMs, ctx.pollMs, async () => {
        const text = await getConsole.call(ctx.driver, shared.nativeId);
        assert.equal(typeof text, 'string', 'getConsoleOutput returns a string');
        return text === '' ? undefined : text;
      });
      ctx.log(`console output: ${output.length} characters`);
    },
  },
];
