/**
 * The local cloud as a user meets it through the REST API: a fresh broker adds provider `local`
 * (this host's QEMU) and builds skyport-tiny in the background; an instance launched with a key
 * pair and user-data boots, shows its marker on the console, answers HTTP on its forwarded port,
 * keeps running across a broker restart, stops, starts, reboots, gets a volume, a snapshot and an
 * image made from it, and is destroyed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type SkyportClient } from '@skyport/client';
import type { Image, Instance, Operation } from '@skyport/model';
import { loadConfig, startServer, type RunningServer, type ServerConfig } from './index.js';

const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 50, retryBaseDelayMs: 20 };
const BOOTED = /SKYPORT-BOOTED instance=(vm-[0-9a-f]+) hostname=e2e-web /;

let dataDir: string;
let config: ServerConfig;
let server: RunningServer;
let client: SkyportClient;

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Waits for an operation and insists it succeeded (showing its error otherwise). */
async function settle(operation: Promise<Operation>): Promise<Operation> {
  const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 120 });
  assert.equal(done.status, 'succeeded', `${done.type}: ${JSON.stringify(done.error)}`);
  return done;
}

async function consoleMatches(id: string, pattern: RegExp, count = 1): Promise<string> {
  return eventually(`console of ${id} showing ${pattern} ${count}x`, async () => {
    const { output } = await client.instances.console(id);
    const found = output.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
    return found >= count ? output : undefined;
  });
}

async function http(instance: Instance, path = '/'): Promise<string> {
  const address = instance.addresses.find((a) => a.kind === 'public')?.address;
  assert.ok(address, `instance ${instance.id} has a public address`);
  return (await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(10_000) })).text();
}

/** Live QEMU processes started for this broker's data folder. */
async function ourQemus(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (cmdline.includes('qemu-system') && cmdline.includes(dataDir) && !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) pids.push(Number(entry));
  }
  return pids;
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'skyport-local-e2e-'));
  config = loadConfig({ SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_SEED_SIM: 'false' });
  server = await startServer(config, { tuning: TUNING });
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
});

after(async () => {
  await server?.close();
  for (const pid of await ourQemus()) process.kill(pid, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test('launch skyport-tiny on the local cloud through the REST API and take it through its whole life', { timeout: 600_000 }, async (t) => {
  const local = (await client.providers.list()).find((p) => p.name === 'local');
  assert.ok(local, 'the first start adds provider local');
  assert.equal(local.driver, 'qemu');
  assert.ok(local.capabilities.imageFromInstance, 'local makes images from instances');
  await client.providers.sync('local');
  assert.equal((await client.providers.get('local')).status, 'available');

  // skyport-tiny appears pending while it is built (or copied from the host's cache), then available.
  const seen = new Set<string>();
  const image = await eventually<Image>('skyport-tiny available', async () => {
    const found = (await client.images.list({ provider: 'local', name: 'skyport-tiny' })).items[0];
    if (found !== undefined) seen.add(found.state);
    if (found?.state === 'failed') throw new Error(`skyport-tiny failed: ${found.description ?? ''}`);
    return found?.state === 'available' ? found : undefined;
  }, 15 * 60_000);
  t.diagnostic(`skyport-tiny states seen: ${[...seen].join(' -> ')}`);
  assert.equal(image.public, true);

  const { keyPair, privateKey } = await client.keyPairs.create({ providerId: local.id, name: 'e2e-key' });
  assert.match(privateKey ?? '', /-----BEGIN OPENSSH PRIVATE KEY-----/);
  const userData = '#cloud-config\nwrite_files:\n  - path: /var/www/hello.txt\n    content: hello through the broker\n';
  const created = await settle(client.instances.create({ providerId: local.id, name: 'e2e-web', imageId: image.id, hardwareProfileId: 'tiny', keyName: keyPair.name, userData }));
  const id = created.targetId!;
  let instance = await client.instances.get(id);
  assert.equal(instance.state, 'running');
  assert.equal(instance.keyName, 'e2e-key');

  const firstBoot = await consoleMatches(id, BOOTED);
  const guestId = BOOTED.exec(firstBoot)![1]!;
  assert.match(firstBoot, /installed 1 SSH public key\(s\) for root: ssh-ed25519 e2e-key/);
  assert.equal((await http(instance)).trim(), guestId, 'HTTP / answers with the instance id the guest was given');
  assert.equal(await http(instance, '/hello.txt'), 'hello through the broker');

  // The broker restarts while the VM runs: the new broker re-attaches to the same QEMU.
  await server.close();
  server = await startServer(config, { tuning: TUNING });
  client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
  await client.providers.sync('local');
  instance = await client.instances.get(id);
  assert.equal(instance.state, 'running', 'the VM kept running across the broker restart');
  assert.equal((await http(instance)).trim(), guestId, 'and still answers on the same port');

  await settle(client.instances.stop(id));
  assert.equal((await client.instances.get(id)).state, 'stopped');
  assert.match((await client.instances.console(id)).output, /SKYPORT-ACPI-POWER-BUTTON/, 'stop pressed the ACPI power button');
  await settle(client.instances.start(id));
  await consoleMatches(id, BOOTED, 2);
  await settle(client.instances.reboot(id));
  await consoleMatches(id, BOOTED, 3);
  instance = await client.instances.get(id);
  assert.equal(instance.state, 'running');

  const volumeOp = await settle(client.volumes.create({ providerId: local.id, name: 'e2e-data', sizeGiB: 1 }));
  const volumeId = volumeOp.targetId!;
  await settle(client.volumes.attach(volumeId, id));
  const volume = await client.volumes.get(volumeId);
  assert.equal(volume.state, 'in-use');
  assert.equal(volume.attachment?.instanceId, id);
  const plugged = await consoleMatches(id, /SKYPORT-DISK-ADDED vdc serial=disk-[0-9a-f]+ sectors=2097152/);
  const serial = /SKYPORT-DISK-ADDED vdc serial=(disk-[0-9a-f]+)/.exec(plugged)![1]!;
  assert.match(await http(instance, '/cgi-bin/disks'), new RegExp(`^vdc ${serial} 1073741824$`, 'm'));

  const snapshotOp = await settle(client.snapshots.create({ volumeId, name: 'e2e-snap' }));
  assert.equal((await client.snapshots.get(snapshotOp.targetId!)).state, 'completed');

  await settle(client.instances.stop(id));
  const imageOp = await settle(client.images.create({ instanceId: id, name: 'e2e-image', description: 'made by the e2e test' }));
  const made = await client.images.get(imageOp.targetId!);
  assert.equal(made.state, 'available');
  assert.equal(made.public, false);

  await settle(client.instances.destroy(id));
  assert.equal((await client.instances.get(id).catch(() => ({ state: 'terminated' }))).state, 'terminated');
  await client.providers.sync('local');
  assert.equal((await client.volumes.get(volumeId)).state, 'available', 'destroying the instance released its volume');
  await settle(client.snapshots.delete(snapshotOp.targetId!));
  await settle(client.volumes.delete(volumeId));
  await settle(client.images.delete(made.id));
  assert.deepEqual(await ourQemus(), [], 'no QEMU left running');
});
