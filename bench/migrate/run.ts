/**
 * Migration benchmark (prints JSON): one skyport-tiny VM with a 1 GiB disk holding
 * BENCH_DATA_MIB of random data (written by its user-data), migrated from `local` to a second
 * qemu provider, beside the irreducible parts measured bare in the same run:
 *   convert: qemu-img convert of the stopped instance's disk chain to one qcow2 (what reading a
 *            qemu disk out takes),
 *   copy:    cp of that qcow2 (moving the bytes once),
 *   boot:    create → boot marker of another instance made from the migrated image, on the
 *            target (the same disk booting the same way: firmware, GRUB, kernel).
 * Goal: total ≤ 1.2× the sum. The migration's own step durations come from its step history.
 * Options: BENCH_DATA_MIB (256). Needs QEMU; runs from the sources (no build).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type SkyportClient } from '@skyport/client';
import type { MigrationStepEntry } from '@skyport/model';
import { loadConfig, startServer } from '@skyport/server';

const dataMiB = Number(process.env['BENCH_DATA_MIB'] ?? 256);
const root = mkdtempSync(join(tmpdir(), 'skyport-bench-migrate-'));
const BOOTED = /SKYPORT-BOOTED instance=/;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 900_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function settle(client: SkyportClient, id: string): Promise<string> {
  const op = await client.operations.waitFor(id, { timeoutSeconds: 600 });
  if (op.status !== 'succeeded') throw new Error(`${op.type} ${op.status}: ${op.error?.message ?? ''}`);
  return op.targetId!;
}

/** Seconds each step took, from its first `started` to its last `completed`. */
function stepSeconds(history: readonly MigrationStepEntry[]): Record<string, number> {
  const spans: Record<string, number> = {};
  for (const step of new Set(history.map((h) => h.step))) {
    const started = history.find((h) => h.step === step && h.event === 'started');
    const completed = history.filter((h) => h.step === step && h.event === 'completed').at(-1);
    if (started && completed) spans[step] = (Date.parse(completed.at) - Date.parse(started.at)) / 1000;
  }
  return spans;
}

const server = await startServer(loadConfig({ SKYPORT_DATA_DIR: join(root, 'broker'), SKYPORT_PORT: '0', SKYPORT_LOG_LEVEL: 'silent', SKYPORT_SEED_SIM: 'false' }), {
  tuning: { pollFastMs: 200, operationPollMs: 50 },
});
try {
  const client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
  const local = await client.providers.get('local');
  if (local.status !== 'available') throw new Error(`provider local is ${local.status}: ${local.statusReason ?? ''}`);
  await client.providers.add({ name: 'local2', driver: 'qemu' });
  const tinyOn = (provider: string) =>
    until(`skyport-tiny on ${provider}`, async () => {
      await client.providers.sync(provider);
      const image = (await client.images.list({ provider: [provider], name: 'skyport-tiny' })).items[0];
      return image?.state === 'available' ? image : undefined;
    });
  const tiny = await tinyOn('local');
  await client.providers.sync('local2');

  const userData = `#!/bin/sh\ndd if=/dev/urandom of=/root/fill bs=1M count=${dataMiB} 2>/dev/null\nsync\n`;
  const source = await settle(client, (await client.instances.create({ providerId: 'local', name: 'bench-source', imageId: tiny.id, hardwareProfileId: 'tiny', userData })).id);
  await until('the source wrote its data', async () => ((await client.instances.console(source)).output.includes('user-data finished with status 0') ? true : undefined));
  await settle(client, (await client.instances.stop(source)).id);

  // Bare parts, on the same disk chain the migration reads.
  const dirs = readdirSync(join(root, 'broker', 'providers', 'local', 'instances'));
  const disk = join(root, 'broker', 'providers', 'local', 'instances', dirs[0]!, 'root.qcow2');
  const flat = join(root, 'flat.qcow2');
  const convert = await timed(() => execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'qcow2', disk, flat]));
  const copy = await timed(() => execFileSync('cp', [flat, join(root, 'copy.qcow2')]));
  const flatBytes = Number(execFileSync('stat', ['-c', '%s', flat], { encoding: 'utf8' }).trim());
  rmSync(flat);
  rmSync(join(root, 'copy.qcow2'));
  const plan = await client.migrations.create({ name: 'bench', sourceProviderId: 'local', targetProviderId: 'local2', instanceIds: [source], options: { bootMarker: 'SKYPORT-BOOTED' } });
  let migratedImage = '';
  const total = await timed(async () => {
    await client.migrations.run(plan.id);
    const done = await client.migrations.waitFor(plan.id, { timeoutSeconds: 600 });
    if (done.status !== 'completed') throw new Error(`the migration ended ${done.status}: ${done.vms[0]?.error?.message ?? ''}`);
    migratedImage = done.vms[0]!.targetImageId!;
  });

  const boot = await timed(async () => {
    const op = await client.instances.create({ providerId: 'local2', name: 'bench-boot', imageId: migratedImage, hardwareProfileId: 'tiny' });
    const id = await settle(client, op.id);
    await until('the bare boot marker', async () => (BOOTED.test((await client.instances.console(id)).output) ? true : undefined));
    await settle(client, (await client.instances.destroy(id)).id);
  });
  const history = await client.migrations.steps(plan.id, plan.vms[0]!.id);
  const sum = convert + copy + boot;
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'migrate',
        disk: { virtualGiB: 1, randomDataMiB: dataMiB, flattenedBytes: flatBytes },
        bare: { convertSeconds: convert, copySeconds: copy, bootSeconds: boot, sumSeconds: sum },
        migration: { totalSeconds: total, steps: stepSeconds(history) },
        ratio: total / sum,
        goal: 1.2,
        loadAverage: loadavg(),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await server.close();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('qemu-system') && cmdline.includes(root)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  rmSync(root, { recursive: true, force: true });
}
