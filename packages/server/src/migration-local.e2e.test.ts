/**
 * Migrations with real disks: a skyport-tiny guest on `local` (this host's QEMU) writes a file
 * from its user-data; it moves to a second qemu provider (qemu → qemu), where it boots and
 * prints the file on its console; then to a sim provider, where the file is read back from the
 * migrated disk with qemu-img and debugfs; then back to `local`, where it boots again. Skipped
 * when this host has no working local cloud.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, readdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createClient, type SkyportClient } from '@skyport/client';
import type { Image, MigrationPlan, Operation } from '@skyport/model';
import { loadConfig, startServer, type RunningServer } from './index.js';

const run = promisify(execFile);
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 100, retryBaseDelayMs: 20 };
const BOOTED = /SKYPORT-BOOTED instance=/;
const PROOF = `migrated-${randomBytes(6).toString('hex')}`;
const PROOF_FILE = '/root/migration-proof.txt';
// Written by the source guest's user-data: the file, and a boot script line that prints it, so
// any later boot of this disk (the migrated guest's too) shows it on its console.
const USER_DATA = `#!/bin/sh
echo ${PROOF} > ${PROOF_FILE}
echo 'echo "MIGRATION-PROOF=$(cat ${PROOF_FILE})"' >> /etc/init.d/rcS
sync
`;

let root: string;
let server: RunningServer;
let client: SkyportClient;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

async function settle(operation: Promise<Operation>): Promise<Operation> {
  const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 600 });
  assert.equal(done.status, 'succeeded', `${done.type}: ${JSON.stringify(done.error)}`);
  return done;
}

/** QEMU processes started for this test's data folder. */
async function ourQemus(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('qemu-system') && cmdline.includes(root)) pids.push(Number(entry));
  }
  return pids;
}

/** The content of a file in the first (MBR) partition's ext4 filesystem of a disk image. */
async function readFromDisk(disk: string, format: string, path: string): Promise<string> {
  const raw = join(root, `read-${randomBytes(4).toString('hex')}.raw`);
  const part = `${raw}.part`;
  try {
    await run('qemu-img', ['convert', '-f', format, '-O', 'raw', disk, raw]);
    const handle = await open(raw, 'r');
    const mbr = Buffer.alloc(512);
    await handle.read(mbr, 0, 512, 0);
    await handle.close();
    assert.equal(mbr.readUInt16LE(510), 0xaa55, 'the migrated disk has its partition table');
    const start = mbr.readUInt32LE(446 + 8);
    const sectors = mbr.readUInt32LE(446 + 12);
    await run('dd', [`if=${raw}`, `of=${part}`, 'bs=512', `skip=${start}`, `count=${sectors}`, 'status=none']);
    const { stdout } = await run('/usr/sbin/debugfs', ['-R', `cat ${path}`, part]);
    return stdout.trim();
  } finally {
    await rm(raw, { force: true });
    await rm(part, { force: true });
  }
}

async function migrate(name: string, from: string, to: string, instanceId: string, options: Record<string, unknown> = {}): Promise<MigrationPlan> {
  const plan = await client.migrations.create({ name, sourceProviderId: from, targetProviderId: to, instanceIds: [instanceId], options });
  const preflight = await client.migrations.preflight(plan.id);
  assert.equal(preflight.ok, true, JSON.stringify(preflight));
  await client.migrations.run(plan.id);
  const done = await client.migrations.waitFor(plan.id, { timeoutSeconds: 600 });
  assert.equal(done.status, 'completed', JSON.stringify(done.vms.map((v) => [v.status, v.step, v.error?.message])));
  return done;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skyport-migrate-local-'));
  server = await startServer(loadConfig({ SKYPORT_DATA_DIR: join(root, 'broker'), SKYPORT_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_SEED_SIM: 'false' }), { tuning: TUNING });
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
  await client.providers.add({ name: 'cloud', driver: 'sim', settings: { latencyMs: 1, transitionMs: 150 } });
  await client.providers.sync('cloud');
});

after(async () => {
  await server?.close();
  for (const pid of await ourQemus()) process.kill(pid, 'SIGKILL');
  await rm(root, { recursive: true, force: true });
});

test('local → local2 → sim → local: the file the source guest wrote survives every hop, read back from disks and from the migrated guests', { timeout: 1_500_000 }, async (t) => {
  const local = await client.providers.get('local');
  if (local.status !== 'available') return t.skip(`provider local is ${local.status}: ${local.statusReason ?? ''}`);
  const tiny = await eventually<Image>('skyport-tiny available', async () => {
    const found = (await client.images.list({ provider: ['local'], name: 'skyport-tiny' })).items[0];
    if (found?.state === 'failed') throw new Error(`skyport-tiny failed: ${found.description ?? ''}`);
    return found?.state === 'available' ? found : undefined;
  }, 15 * 60_000);

  const created = await settle(client.instances.create({ providerId: local.id, name: 'proof', imageId: tiny.id, hardwareProfileId: 'tiny', userData: USER_DATA }));
  const source = created.targetId!;
  let output = '';
  await eventually('the source guest ran its user-data and booted', async () => {
    output = (await client.instances.console(source)).output;
    return BOOTED.test(output) && output.includes('user-data finished with status 0') ? true : undefined;
  }, 600_000).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; console:\n${output.slice(-3000)}`);
  });

  // The migrated guest proves itself: it boots at the target and prints the source's file.
  const bootsWithProof = async (plan: MigrationPlan): Promise<void> => {
    const vm = plan.vms[0]!;
    const output = (await client.instances.console(vm.targetInstanceId!)).output;
    assert.match(output, BOOTED);
    assert.match(output, new RegExp(`MIGRATION-PROOF=${PROOF}`), 'the migrated guest read the file back');
    const steps = await client.migrations.steps(plan.id, vm.id);
    assert.equal(steps.find((h) => h.step === 'boot-verify' && h.event === 'completed')?.output?.['verified'], 'console-marker');
  };
  const boot = { bootMarker: 'SKYPORT-BOOTED', bootTimeoutSeconds: 600 };

  // qemu → qemu: into a second local provider with its own image store.
  await client.providers.add({ name: 'local2', driver: 'qemu' });
  await client.providers.sync('local2');
  const toLocal2 = await migrate('local-to-local2', 'local', 'local2', source, boot);
  await bootsWithProof(toLocal2);
  const onLocal2 = toLocal2.vms[0]!.targetInstanceId!;
  assert.equal((await client.instances.get(source)).state, 'stopped', 'the source is kept, stopped');
  // The source's own disk holds exactly what it held: it was read, never written.
  const instanceDirs = await readdir(join(root, 'broker', 'providers', 'local', 'instances'));
  assert.equal(instanceDirs.length, 1, `one instance on local: ${instanceDirs.join(', ')}`);
  const sourceDisk = join(root, 'broker', 'providers', 'local', 'instances', instanceDirs[0]!, 'root.qcow2');
  assert.equal(await readFromDisk(sourceDisk, 'qcow2', PROOF_FILE), PROOF);

  // qemu → sim: the disk moves as qcow2 (no conversion); read back from the sim's copy.
  const toSim = await migrate('local2-to-sim', 'local2', 'cloud', onLocal2);
  const vm = toSim.vms[0]!;
  const transfer = (await client.migrations.steps(toSim.id, vm.id)).find((h) => h.step === 'transfer' && h.event === 'completed')!;
  assert.equal(transfer.output?.['format'], 'qcow2');
  const simDisks = join(root, 'broker', 'providers', 'cloud', 'disks');
  const migratedDisk = join(simDisks, (await readdir(simDisks)).find((f) => f.endsWith('.qcow2') && !f.endsWith('.partial'))!);
  assert.equal(await readFromDisk(migratedDisk, 'qcow2', PROOF_FILE), PROOF, 'the file written in the source guest is on the migrated disk');
  // Byte for byte what the hop's source (the guest on local2, stopped) holds.
  const local2Dirs = await readdir(join(root, 'broker', 'providers', 'local2', 'instances'));
  assert.equal(local2Dirs.length, 1);
  await run('qemu-img', ['compare', '-f', 'qcow2', '-F', 'qcow2', join(root, 'broker', 'providers', 'local2', 'instances', local2Dirs[0]!, 'root.qcow2'), migratedDisk]);

  // sim → qemu: back to local, where it boots again.
  const back = await migrate('sim-to-local', 'cloud', 'local', vm.targetInstanceId!, boot);
  await bootsWithProof(back);
  const returned = back.vms[0]!;
  await settle(client.instances.destroy(returned.targetInstanceId!));
});

