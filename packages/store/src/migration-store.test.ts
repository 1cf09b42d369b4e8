/**
 * The MigrationStore contract, on every dialect from testDatabaseUrls(): plans with their VMs,
 * runs, compare-and-set VM updates, load counts and append-only step histories.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MigrationPlanRecord, MigrationRunRecord, MigrationVmRecord } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import { createTestStore, testDatabaseUrls, type TestStore } from './testing.js';

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T00:01:00.000Z';
const T2 = '2025-01-01T00:02:00.000Z';

let counter = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

function plan(overrides: Partial<MigrationPlanRecord> = {}): MigrationPlanRecord {
  return {
    id: unique('mig'),
    tenantId: 'tnt-a',
    name: 'move-web',
    sourceProviderId: 'prv-src',
    targetProviderId: 'prv-dst',
    spec: { options: { maxParallel: 2 }, mappings: { keyPairs: { deploy: 'deploy' } } },
    createdAt: T0,
    updatedAt: T0,
    finalizedAt: null,
    ...overrides,
  };
}

function vm(planRecord: MigrationPlanRecord, seq: number, overrides: Partial<MigrationVmRecord> = {}): MigrationVmRecord {
  return {
    id: unique('mvm'),
    planId: planRecord.id,
    seq,
    sourceProviderId: planRecord.sourceProviderId,
    targetProviderId: planRecord.targetProviderId,
    sourceInstanceId: `i-${seq}`,
    sourceName: `web-${seq}`,
    targetName: `web-${seq}`,
    status: 'pending',
    job: 'forward',
    step: null,
    attempt: 1,
    runId: null,
    progress: { percent: 0 },
    operationId: null,
    targetInstanceId: null,
    targetImageId: null,
    control: null,
    error: null,
    createdAt: planRecord.createdAt,
    updatedAt: planRecord.createdAt,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

async function rejectsWith(work: () => Promise<unknown>, code: SkyportError['code']): Promise<void> {
  await assert.rejects(work, (error: unknown) => error instanceof SkyportError && error.code === code);
}

for (const database of testDatabaseUrls()) {
  describe(`migration store on ${database.dialect}`, () => {
    let test: TestStore;
    before(async () => {
      test = await createTestStore(database);
    });
    after(async () => {
      await test?.cleanup();
    });

    it('inserts a plan with its VMs, reads, lists per tenant newest first and updates it', async () => {
      const { store } = test;
      const older = plan({ tenantId: 'tnt-list', createdAt: T0 });
      const newer = plan({ tenantId: 'tnt-list', createdAt: T1 });
      const other = plan({ tenantId: 'tnt-other' });
      await store.migrations.insertPlan(older, [vm(older, 1), vm(older, 2)]);
      await store.migrations.insertPlan(newer, []);
      await store.migrations.insertPlan(other, [vm(other, 1)]);
      assert.deepEqual(await store.migrations.getPlan(older.id), older);
      assert.equal(await store.migrations.getPlan('mig-missing'), undefined);
      assert.deepEqual((await store.migrations.listPlans('tnt-list')).map((p) => p.id), [newer.id, older.id]);
      assert.ok((await store.migrations.listPlans()).some((p) => p.id === other.id));

      const updated = await store.migrations.updatePlan(older.id, { name: 'renamed', spec: { x: [1, 2] }, updatedAt: T2, finalizedAt: T2 });
      assert.deepEqual(updated, { ...older, name: 'renamed', spec: { x: [1, 2] }, updatedAt: T2, finalizedAt: T2 });
      assert.deepEqual(await store.migrations.updatePlan(older.id, {}), updated);
      await rejectsWith(() => store.migrations.updatePlan('mig-missing', { name: 'x' }), 'NotFound');
      await rejectsWith(() => store.migrations.insertPlan(older, []), 'AlreadyExists');
    });

    it('lists VMs of a plan in order and by status across plans', async () => {
      const { store } = test;
      const p = plan();
      const vms = [vm(p, 2), vm(p, 1, { status: 'waiting' }), vm(p, 3, { status: 'running' })];
      await store.migrations.insertPlan(p, vms);
      assert.deepEqual((await store.migrations.listVms({ planId: p.id })).map((v) => v.seq), [1, 2, 3]);
      assert.deepEqual(await store.migrations.getVm(vms[0]!.id), vms[0]);
      const waiting = await store.migrations.listVms({ statuses: ['waiting'] });
      assert.ok(waiting.some((v) => v.id === vms[1]!.id));
      assert.ok(waiting.every((v) => v.status === 'waiting'));
      assert.deepEqual(await store.migrations.listVms({ planId: p.id, statuses: [] }), []);
    });

    it('updates a VM, and compare-and-sets on status and operation', async () => {
      const { store } = test;
      const p = plan();
      const v = vm(p, 1, { status: 'waiting' });
      await store.migrations.insertPlan(p, [v]);

      const queued = await store.migrations.updateVm(v.id, { status: 'queued', operationId: 'op-1', updatedAt: T1 }, { statuses: ['waiting'], operationId: null });
      assert.equal(queued?.status, 'queued');
      assert.equal(queued?.operationId, 'op-1');
      // A second dispatcher loses the race and changes nothing.
      assert.equal(await store.migrations.updateVm(v.id, { status: 'queued', operationId: 'op-2' }, { statuses: ['waiting'] }), undefined);
      assert.equal(await store.migrations.updateVm(v.id, { status: 'running' }, { statuses: ['queued'], operationId: 'op-2' }), undefined);
      assert.equal(await store.migrations.updateVm(v.id, { status: 'running' }, { statuses: [] }), undefined);
      assert.equal((await store.migrations.getVm(v.id))?.operationId, 'op-1');

      const error = { code: 'ProviderError' as const, message: 'import failed', retryable: false, details: { step: 'import' } };
      const running = await store.migrations.updateVm(
        v.id,
        { status: 'running', step: 'import', progress: { percent: 40, bytesDone: 10, bytesTotal: 20 }, targetImageId: 'ami-1', control: 'cancel', error, startedAt: T1 },
        { statuses: ['queued'], operationId: 'op-1' },
      );
      assert.deepEqual(running, {
        ...v,
        status: 'running',
        operationId: 'op-1',
        updatedAt: T1,
        step: 'import',
        progress: { percent: 40, bytesDone: 10, bytesTotal: 20 },
        targetImageId: 'ami-1',
        control: 'cancel',
        error,
        startedAt: T1,
      });
      const cleared = await store.migrations.updateVm(v.id, { control: null, error: null, step: null });
      assert.equal(cleared?.control, null);
      assert.equal(cleared?.error, null);
      assert.equal(cleared?.step, null);
      await rejectsWith(() => store.migrations.updateVm('mvm-missing', { status: 'failed' }), 'NotFound');
      await rejectsWith(() => store.migrations.updateVm('mvm-missing', { status: 'failed' }, { statuses: ['running'] }), 'NotFound');
    });

    it('counts busy VMs per source provider, target provider and plan', async () => {
      const { store } = test;
      const a = plan({ sourceProviderId: 'prv-load-1', targetProviderId: 'prv-load-2' });
      const b = plan({ sourceProviderId: 'prv-load-2', targetProviderId: 'prv-load-3' });
      await store.migrations.insertPlan(a, [vm(a, 1, { status: 'running' }), vm(a, 2, { status: 'queued' }), vm(a, 3, { status: 'waiting' })]);
      await store.migrations.insertPlan(b, [vm(b, 1, { status: 'rolling-back' }), vm(b, 2, { status: 'cut-over' })]);
      const load = await store.migrations.load(['queued', 'running', 'rolling-back']);
      assert.equal(load.bySource['prv-load-1'], 2);
      assert.equal(load.bySource['prv-load-2'], 1);
      assert.equal(load.byTarget['prv-load-2'], 2);
      assert.equal(load.byTarget['prv-load-3'], 1);
      assert.equal(load.byPlan[a.id], 2);
      assert.equal(load.byPlan[b.id], 1);
      assert.deepEqual(await store.migrations.load([]), { bySource: {}, byTarget: {}, byPlan: {} });
    });

    it('keeps runs per plan in order and refuses a second run with the same number', async () => {
      const { store } = test;
      const p = plan();
      await store.migrations.insertPlan(p, []);
      const run = (seq: number): MigrationRunRecord => ({ id: unique('mrun'), planId: p.id, seq, kind: seq === 1 ? 'run' : 'retry', vmIds: ['mvm-1', 'mvm-2'], createdAt: T0, cancelRequestedAt: null, finishedAt: null });
      const second = run(2);
      const first = run(1);
      await store.migrations.insertRun(second);
      await store.migrations.insertRun(first);
      assert.deepEqual(await store.migrations.listRuns(p.id), [first, second]);
      await rejectsWith(() => store.migrations.insertRun(run(2)), 'AlreadyExists');
      assert.deepEqual(await store.migrations.updateRun(first.id, { cancelRequestedAt: T1, finishedAt: T2 }), { ...first, cancelRequestedAt: T1, finishedAt: T2 });
      await rejectsWith(() => store.migrations.updateRun('mrun-missing', { finishedAt: T2 }), 'NotFound');
    });

    it('numbers step histories per VM, also under concurrent appends, and returns them in order', async () => {
      const { store } = test;
      const p = plan();
      const [a, b] = [vm(p, 1), vm(p, 2)];
      await store.migrations.insertPlan(p, [a!, b!]);
      const first = await store.migrations.appendStep({ vmId: a!.id, attempt: 1, step: 'preflight', kind: 'action', event: 'started', output: null, error: null, at: T0 });
      assert.equal(first.seq, 1);
      const done = await store.migrations.appendStep({ vmId: a!.id, attempt: 1, step: 'preflight', kind: 'action', event: 'completed', output: { target: { name: 'web-1', cpus: 2 } }, error: null, at: T1 });
      assert.equal(done.seq, 2);
      assert.equal((await store.migrations.appendStep({ vmId: b!.id, attempt: 1, step: 'preflight', kind: 'action', event: 'started', output: null, error: null, at: T0 })).seq, 1);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.migrations.appendStep({ vmId: a!.id, attempt: 2, step: 'transfer', kind: 'action', event: 'checkpoint', output: { n: i }, error: null, at: T2 }),
        ),
      );
      const failure = { code: 'Timeout' as const, message: 'slow', retryable: true };
      await store.migrations.appendStep({ vmId: a!.id, attempt: 2, step: 'import', kind: 'compensation', event: 'failed', output: null, error: failure, at: T2 });
      const history = await store.migrations.listSteps(a!.id);
      assert.deepEqual(history.map((s) => s.seq), Array.from({ length: 23 }, (_, i) => i + 1));
      assert.deepEqual(history[1], { vmId: a!.id, seq: 2, attempt: 1, step: 'preflight', kind: 'action', event: 'completed', output: { target: { name: 'web-1', cpus: 2 } }, error: null, at: T1 });
      assert.deepEqual(history.at(-1)?.error, failure);
      assert.equal(history.at(-1)?.kind, 'compensation');
      assert.deepEqual(await store.migrations.listSteps('mvm-none'), []);
    });

    it('deletes a plan with its runs, VMs and histories, and nothing of other plans', async () => {
      const { store } = test;
      const gone = plan();
      const kept = plan();
      const [g, k] = [vm(gone, 1), vm(kept, 1)];
      await store.migrations.insertPlan(gone, [g!]);
      await store.migrations.insertPlan(kept, [k!]);
      await store.migrations.insertRun({ id: unique('mrun'), planId: gone.id, seq: 1, kind: 'run', vmIds: [g!.id], createdAt: T0, cancelRequestedAt: null, finishedAt: null });
      for (const v of [g!, k!]) await store.migrations.appendStep({ vmId: v.id, attempt: 1, step: 'preflight', kind: 'action', event: 'started', output: null, error: null, at: T0 });
      await store.migrations.deletePlan(gone.id);
      assert.equal(await store.migrations.getPlan(gone.id), undefined);
      assert.equal(await store.migrations.getVm(g!.id), undefined);
      assert.deepEqual(await store.migrations.listRuns(gone.id), []);
      assert.deepEqual(await store.migrations.listSteps(g!.id), []);
      assert.ok(await store.migrations.getPlan(kept.id));
      assert.equal((await store.migrations.listSteps(k!.id)).length, 1);
      await store.migrations.deletePlan(gone.id);
    });
  });
}
