/**
 * Real VMs under TCG: what a user sees in the guest. Boot marker, SSH key and user-data applied
 * from the NoCloud seed, HTTP through the loopback port forward, graceful and hard stops, reboot,
 * volumes hot-plugged through QMP and seen by the guest, live snapshots.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually,
  httpAddress,
  httpGet,
  readyDriver,
  waitForConsole,
  waitForState,
} from './test-support.js';

const TINY = { imageId: 'skyport-tiny', hardwareProfileId: 'tiny', cpus: 1, memoryMiB: 128, diskGiB: 1 } as const;
const BOOTED = /SKYPORT-BOOTED/;

const CLOUD_CONFIG = `#cloud-config
write_files:
  - path: /var/www/hello.txt
    content: |
      hello from user-data
    permissions: '0644'
runcmd:
  - echo runcmd-says-hi
  - [ touch, /var/www/touched ]
`;

const SCRIPT = `#!/bin/sh
echo "script-ran as $(id -u)" > /var/www/script.txt
echo script-output-on-console
`;

test('skyport-tiny boots with the seed: marker, SSH key, cloud-config and script user-data, HTTP on the forward', async (t) => {
  const { driver } = await readyDriver(t);
  const { keyPair } = await driver.createKeyPair('guest-key');
  const [withConfig, withScript] = await Promise.all([
    driver.createInstance({ ...TINY, name: 'Web One', keyName: 'guest-key', userData: CLOUD_CONFIG, tags: { role: 'web' } }),
    driver.createInstance({ ...TINY, name: 'script', userData: SCRIPT }),
  ]);
  assert.equal(withConfig.state, 'pending');
  assert.equal(withConfig.rawState, 'creating');
  const started = Date.now();
  const [configConsole, scriptConsole] = await Promise.all([
    waitForConsole(driver, withConfig.nativeId, BOOTED),
    waitForConsole(driver, withScript.nativeId, BOOTED),
  ]);
  t.diagnostic(`two guests booted to the marker in ${Date.now() - started} ms`);
  assert.match(configConsole, new RegExp(`SKYPORT-BOOTED instance=${withConfig.nativeId} hostname=web-one `));
  assert.match(configConsole, /installed 1 SSH public key\(s\) for root: ssh-ed25519 guest-key/);
  assert.match(configConsole, /user-data: skyport: wrote \/var\/www\/hello.txt/);
  assert.match(configConsole, /user-data: runcmd-says-hi/);
  assert.match(configConsole, /user-data finished with status 0/);
  assert.match(scriptConsole, /user-data: script-output-on-console/);
  assert.ok(keyPair.publicKey?.startsWith('ssh-ed25519 '));

  const running = await waitForState(driver, withConfig.nativeId, 'running');
  const address = httpAddress(running);
  assert.match(address, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(running.addresses.map((a) => a.kind), ['public', 'public', 'private']);
  assert.equal((await httpGet(address)).trim(), withConfig.nativeId, 'HTTP / answers with the instance id');
  assert.equal(await httpGet(address, '/hello.txt'), 'hello from user-data\n');
  assert.equal(await httpGet(address, '/touched'), '');
  const script = await waitForState(driver, withScript.nativeId, 'running');
  assert.equal(await httpGet(httpAddress(script), '/script.txt'), 'script-ran as 0\n');
  assert.equal(running.tags['role'], 'web');
});

test('stop: ACPI power-down when the guest cooperates, a hard stop after the timeout or on force; start again', async (t) => {
  const { driver } = await readyDriver(t, { stopTimeoutMs: 4_000 });
  const [graceful, deaf, forced] = await Promise.all([
    driver.createInstance({ ...TINY, name: 'graceful' }),
    // A guest that ignores the power button: acpid is gone.
    driver.createInstance({ ...TINY, name: 'deaf', userData: '#!/bin/sh\nkillall acpid\n' }),
    driver.createInstance({ ...TINY, name: 'forced' }),
  ]);
  await Promise.all([graceful, deaf, forced].map((i) => waitForConsole(driver, i.nativeId, BOOTED)));

  const stopAt = Date.now();
  await Promise.all([driver.stopInstance(graceful.nativeId), driver.stopInstance(deaf.nativeId), driver.stopInstance(forced.nativeId, { force: true })]);
  assert.ok(['stopping', 'stopped'].includes((await driver.getInstance(graceful.nativeId))?.state ?? ''), 'a stop shows stopping while the guest shuts down');
  const stopped = await Promise.all([graceful, deaf, forced].map((i) => waitForState(driver, i.nativeId, 'stopped', 30_000)));
  t.diagnostic(`stops settled within ${Date.now() - stopAt} ms`);
  const [g, d, f] = stopped;
  assert.equal(g?.stateReason, undefined, 'a graceful stop needs no explanation');
  assert.match(await driver.getConsoleOutput!(graceful.nativeId), /SKYPORT-ACPI-POWER-BUTTON[\s\S]*SKYPORT-SHUTDOWN/);
  assert.match(d?.stateReason ?? '', /did not power off within 4 s of the ACPI power button, so QEMU was stopped hard/);
  assert.match(f?.stateReason ?? '', /stopped hard \(force\)/);
  assert.doesNotMatch(await driver.getConsoleOutput!(forced.nativeId), /SKYPORT-ACPI-POWER-BUTTON/);
  assert.deepEqual(g?.addresses, [], 'a stopped instance has no forwarded addresses');

  // Start again: the same disk; the user-data ran once for this instance and does not run again.
  await driver.startInstance(deaf.nativeId);
  assert.ok(['pending', 'running'].includes((await driver.getInstance(deaf.nativeId))?.state ?? ''));
  await waitForState(driver, deaf.nativeId, 'running');
  const second = await eventually('second boot marker', async () => {
    const output = await driver.getConsoleOutput!(deaf.nativeId);
    return output.match(/SKYPORT-BOOTED/g)?.length === 2 ? output : undefined;
  });
  assert.equal(second.match(/running user-data/g)?.length, 1, 'user-data runs once per instance, not at every boot');
  // (A reboot to a third marker is covered end to end through the API.)
  await driver.rebootInstance(deaf.nativeId);
  assert.equal((await driver.getInstance(deaf.nativeId))?.state, 'running');
});

test('volumes hot-plug through QMP into a running guest, snapshot live, and come back at the next boot', async (t) => {
  const { driver } = await readyDriver(t);
  const instance = await driver.createInstance({ ...TINY, name: 'disks' });
  const volume = await driver.createVolume({ name: 'data', sizeGiB: 1, tags: { purpose: 'test' } });
  assert.equal(volume.state, 'available');
  await waitForConsole(driver, instance.nativeId, BOOTED);
  const running = await waitForState(driver, instance.nativeId, 'running');
  const address = httpAddress(running);

  await driver.attachVolume(volume.nativeId, instance.nativeId);
  const attached = (await driver.listVolumes()).find((v) => v.nativeId === volume.nativeId);
  assert.equal(attached?.state, 'in-use');
  assert.deepEqual(attached?.attachment, { instanceId: instance.nativeId, device: '/dev/vdc' });
  await waitForConsole(driver, instance.nativeId, new RegExp(`SKYPORT-DISK-ADDED vdc serial=${volume.nativeId} sectors=2097152`), 30_000);
  assert.match(await httpGet(address, '/cgi-bin/disks'), new RegExp(`^vdc ${volume.nativeId} 1073741824$`, 'm'));

  // A snapshot of a volume the guest is using: QEMU's backup job, point in time.
  const snapshot = await driver.createSnapshot({ name: 'live', volumeId: volume.nativeId });
  assert.equal(snapshot.state, 'pending');
  await eventually('snapshot completed', async () => ((await driver.listSnapshots()).find((s) => s.nativeId === snapshot.nativeId)?.state === 'completed' ? true : undefined), 60_000);

  await driver.detachVolume(volume.nativeId);
  await eventually('volume available after the guest released it', async () => ((await driver.listVolumes()).find((v) => v.nativeId === volume.nativeId)?.state === 'available' ? true : undefined), 40_000);
  await waitForConsole(driver, instance.nativeId, /SKYPORT-DISK-REMOVED vdc/, 30_000);
  assert.doesNotMatch(await httpGet(address, '/cgi-bin/disks'), new RegExp(volume.nativeId));

  // A volume restored from the snapshot, attached while stopped, is there at the next boot.
  const restored = await driver.createVolume({ name: 'restored', sizeGiB: 2, snapshotId: snapshot.nativeId });
  await eventually('restored volume available', async () => ((await driver.listVolumes()).find((v) => v.nativeId === restored.nativeId)?.state === 'available' ? true : undefined), 60_000);
  await driver.stopInstance(instance.nativeId);
  await waitForState(driver, instance.nativeId, 'stopped', 30_000);
  await driver.attachVolume(restored.nativeId, instance.nativeId, '/dev/vdd');
  assert.equal((await driver.listVolumes()).find((v) => v.nativeId === restored.nativeId)?.state, 'in-use');
  await driver.startInstance(instance.nativeId);
  const again = await waitForState(driver, instance.nativeId, 'running');
  await eventually('two boot markers', async () => ((await driver.getConsoleOutput!(instance.nativeId)).match(/SKYPORT-BOOTED/g)?.length === 2 ? true : undefined));
  assert.match(await httpGet(httpAddress(again), '/cgi-bin/disks'), new RegExp(`^vd[c-z] ${restored.nativeId} 2147483648$`, 'm'));
  await assert.rejects(driver.deleteVolume(restored.nativeId), /only available or failed volumes can be deleted/);
});
