/**
 * Replaying stored step histories, in the spirit of Temporal's replay tests: a VM's history
 * written by an older broker (fixtures/migration-history-v1.json, cut where that broker died)
 * is planted in the store, and the current code, started on it, must resume it to cut-over
 * without doing a finished step's provider work twice. A history this code cannot read (a step
 * renamed, or done out of order) must stop the VM with a clear error and touch nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SkyportClient } from '@skyport/client';
import { newId, type MigrationPlan, type Operation } from '@skyport/model';
import type { MigrationStepRecord } from '@skyport/core';
import { createTestStore, testDatabaseUrls, type TestStore } from '@skyport/store/testing';
import { loadConfig, startServer, type RunningServer, type ServerConfig } from './index.js';

const FAST_SIM = { latencyMs: 1, transitionMs: 150 };
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20 };

interface Fixture {
  readonly vm: { readonly status: 'running'; readonly job: 'forward'; readonly step: string; readonly attempt: number };
  readonly entries: readonly (Pick<MigrationStepRecord, 'step' | 'kind' | 'event'> & { readonly output?: Record<string, unknown> })[];
}

const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/migration-history-v1.json', import.meta.url), 'utf8')) as Fixture;

for (const database of testDatabaseUrls()) {
  describe(`replaying stored step histories on ${database.dialect}`, () => {
    let dataDir: string;
    let testStore: TestStore;
    let config: ServerConfig;
    let server: RunningServer;
    let client: SkyportClient;
    let counter = 0;

    const start = async (): Promise<void> => {
      server = await startServer(config, { tuning: TUNING });
      client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
    };

    const settle = async (operation: Promise<Operation>): Promise<Operation> => {
      const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 30 });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      return done;
    };

    /**
     * Makes the clouds look as the history says (a plan of one VM whose source is stopped),
     * writes the history with the VM held by a worker that is gone, and restarts the broker.
     */
    const plant = async (edit: (entries: Fixture['entries']) => Fixture['entries'] = (e) => e): Promise<{ plan: MigrationPlan; vmId: string; sourceId: string }> => {
      const [image] = (await client.images.list({ provider: ['src'], name: 'debian-12' })).items;
      const op = await settle(client.instances.create({ providerId: 'src', name: `web-${++counter}`, imageId: image!.id, hardwareProfileId: 'small', tags: { app: 'shop' } }));
      const sourceId = op.targetId!;
      const plan = await client.migrations.create({ name: `replay-${counter}`, sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [sourceId] });
      await settle(client.instances.stop(sourceId));
      const vmId = plan.vms[0]!.id;

      const { store } = testStore;
      const [profile] = (await client.hardwareProfiles.list({ provider: ['dst'], name: 'small' })).items;
      const [group] = (await client.securityGroups.list({ provider: ['dst'], name: 'default' })).items;
      const zone = (await client.locations.list({ provider: ['dst'] })).items.find((l) => l.kind === 'zone')!;
      const nativeOf = async (id: string) => (await store.resources.get(id))!.nativeId;
      const values: Record<string, string> = {
        sourceNativeId: await nativeOf(sourceId),
        hardwareProfileId: profile!.id,
        securityGroupId: group!.id,
        securityGroupNativeId: await nativeOf(group!.id),
        locationId: zone.id,
        locationNativeId: await nativeOf(zone.id),
        dataDir,
        targetProviderId: plan.targetProviderId,
        vmId,
      };
      const filled = JSON.parse(JSON.stringify(edit(FIXTURE.entries)).replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? assert.fail(`no value for {{${key}}}`))) as Fixture['entries'];

      const at = new Date().toISOString();
      const runId = newId('migrationRun');
      await store.migrations.insertRun({ id: runId, planId: plan.id, seq: 1, kind: 'run', vmIds: [vmId], createdAt: at, cancelRequestedAt: null, finishedAt: null });
      // Held by an operation that no longer exists: the broker died before (or while) queueing it.
      await store.migrations.updateVm(vmId, { ...FIXTURE.vm, runId, operationId: newId('operation'), progress: { percent: 40, step: 'import' }, startedAt: at, updatedAt: at });
      for (const entry of filled) {
        await store.migrations.appendStep({ vmId, attempt: FIXTURE.vm.attempt, step: entry.step, kind: entry.kind, event: entry.event, output: entry.output ?? null, error: null, at });
      }
      await server.close();
      await start();
      return { plan, vmId, sourceId };
    };

    const settled = async (planId: string): Promise<MigrationPlan> => client.migrations.waitFor(planId, { timeoutSeconds: 60 });

    const targetsOf = async (vmId: string) => {
      await client.providers.sync('dst');
      const instances = (await client.instances.list({ provider: ['dst'], tags: { 'skyport:migration': vmId } })).items.filter((i) => i.state !== 'terminated');
      const images = (await client.images.list({ provider: ['dst'], name: `skyport-mig-${vmId}` })).items;
      return { instances, images };
    };

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'skyport-replay-'));
      testStore = await createTestStore(database);
      config = loadConfig({
        SKYPORT_DATA_DIR: dataDir,
        SKYPORT_PORT: '0',
        SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent',
        SKYPORT_DATABASE_URL: testStore.url,
        SKYPORT_SEED_SIM: 'false',
        SKYPORT_SEED_LOCAL: 'false',
      });
      await start();
      for (const name of ['src', 'dst']) {
        await client.providers.add({ name, driver: 'sim', settings: FAST_SIM });
        await client.providers.sync(name);
      }
    });

    after(async () => {
      await server?.close();
      await testStore?.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    });

    test('a v1 history cut in the middle of an import resumes to cut-over with the current code', async () => {
      const { plan, vmId, sourceId } = await plant();
      const done = await settled(plan.id);
      const vm = done.vms[0]!;
      assert.equal(vm.status, 'cut-over', JSON.stringify(vm.error));
      const { instances, images } = await targetsOf(vmId);
      assert.equal(instances.length, 1, 'one target instance');
      assert.equal(images.length, 1, 'one image');
      assert.equal(instances[0]!.id, vm.targetInstanceId);
      assert.equal(instances[0]!.tags['app'], 'shop', "v1's recorded decisions were used");

      const history = await client.migrations.steps(plan.id, vmId);
      const completions = (step: string) => history.filter((h) => h.kind === 'action' && h.step === step && h.event === 'completed').length;
      assert.equal(completions('preflight'), 1, 'decisions recorded by v1 were not taken again');
      assert.equal(completions('stop-source'), 1);
      // The disk handle and the staged copy did not survive the old broker: both were redone.
      assert.equal(completions('export-disk'), 2);
      assert.equal(completions('transfer'), 2);
      assert.equal(completions('import'), 1);
      for (const step of ['create-target', 'boot-verify', 'cutover']) assert.equal(completions(step), 1, step);

      // v1 recorded that the source ran before: rolling back restarts it.
      await client.migrations.rollback(plan.id);
      const back = await settled(plan.id);
      assert.equal(back.vms[0]?.status, 'rolled-back', JSON.stringify(back.vms[0]?.error));
      assert.equal((await client.instances.get(sourceId)).state, 'running');
      assert.deepEqual(await targetsOf(vmId), { instances: [], images: [] });
    });

    test('a history naming a step this code does not have stops the VM with a clear error and touches nothing', async () => {
      const { plan, vmId, sourceId } = await plant((entries) => entries.map((e) => (e.step === 'transfer' ? { ...e, step: 'copy-disk' } : e)));
      const done = await settled(plan.id);
      const vm = done.vms[0]!;
      assert.equal(vm.status, 'failed');
      assert.equal(vm.error?.details?.['reason'], 'history-mismatch');
      assert.match(vm.error?.message ?? '', /step "copy-disk", which this broker does not have/);
      assert.deepEqual(await targetsOf(vmId), { instances: [], images: [] });
      assert.equal((await client.instances.get(sourceId)).state, 'stopped', 'no compensation ran on a history it cannot read');
    });

    test('a history whose done steps are out of order is refused', async () => {
      const { plan, vmId } = await plant((entries) => entries.filter((e) => e.step !== 'convert'));
      const done = await settled(plan.id);
      const vm = done.vms[0]!;
      assert.equal(vm.status, 'failed');
      assert.equal(vm.error?.details?.['reason'], 'history-mismatch');
      assert.match(vm.error?.message ?? '', /"transfer" is done but "convert", which comes before it, is not/);
      assert.deepEqual(await targetsOf(vmId), { instances: [], images: [] });
    });
  });
}
