/**
 * A migration out of VMware vSphere (VMware's vCenter simulator) into `local`, this host's
 * QEMU: the VM is stopped at the source, its root disk exported through the datastore's file
 * access, converted, imported as an image and launched on QEMU.
 *
 * What can be checked is checked: the plan completes, the source VM is kept (stopped, never
 * written), the target disk has the source disk's size and holds exactly what the source
 * disk held, and the target instance runs. What cannot: the simulator's VM disks are empty
 * files (it runs no guests), so the migrated disk is all zeros and the target's firmware finds
 * nothing to boot; the boot is verified as far as "the instance runs", not by a guest marker.
 * Skipped when this host has no working local cloud.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, type SkyportClient } from '@skyport/client';
import { startVcsim, type VcsimServer } from '@skyport/driver-vsphere/testing';
import type { Operation } from '@skyport/model';
import { loadConfig, startServer, type RunningServer } from './index.js';

const run = promisify(execFile);
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 100, retryBaseDelayMs: 20 };

let root: string;
let server: RunningServer;
let client: SkyportClient;
let sim: VcsimServer;

async function settle(operation: Promise<Operation>): Promise<Operation> {
  const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 300 });
  assert.equal(done.status, 'succeeded', `${done.type}: ${JSON.stringify(done.error)}`);
  return done;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skyport-migrate-vsphere-'));
  sim = await startVcsim({ vm: 1, templates: 1 });
  server = await startServer(loadConfig({ SKYPORT_DATA_DIR: join(root, 'broker'), SKYPORT_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_SEED_SIM: 'false' }), { tuning: TUNING });
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
});

/** QEMU processes started for this test's data folder (left running if an assertion failed). */
async function ourQemus(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('qemu-system') && cmdline.includes(root)) pids.push(Number(entry));
  }
  return pids;
}

after(async () => {
  await server?.close();
  await sim?.stop();
  for (const pid of await ourQemus()) process.kill(pid, 'SIGKILL');
  await rm(root, { recursive: true, force: true });
});

test('vsphere → local: the exported disk arrives whole, the instance runs on QEMU, the source is kept', { timeout: 900_000 }, async (t) => {
  const local = await client.providers.get('local');
  if (local.status !== 'available') return t.skip(`provider local is ${local.status}: ${local.statusReason ?? ''}`);

  const vc = await client.providers.add({
    name: 'vc',
    driver: 'vsphere',
    endpoint: sim.url,
    credentials: { username: sim.username, password: sim.password },
    settings: { taskPollMs: 20 },
  });
  await client.providers.sync('vc');
  const template = (await client.images.list({ provider: [vc.id] })).items[0];
  assert.ok(template, 'the simulator has a template');
  const created = await settle(client.instances.create({ providerId: vc.id, name: 'to-move', imageId: template.id, hardwareProfileId: 'custom', cpus: 1, memoryMiB: 256, diskGiB: 1 }));
  const source = created.targetId!;

  const plan = await client.migrations.create({ name: 'vc-to-local', sourceProviderId: vc.id, targetProviderId: local.id, instanceIds: [source], options: {} });
  const preflight = await client.migrations.preflight(plan.id);
  assert.equal(preflight.ok, true, JSON.stringify(preflight));
  await client.migrations.run(plan.id);
  const done = await client.migrations.waitFor(plan.id, { timeoutSeconds: 600 });
  const vm = done.vms[0]!;
  assert.equal(done.status, 'completed', JSON.stringify(done.vms.map((v) => [v.status, v.step, v.error?.message])));

  const steps = await client.migrations.steps(plan.id, vm.id);
  const exported = steps.find((h) => h.step === 'export-disk' && h.event === 'completed');
  assert.ok(exported, `an export-disk step completed: ${JSON.stringify(steps.map((s) => [s.step, s.event]))}`);
  assert.equal(steps.find((h) => h.step === 'boot-verify' && h.event === 'completed')?.output?.['verified'], 'running', 'no console on vSphere\'s side to look for a marker: the target runs');

  // The source VM is still there, stopped, as the user left it to finalize.
  assert.equal((await client.instances.get(source)).state, 'stopped');
  const target = await client.instances.get(vm.targetInstanceId!);
  assert.equal(target.providerId, local.id);
  assert.equal(target.state, 'running');

  // The target disk holds exactly the source disk: 1 GiB, which the simulator keeps as an empty
  // file, so every byte is zero. qemu-img compare checks contents and size (-U: QEMU has the
  // disk open, and reading beside it is safe).
  const instances = join(root, 'broker', 'providers', 'local', 'instances');
  const dirs = await readdir(instances);
  assert.equal(dirs.length, 1, `one instance on local: ${dirs.join(', ')}`);
  const disk = join(instances, dirs[0]!, 'root.qcow2');
  const { stdout } = await run('qemu-img', ['info', '-U', '--output=json', '-f', 'qcow2', disk]);
  assert.ok((JSON.parse(stdout) as { 'virtual-size': number })['virtual-size'] >= 1024 ** 3, 'the migrated disk is at least the source disk\'s 1 GiB');
  const blank = join(root, 'blank.raw');
  await run('qemu-img', ['create', '-f', 'raw', blank, '1G']);
  await run('qemu-img', ['compare', '-U', '-f', 'raw', '-F', 'qcow2', blank, disk]);
  t.diagnostic('the simulator runs no guests: its disks are empty, so the migrated guest has nothing to boot');

  await settle(client.instances.destroy(target.id));
});
