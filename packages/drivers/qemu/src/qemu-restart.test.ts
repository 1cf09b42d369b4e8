/**
 * Broker restarts: closing the driver lets go of the VMs without stopping them; a new driver on
 * the same data folder re-attaches and steers them. A QEMU that dies (kill -9) while watched or
 * while no broker runs shows as `error` with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { qemuDriver } from './index.js';
import { destroyAll, guestImageReady, httpAddress, httpGet, lifo, qemuConfig, qemuProcessesFor, tempDir, waitForConsole, waitForState } from './test-support.js';

const TINY = { imageId: 'skyport-tiny', hardwareProfileId: 'tiny', cpus: 1, memoryMiB: 128, diskGiB: 1 } as const;

test('a new driver on the same folder re-attaches to running VMs; VMs killed meanwhile or while watched show error with the reason', async (t) => {
  const cleanup = lifo(t);
  const dataDir = await tempDir(cleanup);
  const config = qemuConfig(dataDir);
  let driver = qemuDriver.create(config);
  cleanup.after(async () => {
    await destroyAll(driver);
    await driver.close();
    for (const pid of await qemuProcessesFor(dataDir)) process.kill(pid, 'SIGKILL');
  });
  await guestImageReady(driver);
  const [survivor, victim, watched] = await Promise.all(['survivor', 'victim', 'watched'].map((name) => driver.createInstance({ ...TINY, name })));
  await Promise.all([survivor, victim, watched].map((i) => waitForConsole(driver, i!.nativeId, /SKYPORT-BOOTED/)));
  const before = await qemuProcessesFor(dataDir);
  assert.equal(before.length, 3);

  // "Broker restart": close without stopping anything.
  await driver.close();
  await sleep(200);
  assert.deepEqual((await qemuProcessesFor(dataDir)).sort(), before.sort(), 'closing the driver leaves the VMs running');
  const victimPid = (await qemuProcessesFor(`${victim!.nativeId}`)).at(0);
  assert.ok(victimPid !== undefined);
  process.kill(victimPid, 'SIGKILL');
  await sleep(200);

  driver = qemuDriver.create(config);
  const reattached = await waitForState(driver, survivor!.nativeId, 'running', 10_000);
  assert.equal((await httpGet(httpAddress(reattached))).trim(), survivor!.nativeId, 'the re-attached VM still answers on its port');
  const dead = await driver.getInstance(victim!.nativeId);
  assert.equal(dead?.state, 'error');
  assert.equal(dead?.rawState, 'crashed');
  assert.match(dead?.stateReason ?? '', new RegExp(`QEMU \\(pid ${victimPid}\\) is no longer running: it ended while the broker was not running; last console line: `));

  // Killed while this driver watches: the exit status is known.
  const watchedPid = (await qemuProcessesFor(watched!.nativeId)).at(0);
  assert.ok(watchedPid !== undefined);
  process.kill(watchedPid, 'SIGKILL');
  const killed = await waitForState(driver, watched!.nativeId, 'error', 10_000);
  assert.match(killed.stateReason ?? '', /^QEMU ended unexpectedly \(it was started before the broker restarted, so its exit status is unknown\); last console line: /);

  // The re-attached VM is fully controllable: a graceful stop, then a start from the new driver.
  await driver.stopInstance(survivor!.nativeId);
  const stopped = await waitForState(driver, survivor!.nativeId, 'stopped', 30_000);
  assert.equal(stopped.stateReason, undefined);
  assert.match(await driver.getConsoleOutput!(survivor!.nativeId), /SKYPORT-ACPI-POWER-BUTTON/);
  // A crashed instance starts again like a stopped one.
  await driver.startInstance(victim!.nativeId);
  await waitForState(driver, victim!.nativeId, 'running');
});

test('a QEMU killed while the driver watches it is in error with the signal named', async (t) => {
  const cleanup = lifo(t);
  const dataDir = await tempDir(cleanup);
  const driver = qemuDriver.create(qemuConfig(dataDir));
  cleanup.after(async () => {
    await destroyAll(driver);
    await driver.close();
  });
  await guestImageReady(driver);
  const instance = await driver.createInstance({ ...TINY, name: 'killed' });
  await waitForState(driver, instance.nativeId, 'running');
  const [pid] = await qemuProcessesFor(instance.nativeId);
  assert.ok(pid !== undefined);
  process.kill(pid, 'SIGKILL');
  const crashed = await waitForState(driver, instance.nativeId, 'error', 10_000);
  assert.match(crashed.stateReason ?? '', /^QEMU was killed by SIGKILL; /);
  assert.deepEqual(crashed.addresses, []);
  // Stopping an instance in error acknowledges it: stopped, ready to start.
  await driver.stopInstance(instance.nativeId);
  assert.equal((await driver.getInstance(instance.nativeId))?.state, 'stopped');
});

test('a second driver on an open data folder is refused, naming the folder', async (t) => {
  const cleanup = lifo(t);
  const dataDir = await tempDir(cleanup);
  const first = qemuDriver.create(qemuConfig(dataDir, { guestImage: false }));
  cleanup.after(() => first.close());
  await first.listImages();
  const second = qemuDriver.create(qemuConfig(dataDir, { guestImage: false }));
  await assert.rejects(second.listImages(), (error: Error) => /already open by another qemu driver/.test(error.message));
  await second.close();
});
