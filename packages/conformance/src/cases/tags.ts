/** Tags: set and removed per declared kind, visible in the kind's list results. */
import assert from 'node:assert/strict';
import type { TaggableKind, Tags } from '@skyport/model';
import type { CaseContext, ConformanceCase } from '../conformance-case.js';
import { deleteKeyPairQuietly, deleteSnapshotQuietly } from '../cleanup.js';
import { expectSkyportError, expectUnsupported } from '../expect-error.js';
import { newOpenSshPublicKey } from '../openssh-public-key.js';
import { poll } from '../poll.js';
import { createdSecurityGroup } from './security-groups.js';
import { availableVolume } from './volumes.js';

/** A resource to tag and a way to read its tags back from a list (undefined: not visible). */
interface Target {
  readonly id: string;
  readonly readTags?: () => Promise<Tags | undefined>;
}

const KIND_LABEL: Record<TaggableKind, string> = { instance: 'instance', volume: 'volume', snapshot: 'snapshot', image: 'image', keyPair: 'key pair', securityGroup: 'security group' };

const targets: Record<TaggableKind, (ctx: CaseContext) => Promise<Target>> = {
  async instance(ctx) {
    const { nativeId } = await ctx.fixtures.runningInstance();
    return { id: nativeId, readTags: async () => (await ctx.driver.listInstances()).find((i) => i.nativeId === nativeId)?.tags };
  },
  async volume(ctx) {
    const { nativeId } = await availableVolume(ctx, 'tagged');
    return { id: nativeId, readTags: async () => (await ctx.driver.listVolumes()).find((v) => v.nativeId === nativeId)?.tags };
  },
  async snapshot(ctx) {
    const volume = await availableVolume(ctx, 'tagged-source');
    const { nativeId } = await ctx.driver.createSnapshot({ name: ctx.name('tagged'), volumeId: volume.nativeId });
    ctx.defer(`delete snapshot ${nativeId}`, () => deleteSnapshotQuietly(ctx.driver, nativeId));
    return { id: nativeId, readTags: async () => (await ctx.driver.listSnapshots()).find((s) => s.nativeId === nativeId)?.tags };
  },
  async image(ctx) {
    const { nativeId } = await ctx.fixtures.image();
    return { id: nativeId, readTags: async () => (await ctx.driver.listImages()).find((i) => i.nativeId === nativeId)?.tags };
  },
  async keyPair(ctx) {
    const name = ctx.name('tagged-key');
    const caps = ctx.factory.capabilities.keyPairs;
    const keyPair = caps?.create ? (await ctx.driver.createKeyPair(name)).keyPair : await ctx.driver.importKeyPair(name, newOpenSshPublicKey('conformance'));
    ctx.defer(`delete key pair ${keyPair.nativeId}`, () => deleteKeyPairQuietly(ctx.driver, keyPair.nativeId));
    // The KeyPair entity carries no tags, so they cannot be read back; only acceptance is checked.
    return { id: keyPair.nativeId };
  },
  async securityGroup(ctx) {
    const { nativeId } = await createdSecurityGroup(ctx, 'tagged');
    return { id: nativeId, readTags: async () => (await ctx.driver.listSecurityGroups?.())?.find((g) => g.nativeId === nativeId)?.tags };
  },
};

function declares(ctx: CaseContext, kind: TaggableKind): boolean {
  return ctx.factory.capabilities.tags?.kinds.includes(kind) ?? false;
}

/** Waits until the tags read back satisfy `check` (lists may lag on real clouds). */
async function expectTags(ctx: CaseContext, target: Target, what: string, check: (tags: Tags) => boolean): Promise<void> {
  const readTags = target.readTags;
  if (readTags === undefined) return;
  let last: Tags | undefined;
  await poll(what, ctx.stateChangeMs, ctx.pollMs, async () => {
    last = await readTags();
    assert.ok(last, `resource ${target.id} is no longer listed`);
    return check(last) ? true : undefined;
  }, () => JSON.stringify(last));
}

function tagCase(kind: TaggableKind): ConformanceCase {
  return {
    group: 'tags',
    name: `${KIND_LABEL[kind]} tags are set and removed`,
    async run(ctx) {
      if (!declares(ctx, kind)) {
        await expectUnsupported(`updateTags(${kind})`, () => ctx.driver.updateTags(kind, ctx.fixtures.unknownId, { set: { 'cf-a': '1' } }));
        return;
      }
      const target = await targets[kind](ctx);
      const keyA = `cf-${ctx.fixtures.runId}-a`;
      const keyB = `cf-${ctx.fixtures.runId}-b`;
      // Shared resources (the catalogue image, the shared instance) must be left as found.
      ctx.defer(`remove test tags from ${kind} ${target.id}`, () => ctx.driver.updateTags(kind, target.id, { remove: [keyA, keyB] }));
      await ctx.driver.updateTags(kind, target.id, { set: { [keyA]: '1', [keyB]: 'two words' } });
      await expectTags(ctx, target, `tags ${keyA}, ${keyB} visible`, (t) => t[keyA] === '1' && t[keyB] === 'two words');
      await ctx.driver.updateTags(kind, target.id, { set: { [keyB]: '3' }, remove: [keyA] });
      await expectTags(ctx, target, `${keyA} removed and ${keyB} changed`, (t) => !(keyA in t) && t[keyB] === '3');
      if (!target.readTags) ctx.log(`${kind} tags cannot be read back: the entity has no tags field`);
    },
  };
}

export const tagCases: readonly ConformanceCase[] = [
  tagCase('instance'),
  tagCase('volume'),
  tagCase('snapshot'),
  tagCase('image'),
  tagCase('keyPair'),
  tagCase('securityGroup'),
  {
    group: 'tags',
    name: 'more than maxPerResource tags are refused',
    async run(ctx) {
      const caps = ctx.factory.capabilities.tags;
      const kind = caps?.kinds.find((k) => k === 'instance' || k === 'volume');
      if (caps === undefined || kind === undefined) {
        ctx.log('no instance or volume tags declared; nothing to check');
        return;
      }
      const target = await targets[kind](ctx);
      const many = Object.fromEntries(Array.from({ length: caps.maxPerResource + 1 }, (_, i) => [`cf-${ctx.fixtures.runId}-${i}`, 'x']));
      ctx.defer(`remove test tags from ${kind} ${target.id}`, () => ctx.driver.updateTags(kind, target.id, { remove: Object.keys(many) }));
      await expectSkyportError(`${caps.maxPerResource + 1} tags on one ${kind}`, ['QuotaExceeded', 'InvalidArgument'], () =>
        ctx.driver.updateTags(kind, target.id, { set: many }),
      );
      await expectTags(ctx, target, 'a refused change leaves the tags as they were', (t) => !Object.keys(t).some((k) => k in many));
    },
  },
  {
    group: 'tags',
    name: 'tagging an unknown resource throws NotFound',
    async run(ctx) {
      for (const kind of ctx.factory.capabilities.tags?.kinds ?? []) {
        await expectSkyportError(`updateTags(${kind}, unknown)`, 'NotFound', () => ctx.driver.updateTags(kind, ctx.fixtures.unknownId, { set: { 'cf-a': '1' } }));
      }
    },
  },
];
