/**
 * `kill -9` of the broker in the middle of a migration, at several points in a row: the
 * broker runs as a child process (testing/crash-broker.ts) that kills itself with SIGKILL at
 * the named event, and is started again on the same data folder. Every plan must complete
 * with exactly one target instance and one image per VM, the disk bytes intact, and the
 * source untouched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient, type SkyportClient } from '@skyport/client';
import type { MigrationPlan, Operation } from '@skyport/model';

const FAST_SIM = { latencyMs: 1, transitionMs: 150 };
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20 };
const ENTRY = new URL('./testing/crash-broker.ts', import.meta.url).pathname;

/**
 * The crash points, in the order a VM meets them: step boundaries, and the two moments where a
 * provider has made something the broker has not recorded yet (import, create).
 */
const CRASH_POINTS = ['step:stop-source', 'step:transfer', 'created:image', 'step:create-target', 'created:instance', 'step:boot-verify', 'status:cut-over'];

interface Broker {
  readonly child: ChildProcess;
  /** Absent when the broker reached its crash point before it listened (a resumed VM was that quick). */
  readonly client: SkyportClient | undefined;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

describe('migration survives kill -9 of the broker', () => {
  let dataDir: string;
  let broker: Broker | undefined;
  let targetProviderId = '';

  const startBroker = async (crashAt?: string): Promise<Broker> => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', ENTRY], {
      env: {
        ...process.env,
        SKYPORT_DATA_DIR: dataDir,
        SKYPORT_PORT: '0',
        SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent',
        SKYPORT_SEED_SIM: 'false',
        SKYPORT_SEED_LOCAL: 'false',
        SKYPORT_TEST_TUNING: JSON.stringify(TUNING),
        SKYPORT_CRASH_AT: crashAt ?? '',
        SKYPORT_CRASH_TARGET: targetProviderId,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    const url = await new Promise<string | undefined>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        const ready = /^READY (\S+)$/.exec(line);
        if (ready) resolve(ready[1]!);
      });
      void exited.then((how) => (how === 'SIGKILL' && crashAt !== undefined ? resolve(undefined) : reject(new Error(`the broker exited (${String(how)}) before it was ready`))));
    });
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    return { child, client: url === undefined ? undefined : createClient({ baseUrl: url, token }), exited };
  };

  /** The client of a broker that is up (set-up phases start no crash point). */
  const up = (b: Broker | undefined): SkyportClient => {
    assert.ok(b?.client, 'the broker is up');
    return b.client;
  };

  const stopBroker = async (): Promise<void> => {
    if (broker === undefined) return;
    if (broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill('SIGTERM');
    await broker.exited;
    broker = undefined;
  };

  const settle = async (client: SkyportClient, operation: Promise<Operation>): Promise<Operation> => {
    const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 30 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    return done;
  };

  /** Resolves with `crashed` when the broker killed itself, or the plan when it settled first. */
  const crashOrSettle = async (b: Broker, planId: string): Promise<'crashed' | MigrationPlan> => {
    const client = b.client;
    if (client === undefined) return 'crashed';
    let dead = false;
    void b.exited.then(() => (dead = true));
    const settled = (async () => {
      while (!dead) {
        const plan = await client.migrations.waitFor(planId, { timeoutSeconds: 5 }).catch(() => undefined);
        if (plan !== undefined) return plan;
      }
      return undefined;
    })();
    const how = await Promise.race([b.exited, settled]);
    if (typeof how === 'object' && how !== null) return how;
    await settled;
    assert.equal(how, 'SIGKILL', `the broker should die by its own SIGKILL, not ${String(how)}`);
    return 'crashed';
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skyport-crash-'));
  });

  after(async () => {
    await stopBroker();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a plan of three VMs completes exactly once after kills at every step boundary and between a provider call and its checkpoint', async (t) => {
    broker = await startBroker();
    const client = up(broker);
    await client.providers.add({ name: 'src', driver: 'sim', settings: FAST_SIM });
    const dst = await client.providers.add({ name: 'dst', driver: 'sim', settings: FAST_SIM });
    targetProviderId = dst.id;
    await client.providers.sync('src');
    await client.providers.sync('dst');
    const [image] = (await client.images.list({ provider: ['src'], name: 'debian-12' })).items;
    const sources: string[] = [];
    for (const name of ['crash-1', 'crash-2', 'crash-3']) {
      const op = await settle(client, client.instances.create({ providerId: 'src', name, imageId: image!.id, hardwareProfileId: 'small', tags: { wave: 'one' } }));
      sources.push(op.targetId!);
    }
    const plan = await client.migrations.create({ name: 'crashy', sourceProviderId: 'src', targetProviderId: 'dst', selector: { tags: { wave: 'one' } }, options: { maxParallel: 3 } });
    assert.equal((await client.migrations.preflight(plan.id)).ok, true);
    await stopBroker();

    const crashes: string[] = [];
    for (const [i, point] of CRASH_POINTS.entries()) {
      broker = await startBroker(point);
      if (i === 0) await up(broker).migrations.run(plan.id);
      const outcome = await crashOrSettle(broker, plan.id);
      if (outcome === 'crashed') crashes.push(point);
      await stopBroker();
      if (outcome !== 'crashed') break;
    }
    t.diagnostic(`killed at: ${crashes.join(', ')}`);
    assert.ok(crashes.length >= 5, `the broker was killed at ${crashes.join(', ')}`);

    broker = await startBroker();
    const final = up(broker);
    const done = await final.migrations.waitFor(plan.id, { timeoutSeconds: 120 });
    assert.equal(done.status, 'completed', JSON.stringify(done.vms.map((v) => [v.sourceName, v.status, v.step, v.error?.message])));

    await final.providers.sync('dst');
    await final.providers.sync('src');
    const srcDisks = join(dataDir, 'providers', 'src', 'disks');
    const dstDisks = join(dataDir, 'providers', 'dst', 'disks');
    const sourceSum = await sha256(join(srcDisks, (await readdir(srcDisks)).find((f) => f.startsWith('img-debian-12') && !f.includes('.partial'))!));
    const targetSums = await Promise.all((await readdir(dstDisks)).filter((f) => !f.endsWith('.partial')).map((f) => sha256(join(dstDisks, f))));
    for (const vm of done.vms) {
      assert.equal(vm.status, 'cut-over');
      const instances = (await final.instances.list({ provider: ['dst'], tags: { 'skyport:migration': vm.id } })).items.filter((i) => i.state !== 'terminated');
      assert.equal(instances.length, 1, `exactly one target instance for ${vm.sourceName}, found ${instances.map((i) => `${i.id} ${i.state}`).join(', ')}`);
      assert.equal(instances[0]!.id, vm.targetInstanceId);
      const images = (await final.images.list({ provider: ['dst'], name: `skyport-mig-${vm.id}` })).items;
      assert.equal(images.length, 1, `exactly one image for ${vm.sourceName}`);
      assert.equal(images[0]!.id, vm.targetImageId);
      const history = await final.migrations.steps(plan.id, vm.id);
      const transfers = history.filter((h) => h.step === 'transfer' && h.event === 'completed');
      for (const t of transfers) assert.equal(t.output?.['sha256'], sourceSum, 'every copy had the source bytes');
      const imports = history.filter((h) => h.kind === 'action' && h.step === 'import' && h.event === 'completed');
      assert.equal(imports.length, 1, `${vm.sourceName} was imported once`);
      // The source is untouched: stopped and kept.
      assert.equal((await final.instances.get(vm.sourceInstanceId)).state, 'stopped');
    }
    // No image or instance made by the migration beyond one per VM.
    const all = (await final.instances.list({ provider: ['dst'], tags: { 'skyport:migration': null } })).items.filter((i) => i.state !== 'terminated');
    assert.equal(all.length, 3);
    const allImages = (await final.images.list({ provider: ['dst'], name: 'skyport-mig-*' })).items;
    assert.equal(allImages.length, 3);
    assert.ok(targetSums.filter((s) => s === sourceSum).length >= 3, 'each target disk holds the source bytes');
    assert.deepEqual(sources.sort(), done.vms.map((v) => v.sourceInstanceId).sort());
    await stopBroker();
  });

  test('a cancel interrupted by kills while its steps are undone still removes every target and restarts the sources', async (t) => {
    broker = await startBroker();
    const client = up(broker);
    const [image] = (await client.images.list({ provider: ['src'], name: 'debian-12' })).items;
    const sources: string[] = [];
    for (const name of ['undo-1', 'undo-2']) sources.push((await settle(client, client.instances.create({ providerId: 'src', name, imageId: image!.id, hardwareProfileId: 'small' }))).targetId!);
    const plan = await client.migrations.create({ name: 'undone', sourceProviderId: 'src', targetProviderId: 'dst', instanceIds: sources, options: { maxParallel: 2 } });
    await stopBroker();

    // Cancelled as soon as a VM creates its target (its image is imported by then); the broker
    // dies as the undo begins.
    broker = await startBroker('status:cancelling');
    const cancelling = up(broker);
    await cancelling.migrations.run(plan.id);
    for (;;) {
      const current = await cancelling.migrations.get(plan.id);
      if (current.vms.some((v) => v.step === 'create-target')) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await cancelling.migrations.cancel(plan.id).catch(() => undefined);
    const crashes: string[] = [];
    if ((await crashOrSettle(broker, plan.id)) === 'crashed') crashes.push('status:cancelling');
    await stopBroker();
    for (const point of ['undo:create-target', 'undo:import', 'undo:stop-source']) {
      broker = await startBroker(point);
      const outcome = await crashOrSettle(broker, plan.id);
      await stopBroker();
      if (outcome !== 'crashed') break;
      crashes.push(point);
    }
    t.diagnostic(`killed at: ${crashes.join(', ')}`);

    broker = await startBroker();
    const final = up(broker);
    const done = await final.migrations.waitFor(plan.id, { timeoutSeconds: 120 });
    await final.providers.sync('dst');
    await final.providers.sync('src');
    for (const vm of done.vms) {
      const instances = (await final.instances.list({ provider: ['dst'], tags: { 'skyport:migration': vm.id } })).items.filter((i) => i.state !== 'terminated');
      const images = (await final.images.list({ provider: ['dst'], name: `skyport-mig-${vm.id}` })).items;
      if (vm.status === 'cancelled') {
        assert.deepEqual(instances, [], `${vm.sourceName}: no target instance left`);
        assert.deepEqual(images, [], `${vm.sourceName}: no image left`);
        assert.equal((await final.instances.get(vm.sourceInstanceId)).state, 'running', `${vm.sourceName} runs again`);
      } else {
        // Cut over before the cancel reached it: exactly one of each.
        assert.equal(vm.status, 'cut-over', `${vm.sourceName}: ${vm.status} ${JSON.stringify(vm.error)}`);
        assert.equal(instances.length, 1);
        assert.equal(images.length, 1);
      }
    }
    assert.ok(done.vms.some((v) => v.status === 'cancelled'), 'at least one VM was cancelled mid-way');
  });
});
