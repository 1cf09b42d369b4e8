/**
 * Migration plans as a user drives them, on both dialects: two fast sim clouds, plans of
 * several VMs with mappings, preflight warnings, runs watched on the event stream, cut-over
 * with the disk bytes checked, finalize keeping or deleting sources, cancel, failure with
 * rollback, and retry of the failed VMs only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type SkyportClient } from '@skyport/client';
import { SkyportError, type BrokerEvent, type Instance, type MigrationPlan, type MigrationStepId, type Operation } from '@skyport/model';
import { createTestStore, testDatabaseUrls, type TestStore } from '@skyport/store/testing';
import { loadConfig, startServer, type RunningServer } from './index.js';

const FAST_SIM = { latencyMs: 1, transitionMs: 150 };
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20 };
const MIGRATION_TAG = 'skyport:migration';

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

async function expectError(promise: Promise<unknown>, code: string, message?: RegExp): Promise<SkyportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SkyportError, `expected a SkyportError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

for (const database of testDatabaseUrls()) {
  describe(`migration plans on ${database.dialect}`, () => {
    let dataDir: string;
    let testStore: TestStore;
    let server: RunningServer;
    let client: SkyportClient;

    const settle = async (operation: Promise<Operation>): Promise<Operation> => {
      const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 30 });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      return done;
    };

    /** Creates an instance in `src` and waits for it to run. */
    const launch = async (name: string, profile: string, extra: { keyName?: string; tags?: Record<string, string>; cpus?: number; memoryMiB?: number } = {}): Promise<Instance> => {
      const [image] = (await client.images.list({ provider: ['src'], name: 'debian-12' })).items;
      const op = await settle(client.instances.create({ providerId: 'src', name, imageId: image!.id, hardwareProfileId: profile, ...extra }));
      return client.instances.get(op.targetId!);
    };

    /** Instances of `dst` made by a migration VM (not terminated). */
    const migrated = async (vmId: string): Promise<Instance[]> => {
      await client.providers.sync('dst');
      return (await client.instances.list({ provider: ['dst'], tags: { [MIGRATION_TAG]: vmId } })).items.filter((i) => i.state !== 'terminated');
    };

    const importedImages = async (vmId: string) => {
      await client.providers.sync('dst');
      return (await client.images.list({ provider: ['dst'], name: `skyport-mig-${vmId}` })).items.filter((i) => i.state !== 'deleted');
    };

    /** Waits for the plan to settle and insists on its status. */
    const finish = async (planId: string, status: MigrationPlan['status']): Promise<MigrationPlan> => {
      const plan = await client.migrations.waitFor(planId, { timeoutSeconds: 60 });
      assert.equal(plan.status, status, JSON.stringify(plan.vms.map((v) => [v.sourceName, v.status, v.step, v.error?.message])));
      return plan;
    };

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'skyport-migrate-'));
      testStore = await createTestStore(database);
      const config = loadConfig({
        SKYPORT_DATA_DIR: dataDir,
        SKYPORT_PORT: '0',
        SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent',
        SKYPORT_DATABASE_URL: testStore.url,
        SKYPORT_SEED_SIM: 'false',
        SKYPORT_SEED_LOCAL: 'false',
      });
      server = await startServer(config, { tuning: TUNING });
      client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
      await client.providers.add({ name: 'src', driver: 'sim', region: 'src-1', settings: FAST_SIM });
      await client.providers.add({ name: 'dst', driver: 'sim', region: 'dst-1', settings: FAST_SIM });
      await client.providers.sync('src');
      await client.providers.sync('dst');
    });

    after(async () => {
      await server?.close();
      await testStore?.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    });

    test('a plan of three VMs: mappings proposed, preflight warnings, progress on the event stream, cut-over with the same disk bytes, finalize keeps the sources', async () => {
      await client.keyPairs.create({ providerId: 'src', name: 'deploy' });
      const web1 = await launch('web-1', 'small', { keyName: 'deploy', tags: { app: 'shop' } });
      const web2 = await launch('web-2', 'flex', { cpus: 3, memoryMiB: 3072, tags: { app: 'shop' } });
      const db1 = await launch('db-1', 'medium', { tags: { app: 'shop', tier: 'db' } });
      await launch('other', 'small');
      // A name clash at the target: an instance already called web-2 there.
      const [dstImage] = (await client.images.list({ provider: ['dst'], name: 'debian-12' })).items;
      await settle(client.instances.create({ providerId: 'dst', name: 'web-2', imageId: dstImage!.id, hardwareProfileId: 'small' }));
      await client.providers.sync('src');

      const srcProfiles = new Map((await client.hardwareProfiles.list({ provider: ['src'] })).items.map((p) => [p.name, p.id]));
      const dstProfiles = new Map((await client.hardwareProfiles.list({ provider: ['dst'] })).items.map((p) => [p.name, p.id]));
      const plan = await client.migrations.create({
        name: 'shop-to-dst',
        sourceProviderId: 'src',
        targetProviderId: 'dst',
        selector: { tags: { app: 'shop' } },
        mappings: { hardwareProfiles: { [srcProfiles.get('medium')!]: 'mem' } },
        overrides: { [db1.id]: { targetName: 'db-1-new' } },
        options: { maxParallel: 3 },
      });
      assert.equal(plan.status, 'draft');
      assert.deepEqual(plan.vms.map((v) => v.sourceName).sort(), ['db-1', 'web-1', 'web-2']);
      assert.equal(plan.vms.find((v) => v.sourceInstanceId === db1.id)?.targetName, 'db-1-new');
      // The broker proposed the nearest profiles and the target's default security group.
      assert.equal(plan.proposed.hardwareProfiles?.[srcProfiles.get('small')!], dstProfiles.get('small'));
      assert.equal(plan.proposed.hardwareProfiles?.[srcProfiles.get('flex')!], dstProfiles.get('flex'));
      assert.equal(plan.proposed.securityGroupIds?.length, 1);
      assert.equal(plan.proposed.keyPairs, undefined, 'the target has no key pair named deploy');

      const preflight = await client.migrations.preflight(plan.id);
      assert.equal(preflight.ok, true, JSON.stringify(preflight));
      const findings = (name: string) => preflight.vms.find((v) => v.sourceName === name)!.findings.map((f) => `${f.severity}:${f.code}`);
      assert.ok(findings('web-1').includes('warning:key-pair-missing'), JSON.stringify(findings('web-1')));
      assert.ok(findings('web-2').includes('warning:name-clash'), JSON.stringify(findings('web-2')));
      const web2Target = preflight.vms.find((v) => v.sourceName === 'web-2')!.target;
      assert.deepEqual([web2Target.hardwareProfileName, web2Target.cpus, web2Target.memoryMiB], ['flex', 3, 3072]);
      assert.equal(preflight.vms.find((v) => v.sourceName === 'db-1')!.target.hardwareProfileName, 'mem');

      const seen = new Map<string, Set<MigrationStepId>>();
      const percents: number[] = [];
      const abort = new AbortController();
      const stream = client.events({ types: ['migration.updated'] }, (event: BrokerEvent) => {
        if (event.type !== 'migration.updated' || event.planId !== plan.id) return;
        const steps = seen.get(event.vm.sourceName) ?? new Set();
        if (event.vm.step !== undefined) steps.add(event.vm.step);
        seen.set(event.vm.sourceName, steps);
        percents.push(event.vm.progress.percent);
      }, abort.signal);

      const started = await client.migrations.run(plan.id);
      assert.equal(started.status, 'running');
      assert.equal(started.runs.length, 1);
      await expectError(client.migrations.run(plan.id), 'InvalidState', /already r/);
      const done = await finish(plan.id, 'completed');
      abort.abort();
      await stream;
      assert.equal(done.progress, 100);
      assert.equal(done.runs[0]?.status, 'succeeded');
      for (const vm of done.vms) {
        assert.equal(vm.status, 'cut-over', `${vm.sourceName}: ${JSON.stringify(vm.error)}`);
        assert.deepEqual([...(seen.get(vm.sourceName) ?? [])], ['preflight', 'stop-source', 'export-disk', 'convert', 'transfer', 'import', 'create-target', 'boot-verify', 'cutover']);
        const targets = await migrated(vm.id);
        assert.equal(targets.length, 1, `exactly one target instance for ${vm.sourceName}`);
        assert.equal(targets[0]!.id, vm.targetInstanceId);
        assert.equal(targets[0]!.state, 'running');
        assert.equal(targets[0]!.name, vm.targetName);
        assert.equal((await importedImages(vm.id)).length, 1, `exactly one image for ${vm.sourceName}`);
        assert.equal((await client.instances.get(vm.sourceInstanceId)).state, 'stopped', 'the source is kept, stopped');
      }
      assert.ok(percents.some((p) => p > 0 && p < 100), 'progress was reported between 0 and 100');
      const db = done.vms.find((v) => v.sourceName === 'db-1')!;
      const dbTarget = await client.instances.get(db.targetInstanceId!);
      assert.deepEqual([dbTarget.cpus, dbTarget.memoryMiB, dbTarget.tags['tier']], [4, 16384, 'db']);
      assert.equal((await client.instances.get(done.vms.find((v) => v.sourceName === 'web-1')!.targetInstanceId!)).keyName, undefined);

      // The target's disk is the source's, byte for byte; the source's was not written.
      const srcDisks = join(dataDir, 'providers', 'src', 'disks');
      const dstDisks = join(dataDir, 'providers', 'dst', 'disks');
      const sourceDisk = join(srcDisks, (await readdir(srcDisks)).find((f) => f.startsWith('img-debian-12'))!);
      const sourceSum = await sha256(sourceDisk);
      for (const vm of done.vms) {
        const image = (await importedImages(vm.id))[0]!;
        const history = await client.migrations.steps(plan.id, vm.id);
        const transfer = history.find((h) => h.step === 'transfer' && h.event === 'completed');
        assert.equal(transfer?.output?.['sha256'], sourceSum);
        const stored = (await readdir(dstDisks)).filter((f) => !f.endsWith('.partial'));
        const sums = await Promise.all(stored.map((f) => sha256(join(dstDisks, f))));
        assert.ok(sums.includes(sourceSum), `a disk of ${image.name} at the target matches the source`);
        const completed = history.filter((h) => h.kind === 'action' && h.event === 'completed').map((h) => h.step);
        assert.deepEqual(completed, ['preflight', 'stop-source', 'export-disk', 'convert', 'transfer', 'import', 'create-target', 'boot-verify', 'cutover']);
      }
      // Staging files are gone after cut-over.
      const staging = join(dataDir, 'migrations', 'staging');
      for (const dir of await readdir(staging).catch(() => [])) assert.deepEqual(await readdir(join(staging, dir)), []);

      // Finalize keeps the sources (the default), stopped; the plan is done for good.
      const finalized = await client.migrations.finalize(plan.id);
      assert.ok(finalized.finalizedAt);
      const ended = await finish(plan.id, 'finalized');
      assert.ok(ended.vms.every((v) => v.status === 'finalized'));
      for (const source of [web1, web2, db1]) assert.equal((await client.instances.get(source.id)).state, 'stopped');
      await expectError(client.migrations.retry(plan.id), 'InvalidState', /finalized/);
      await expectError(client.migrations.rollback(plan.id), 'InvalidState', /finalized/);
      await client.migrations.delete(plan.id);
      await expectError(client.migrations.get(plan.id), 'NotFound', /does not exist/);
      // What the plan migrated stays.
      assert.equal((await client.instances.get(done.vms[0]!.targetInstanceId!)).state, 'running');
    });

    test('finalize deletes the sources when the plan says so; a cut-over VM can be rolled back before', async () => {
      const a = await launch('fin-a', 'small');
      const b = await launch('fin-b', 'small');
      const plan = await client.migrations.create({ name: 'fin', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [a.id, b.id], options: { sourceAfterFinalize: 'delete' } });
      await client.migrations.run(plan.id);
      const done = await finish(plan.id, 'completed');
      const vmB = done.vms.find((v) => v.sourceInstanceId === b.id)!;
      // Roll b back: its target instance and image go, its source runs again.
      await client.migrations.rollback(plan.id, { vmIds: [vmB.id] });
      const back = await finish(plan.id, 'completed');
      assert.equal(back.vms.find((v) => v.id === vmB.id)?.status, 'rolled-back');
      assert.deepEqual(await migrated(vmB.id), []);
      assert.deepEqual(await importedImages(vmB.id), []);
      assert.equal((await client.instances.get(b.id)).state, 'running');
      await client.migrations.finalize(plan.id);
      const ended = await finish(plan.id, 'finalized');
      assert.deepEqual(ended.vms.map((v) => v.status).sort(), ['finalized', 'rolled-back']);
      assert.equal((await client.instances.get(a.id)).state, 'terminated', 'the cut-over source was deleted');
      assert.equal((await client.instances.get(b.id)).state, 'running', 'the rolled-back source stays');
    });

    test('cancel stops the VMs still moving and undoes them; retry moves only those', async () => {
      const sources = await Promise.all(['can-1', 'can-2', 'can-3'].map((n) => launch(n, 'small')));
      const plan = await client.migrations.create({ name: 'cancel-me', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: sources.map((s) => s.id), options: { maxParallel: 1 } });
      await client.migrations.run(plan.id);
      await client.migrations.cancel(plan.id);
      const cancelled = await finish(plan.id, 'cancelled');
      assert.equal(cancelled.runs[0]?.status, 'cancelled');
      const statuses = cancelled.vms.map((v) => v.status);
      assert.ok(statuses.every((s) => s === 'cancelled' || s === 'cut-over'), statuses.join());
      assert.ok(statuses.includes('cancelled'));
      for (const vm of cancelled.vms.filter((v) => v.status === 'cancelled')) {
        assert.deepEqual(await migrated(vm.id), [], `${vm.sourceName} left no target instance`);
        assert.deepEqual(await importedImages(vm.id), [], `${vm.sourceName} left no image`);
        assert.equal((await client.instances.get(vm.sourceInstanceId)).state, 'running', `${vm.sourceName} runs again`);
      }
      await expectError(client.migrations.cancel(plan.id), 'InvalidState', /nothing to cancel/);
      const cutBefore = cancelled.vms.filter((v) => v.status === 'cut-over').map((v) => [v.id, v.targetInstanceId]);
      const retried = await client.migrations.retry(plan.id);
      assert.equal(retried.runs.length, 2);
      assert.equal(retried.runs[1]?.kind, 'retry');
      assert.deepEqual([...retried.runs[1]!.vmIds].sort(), cancelled.vms.filter((v) => v.status === 'cancelled').map((v) => v.id).sort());
      const done = await finish(plan.id, 'completed');
      assert.ok(done.vms.every((v) => v.status === 'cut-over'));
      // VMs cut over before the retry were not touched by it.
      for (const [id, target] of cutBefore) assert.equal(done.vms.find((v) => v.id === id)?.targetInstanceId, target);
      for (const vm of done.vms) assert.equal((await migrated(vm.id)).length, 1);
    });

    test('a VM failing mid-way is rolled back (source restarted, image removed); retry of the failed VM only', async () => {
      await client.keyPairs.create({ providerId: 'src', name: 'ops' });
      const dstKey = await client.keyPairs.create({ providerId: 'dst', name: 'ops' });
      const ok = await launch('fail-ok', 'small');
      const bad = await launch('fail-bad', 'small', { keyName: 'ops' });
      const plan = await client.migrations.create({ name: 'fail', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [ok.id, bad.id], mappings: { keyPairs: { ops: 'ops' } } });
      assert.deepEqual(plan.mappings.keyPairs, { ops: 'ops' });
      const badVm = plan.vms.find((v) => v.sourceInstanceId === bad.id)!;
      // The key pair disappears once the VM is past its own preflight: creating its target fails.
      let removed: Promise<void> | undefined;
      const abort = new AbortController();
      const stream = client.events({ types: ['migration.updated'] }, (event) => {
        if (event.type === 'migration.updated' && event.vm.id === badVm.id && event.vm.step === 'stop-source' && removed === undefined) removed = client.keyPairs.delete(dstKey.keyPair.id);
      }, abort.signal);
      await client.migrations.run(plan.id);
      const failed = await finish(plan.id, 'failed');
      abort.abort();
      await stream;
      await removed;
      const vm = failed.vms.find((v) => v.id === badVm.id)!;
      assert.equal(vm.status, 'rolled-back');
      assert.equal(vm.error?.code, 'NotFound');
      assert.match(vm.error?.message ?? '', /ops/);
      assert.equal(failed.vms.find((v) => v.sourceInstanceId === ok.id)?.status, 'cut-over');
      assert.equal(failed.runs[0]?.status, 'failed');
      assert.deepEqual(await migrated(vm.id), []);
      assert.deepEqual(await importedImages(vm.id), [], 'the imported image was removed');
      assert.equal((await client.instances.get(bad.id)).state, 'running', 'the source runs again');
      const history = await client.migrations.steps(plan.id, vm.id);
      assert.ok(history.some((h) => h.kind === 'compensation' && h.step === 'import' && h.event === 'completed'));
      assert.ok(history.some((h) => h.kind === 'action' && h.step === 'create-target' && h.event === 'failed'));

      await expectError(client.migrations.retry(plan.id), 'InvalidState', /key pair "ops" does not exist/);
      await client.keyPairs.create({ providerId: 'dst', name: 'ops' });
      const okBefore = failed.vms.find((v) => v.sourceInstanceId === ok.id)!;
      const retried = await client.migrations.retry(plan.id);
      assert.deepEqual(retried.runs[1]?.vmIds, [vm.id]);
      assert.equal(retried.vms.find((v) => v.id === vm.id)?.attempt, 2);
      const done = await finish(plan.id, 'completed');
      assert.equal((await client.instances.get(done.vms.find((v) => v.id === vm.id)!.targetInstanceId!)).keyName, 'ops');
      assert.deepEqual(done.vms.find((v) => v.id === okBefore.id), { ...okBefore, updatedAt: done.vms.find((v) => v.id === okBefore.id)!.updatedAt }, 'the VM that had succeeded was left alone');
      assert.equal((await migrated(vm.id)).length, 1);
      assert.equal((await importedImages(vm.id)).length, 1);
    });

    test('without rollback on failure a failed VM waits; retry resumes it at the failed step, reusing the imported image', async () => {
      const dstKey = await client.keyPairs.create({ providerId: 'dst', name: 'resume' });
      await client.keyPairs.create({ providerId: 'src', name: 'resume' });
      const source = await launch('resume-1', 'small', { keyName: 'resume' });
      const plan = await client.migrations.create({ name: 'resume', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [source.id], options: { rollbackOnFailure: false } });
      assert.deepEqual(plan.proposed.keyPairs, { resume: 'resume' });
      const vmId = plan.vms[0]!.id;
      let removed: Promise<void> | undefined;
      const abort = new AbortController();
      const stream = client.events({ types: ['migration.updated'] }, (event) => {
        if (event.type === 'migration.updated' && event.vm.id === vmId && event.vm.step === 'stop-source' && removed === undefined) removed = client.keyPairs.delete(dstKey.keyPair.id);
      }, abort.signal);
      await client.migrations.run(plan.id);
      const failed = await finish(plan.id, 'failed');
      abort.abort();
      await stream;
      await removed;
      const vm = failed.vms[0]!;
      assert.equal(vm.status, 'failed');
      assert.equal(vm.step, 'create-target');
      assert.equal((await importedImages(vmId)).length, 1, 'the image stays for the retry');
      assert.equal((await client.instances.get(source.id)).state, 'stopped');
      await expectError(client.migrations.finalize(plan.id), 'InvalidState', /failed and was not rolled back/);

      await client.keyPairs.create({ providerId: 'dst', name: 'resume' });
      const retried = await client.migrations.retry(plan.id);
      assert.equal(retried.vms[0]?.attempt, 1, 'the same attempt resumes');
      const done = await finish(plan.id, 'completed');
      const history = await client.migrations.steps(plan.id, vmId);
      const completions = (step: string) => history.filter((h) => h.kind === 'action' && h.step === step && h.event === 'completed').length;
      assert.equal(completions('import'), 1, 'the disk was imported once');
      assert.equal(completions('transfer'), 1, 'and copied once');
      assert.equal(completions('create-target'), 1);
      assert.equal((await importedImages(vmId)).length, 1);
      assert.equal((await migrated(vmId)).length, 1);
      assert.equal(done.vms[0]?.status, 'cut-over');
    });

    test("another tenant cannot see or touch a plan; a viewer reads plans but cannot change them, and refusals are audited", async () => {
      const source = await launch('guarded', 'small');
      const plan = await client.migrations.create({ name: 'guarded', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [source.id] });
      const password = 'correct horse battery staple';
      await client.tenants.create({ name: 'other' });
      await client.users.create({ name: 'outsider', password, memberships: [{ tenantId: 'other', role: 'admin' }] });
      await client.users.create({ name: 'watcher', password, memberships: [{ tenantId: 'default', role: 'viewer' }] });
      const as = async (name: string) => createClient({ baseUrl: server.url, token: (await createClient({ baseUrl: server.url }).login(name, password)).token });
      const outsider = await as('outsider');
      await expectError(outsider.migrations.get(plan.id), 'NotFound', /does not exist/);
      await expectError(outsider.migrations.run(plan.id), 'NotFound');
      assert.deepEqual(await outsider.migrations.list(), []);
      await expectError(outsider.migrations.create({ name: 'steal', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [source.id] }), 'NotFound', /provider src/);
      const watcher = await as('watcher');
      assert.equal((await watcher.migrations.get(plan.id)).id, plan.id);
      assert.equal((await watcher.migrations.preflight(plan.id)).ok, true);
      await expectError(watcher.migrations.run(plan.id), 'Forbidden', /operator/);
      await expectError(watcher.migrations.delete(plan.id), 'Forbidden');
      const audit = (await client.audit.list({ limit: 50 })).items;
      assert.ok(audit.some((e) => e.action === 'migrations.run' && e.result === 'failure' && e.errorCode === 'Forbidden' && e.target?.id === plan.id));
      assert.ok(audit.some((e) => e.action === 'migrations.create' && e.result === 'success' && e.target?.id === plan.id));
      await client.migrations.delete(plan.id);
    });

    test('pause holds the VMs at a step boundary; resume goes on from there, each step once', async () => {
      const sources = await Promise.all(['hold-1', 'hold-2', 'hold-3'].map((name) => launch(name, 'small')));
      const plan = await client.migrations.create({ name: 'hold', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: sources.map((s) => s.id), options: { maxParallel: 1 } });
      await expectError(client.migrations.pause(plan.id), 'InvalidState', /no VM moving; nothing to pause/);
      await client.migrations.run(plan.id);
      await client.migrations.pause(plan.id);
      const paused = await client.migrations.waitFor(plan.id, { timeoutSeconds: 60 });
      assert.equal(paused.status, 'paused', JSON.stringify(paused.vms.map((v) => [v.sourceName, v.status, v.step])));
      const held = paused.vms.filter((v) => v.status === 'paused');
      assert.ok(held.length >= 2, 'the VMs waiting for a slot were held');
      for (const vm of held) {
        const history = await client.migrations.steps(plan.id, vm.id);
        const last = history.filter((h) => h.kind === 'action' && h.event !== 'checkpoint').at(-1);
        assert.ok(last === undefined || last.event === 'completed', `${vm.sourceName} stopped between steps, not inside one (${JSON.stringify(last)})`);
      }
      // Held means held: nothing moves while paused.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const still = await client.migrations.get(plan.id);
      assert.equal(still.status, 'paused');
      assert.deepEqual(still.vms.map((v) => [v.id, v.status, v.step]), paused.vms.map((v) => [v.id, v.status, v.step]));
      await expectError(client.migrations.finalize(plan.id), 'InvalidState', /moving or paused/);

      await client.migrations.resume(plan.id);
      await expectError(client.migrations.resume(plan.id), 'InvalidState', /no paused VM/);
      const done = await finish(plan.id, 'completed');
      assert.equal(done.runs.length, 1, 'the same run went on');
      for (const vm of done.vms) {
        assert.equal(vm.status, 'cut-over');
        const history = await client.migrations.steps(plan.id, vm.id);
        for (const step of ['stop-source', 'export-disk', 'transfer', 'import', 'create-target', 'cutover']) {
          assert.equal(history.filter((h) => h.kind === 'action' && h.step === step && h.event === 'completed').length, 1, `${vm.sourceName}: ${step} once`);
        }
        assert.equal((await migrated(vm.id)).length, 1);
      }
    });

    test('a paused plan can be cancelled: what was done is undone and the sources run again', async () => {
      const sources = await Promise.all(['halt-1', 'halt-2'].map((name) => launch(name, 'small')));
      const plan = await client.migrations.create({ name: 'halt', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: sources.map((s) => s.id), options: { maxParallel: 1 } });
      await client.migrations.run(plan.id);
      // Pause once the first VM has really started (its source is being stopped or later).
      for (let i = 0; i < 100 && (await client.migrations.get(plan.id)).vms.every((v) => v.step === null || v.step === 'preflight'); i++) await new Promise((r) => setTimeout(r, 20));
      await client.migrations.pause(plan.id);
      assert.equal((await client.migrations.waitFor(plan.id, { timeoutSeconds: 60 })).status, 'paused');
      await client.migrations.cancel(plan.id);
      const cancelled = await finish(plan.id, 'cancelled');
      assert.ok(cancelled.vms.every((v) => v.status === 'cancelled'), JSON.stringify(cancelled.vms.map((v) => [v.sourceName, v.status])));
      for (const source of sources) assert.equal((await client.instances.get(source.id)).state, 'running', `${source.name} runs again`);
      for (const vm of cancelled.vms) {
        assert.deepEqual(await migrated(vm.id), []);
        assert.deepEqual(await importedImages(vm.id), []);
      }
    });

    test('a draft changes in place until its first run: name, mappings, per-VM names, options', async () => {
      const source = await launch('draft-1', 'small');
      const plan = await client.migrations.create({ name: 'draft', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [source.id] });
      const proposedProfiles = plan.proposed.hardwareProfiles ?? {};
      assert.equal(Object.keys(proposedProfiles).length, 1);
      const changed = await client.migrations.update(plan.id, {
        name: 'draft-renamed',
        mappings: { hardwareProfiles: proposedProfiles },
        overrides: { [source.id]: { targetName: 'draft-1-moved' } },
        options: { maxParallel: 1 },
      });
      assert.equal(changed.id, plan.id);
      assert.equal(changed.name, 'draft-renamed');
      assert.deepEqual(changed.mappings.hardwareProfiles, proposedProfiles);
      assert.equal(changed.vms[0]?.targetName, 'draft-1-moved');
      assert.equal(changed.options.maxParallel, 1);
      const merged = await client.migrations.update(plan.id, { options: { sourceAfterFinalize: 'delete' } });
      assert.equal(merged.options.maxParallel, 1, 'options are merged, not replaced');
      assert.equal(merged.options.sourceAfterFinalize, 'delete');
      assert.equal(merged.vms[0]?.targetName, 'draft-1-moved', 'overrides stay when not given');

      await expectError(client.migrations.update(plan.id, { overrides: { 'i-00000000000000000': { targetName: 'x' } } }), 'InvalidArgument', /overrides\.i-00000000000000000.*not in the plan/);
      await expectError(client.migrations.update(plan.id, { name: 'draft-again', options: { maxParallel: 0 } }), 'InvalidArgument', /maxParallel/);
      assert.equal((await client.migrations.get(plan.id)).name, 'draft-renamed', 'a refused change changes nothing');
      assert.equal((await client.migrations.update(plan.id, { overrides: {} })).vms[0]?.targetName, 'draft-1', 'without the override the VM keeps its source name');
      await client.migrations.update(plan.id, { overrides: { [source.id]: { targetName: 'draft-1-moved' } } });

      await client.migrations.run(plan.id);
      await expectError(client.migrations.update(plan.id, { name: 'late' }), 'InvalidState', /already ran.*create a new plan/);
      const done = await finish(plan.id, 'completed');
      assert.equal((await client.instances.get(done.vms[0]!.targetInstanceId!)).name, 'draft-1-moved');
      await expectError(client.migrations.update('mig-00000000000000000', { name: 'x' }), 'NotFound', /does not exist/);
    });

    test('plans refuse what cannot work, by name', async () => {
      const source = await launch('bad-1', 'small');
      await expectError(client.migrations.create({ name: 'x', sourceProviderId: 'src', targetProviderId: 'src', instanceIds: [source.id] }), 'InvalidArgument', /is the source provider/);
      await expectError(client.migrations.create({ name: 'x', sourceProviderId: 'src', targetProviderId: 'nowhere', instanceIds: [source.id] }), 'NotFound', /provider nowhere/);
      await expectError(client.migrations.create({ name: 'x', sourceProviderId: 'src', targetProviderId: 'dst', selector: { tags: { nothing: 'here' } } }), 'InvalidArgument', /no instances/);
      await expectError(client.migrations.create({ name: 'x', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: ['i-00000000000000000'] }), 'NotFound', /instance i-00000000000000000/);
      await expectError(client.migrations.create({ name: 'x', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [source.id], options: { maxParallel: 0 } }), 'InvalidArgument', /maxParallel/);
      const plan = await client.migrations.create({
        name: 'blocked',
        sourceProviderId: 'src',
        targetProviderId: 'dst',
        instanceIds: [source.id],
        mappings: { keyPairs: {}, securityGroupIds: ['sg-00000000000000000'] },
        overrides: { [source.id]: { hardwareProfileId: 'giant' } },
      });
      const preflight = await client.migrations.preflight(plan.id);
      assert.equal(preflight.ok, false);
      const codes = preflight.vms[0]!.findings.filter((f) => f.severity === 'blocker').map((f) => f.code).sort();
      assert.deepEqual(codes, ['missing-mapping', 'security-group-missing']);
      const refused = await expectError(client.migrations.run(plan.id), 'InvalidState', /2 blocker\(s\)/);
      assert.equal((refused.details?.['findings'] as unknown[]).length, 2);
      assert.equal((await client.migrations.get(plan.id)).status, 'draft', 'nothing ran');
      await expectError(client.migrations.finalize(plan.id).then(() => client.migrations.finalize(plan.id)), 'InvalidState', /finalized already/);
      await expectError(client.migrations.steps(plan.id, 'mvm-00000000000000000'), 'NotFound');

      // One instance in two plans at once: the second is blocked until the first is finalized.
      const twice = await launch('twice', 'small');
      const first = await client.migrations.create({ name: 'first', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [twice.id] });
      await client.migrations.run(first.id);
      await finish(first.id, 'completed');
      const second = await client.migrations.create({ name: 'second', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: [twice.id] });
      const again = await client.migrations.preflight(second.id);
      assert.deepEqual(again.vms[0]?.findings.filter((f) => f.severity === 'blocker').map((f) => f.code), ['already-migrated']);
      assert.match(again.vms[0]!.findings[0]!.message, new RegExp(`cut-over in migration plan ${first.id}`));
      await client.migrations.finalize(first.id);
      await finish(first.id, 'finalized');
      assert.equal((await client.migrations.preflight(second.id)).ok, true);
    });
  });
}
