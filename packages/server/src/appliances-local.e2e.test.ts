/**
 * The appliance round trip the issue asks for, with real VMs: a skyport-tiny instance on
 * `local` (this host's QEMU) is stopped and exported as an OVA; the OVA is imported into a sim
 * provider, launched there, and exported again with the same disk bytes. Imported back into
 * `local` it boots: skyport-tiny's disk carries GRUB and its kernel, so an exported copy boots through the firmware.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type SkyportClient } from '@skyport/client';
import type { Image, Operation } from '@skyport/model';
import { extractOva } from '@skyport/ovf';
import { loadConfig, startServer, type RunningServer } from './index.js';
import { readDisk, sha256File } from './testing/test-ova.js';

const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 50, retryBaseDelayMs: 20 };
const BOOTED = /SKYPORT-BOOTED instance=(vm-[0-9a-f]+)/;

let root: string;
let files: string;
let server: RunningServer;
let client: SkyportClient;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(200);
  }
}

async function settle(operation: Promise<Operation>): Promise<Operation> {
  const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 300 });
  assert.equal(done.status, 'succeeded', `${done.type}: ${JSON.stringify(done.error)}`);
  return done;
}

/** Downloads an export and returns the guest-visible bytes of its disk. */
async function downloadDisk(op: Operation, label: string): Promise<Buffer> {
  const file = await client.exports.download(op.id);
  const ova = join(files, `${label}.ova`);
  await pipeline(Readable.fromWeb(file.body as NodeReadableStream<Uint8Array>), createWriteStream(ova));
  assert.equal(await sha256File(ova), file.sha256);
  const dir = join(files, label);
  const extracted = await extractOva(ova, dir, { requireManifest: true });
  const disk = [...extracted.files.values()][0]!;
  return readDisk(files, disk, 'vmdk');
}

function fileStream(path: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
}

/** Live QEMU processes started for this broker's data folder. */
async function ourQemus(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('qemu-system') && cmdline.includes(root)) pids.push(Number(entry));
  }
  return pids;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skyport-ova-local-'));
  files = join(root, 'files');
  await mkdir(files);
  const config = loadConfig({ SKYPORT_DATA_DIR: join(root, 'broker'), SKYPORT_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_SEED_SIM: 'false' });
  server = await startServer(config, { tuning: TUNING });
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
  await client.providers.add({ name: 'target', driver: 'sim', settings: { latencyMs: 1, transitionMs: 150 } });
});

after(async () => {
  await server?.close();
  for (const pid of await ourQemus()) process.kill(pid, 'SIGKILL');
  await rm(root, { recursive: true, force: true });
});

/** Skips (returning true) when this host has no working local cloud; else waits for skyport-tiny. */
async function localCloud(t: { skip(message: string): void }): Promise<{ providerId: string; tiny: Image } | undefined> {
  const local = await client.providers.get('local');
  if (local.status !== 'available') {
    t.skip(`provider local is ${local.status}: ${local.statusReason ?? ''}`);
    return undefined;
  }
  const tiny = await eventually<Image>('skyport-tiny available', async () => {
    const found = (await client.images.list({ provider: 'local', name: 'skyport-tiny' })).items[0];
    if (found?.state === 'failed') throw new Error(`skyport-tiny failed: ${found.description ?? ''}`);
    return found?.state === 'available' ? found : undefined;
  }, 15 * 60_000);
  return { providerId: local.id, tiny };
}

test('export a stopped instance from local, import it into a sim provider, export again: the same bytes', { timeout: 900_000 }, async (t) => {
  const local = await localCloud(t);
  if (local === undefined) return;
  const created = await settle(client.instances.create({ providerId: local.providerId, name: 'ova-source', imageId: local.tiny.id, hardwareProfileId: 'tiny' }));
  const source = created.targetId!;
  await eventually('the source boots', async () => (BOOTED.test((await client.instances.console(source)).output) ? true : undefined));
  await settle(client.instances.stop(source));

  const fromLocal = await settle(client.instances.export(source));
  const original = await downloadDisk(fromLocal, 'from-local');
  assert.ok(original.length > 0);

  const intoSim = await settle(client.images.import({ provider: 'target', name: 'tiny-in-sim' }, fileStream(join(files, 'from-local.ova'))));
  const simImage = String(intoSim.result?.['imageId']);
  const profile = (intoSim.result?.['hardwareProfile'] as { name: string }).name;
  const launched = await settle(client.instances.create({ providerId: 'target', name: 'tiny-on-sim', imageId: simImage, hardwareProfileId: profile }));
  assert.equal((await client.instances.get(launched.targetId!)).state, 'running');
  const fromSim = await settle(client.images.export(simImage));
  const again = await downloadDisk(fromSim, 'from-sim');
  assert.ok(again.equals(original), 'the disk exported from the sim holds the bytes exported from local');
  await settle(client.instances.destroy(source));
});

// skyport-tiny boots by direct kernel boot: its kernel and initramfs live beside the disk in
// the local image store, not on the disk, so an exported disk carries no bootloader and QEMU's
// firmware finds nothing to boot. Until the guest build makes the disk bootable by itself
// (or the qemu driver boots imported disks another way), this is recorded, not hidden.
test('an OVA exported from local, imported back into local, boots', { timeout: 600_000 }, async (t) => {
  const local = await localCloud(t);
  if (local === undefined) return;
  const ova = join(files, 'from-local.ova');
  if (!(await readdir(files)).includes('from-local.ova')) assert.fail('needs the OVA of the previous test');
  const intoLocal = await settle(client.images.import({ provider: 'local', name: 'tiny-back' }, fileStream(ova)));
  const profile = (intoLocal.result?.['hardwareProfile'] as { name: string }).name;
  const back = await settle(client.instances.create({ providerId: local.providerId, name: 'ova-back', imageId: String(intoLocal.result?.['imageId']), hardwareProfileId: profile }));
  try {
    await eventually('the imported guest boots', async () => (BOOTED.test((await client.instances.console(back.targetId!)).output) ? true : undefined), 60_000);
  } finally {
    await settle(client.instances.destroy(back.targetId!));
  }
});
