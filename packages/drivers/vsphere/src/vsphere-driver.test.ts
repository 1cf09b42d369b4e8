/**
 * What the conformance suite does not cover: bad configuration and credentials, TLS, an
 * expired session, paging through many VMs, VMware Tools, and the SOAP faults' translation.
 * Everything runs against VMware's vCenter simulator.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { DriverConfig } from '@skyport/core';
import { isSkyportError, type SkyportError } from '@skyport/model';
import { vsphereDriver, type VsphereCloudDriver } from './index.js';
import { startVcsim, type VcsimServer } from './vcsim-server.js';
import { VimClient } from './vim-client.js';
import { el, moRef, text, toMoRef, child, children, childText } from './soap-xml.js';

function config(endpoint: string, credentials: Record<string, string>, settings: Record<string, unknown> = {}): DriverConfig {
  return { providerId: 'prv-test', name: 'vcsim', endpoint, credentials, settings: { taskPollMs: 20, ...settings }, dataDir: '' };
}

async function rejection(promise: Promise<unknown>): Promise<SkyportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isSkyportError(error), `expected a SkyportError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

function rejectsConfig(cfg: DriverConfig): SkyportError {
  try {
    vsphereDriver.create(cfg);
  } catch (error) {
    assert.ok(isSkyportError(error), `expected a SkyportError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the configuration to be refused');
}

describe('vsphere driver against the simulator', () => {
  let sim: VcsimServer;
  const opened: { close(): Promise<void> }[] = [];
  const driver = (settings: Record<string, unknown> = {}, credentials?: Record<string, string>): VsphereCloudDriver => {
    const d = vsphereDriver.create(config(sim.url, credentials ?? { username: sim.username, password: sim.password }, settings)) as VsphereCloudDriver;
    opened.push(d);
    return d;
  };

  before(async () => {
    sim = await startVcsim({ vm: 2, templates: 1 });
  });
  after(async () => {
    for (const d of opened) await d.close();
    await sim.stop();
  });

  test('a wrong password is Unauthenticated, naming the credentials to fix', async () => {
    const error = await rejection(driver({}, { username: sim.username, password: 'wrong' }).testConnection());
    assert.equal(error.code, 'Unauthenticated');
    assert.equal(error.providerCode, 'InvalidLogin');
    assert.match(error.message, /user name or password/);
    assert.match(error.message, /credentials username and password/);
    assert.match(error.requestId ?? '', /^skyport-/, 'the operation id sent to vCenter is the request id');
    // Every other call fails the same way instead of with a confusing fault.
    assert.equal((await rejection(driver({}, { username: 'nobody', password: 'x' }).listInstances())).code, 'Unauthenticated');
  });

  test('an expired session is replaced by a new login, and the call succeeds', async () => {
    const d = driver();
    const before = await d.listInstances();
    // An administrator ends every other session, as vCenter's idle timeout would.
    const admin = new VimClient({ url: sim.url, username: sim.username, password: sim.password, insecureTls: false, requestTimeoutMs: 10_000 });
    try {
      await admin.login();
      const content = await admin.serviceContent();
      const spec = el('specSet', [el('propSet', [text('type', 'SessionManager'), text('pathSet', 'sessionList'), text('pathSet', 'currentSession')]), el('objectSet', moRef('obj', content.sessionManager))]);
      const read = await admin.call('RetrievePropertiesEx', content.propertyCollector, spec + el('options', ''), 'reading sessions');
      const props = children(child(child(read, 'returnval'), 'objects'), 'propSet');
      const value = (name: string) => child(props.find((p) => childText(p, 'name') === name), 'val');
      const mine = childText(value('currentSession'), 'key');
      const others = children(value('sessionList'), 'UserSession').map((s) => childText(s, 'key')).filter((k): k is string => k !== undefined && k !== mine);
      assert.ok(others.length > 0, 'the driver has a session to end');
      await admin.call('TerminateSession', content.sessionManager, others.map((k) => text('sessionId', k)).join(''), 'ending sessions');
    } finally {
      await admin.close();
    }
    const again = await d.listInstances();
    assert.deepEqual(again.map((i) => i.nativeId).sort(), before.map((i) => i.nativeId).sort());
  });

  test('SOAP faults become SkyportErrors with the fault as provider code', async () => {
    const d = driver();
    const [image] = await d.listImages();
    assert.ok(image);
    const request = { imageId: image.nativeId, hardwareProfileId: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 16 };
    const first = await d.createInstance({ ...request, name: 'taken-name' });
    try {
      // vCenter refuses a second VM of the same name in one folder (DuplicateName).
      const duplicate = await rejection(d.createInstance({ ...request, name: 'taken-name' }));
      assert.equal(duplicate.code, 'AlreadyExists');
      assert.equal(duplicate.providerCode, 'DuplicateName');
      assert.match(duplicate.message, /taken-name/);
      const names = (await d.listInstances()).filter((i) => i.name === 'taken-name');
      assert.equal(names.length, 1, 'the refused clone left nothing behind');

      // Power-on of a running VM: the task fails with InvalidPowerState.
      const started = await rejection(d.startInstance(first.nativeId));
      assert.equal(started.code, 'InvalidState');
      assert.match(started.message, /running/);

      const template = await rejection(d.startInstance(image.nativeId));
      assert.equal(template.code, 'NotFound');
      assert.match(template.message, /template/);

      const small = await rejection(d.createInstance({ ...request, name: 'too-small', diskGiB: 0 }));
      assert.equal(small.code, 'InvalidArgument');
      const unknownTag = await rejection(d.updateTags('image', image.nativeId, { set: { a: '1' } }));
      assert.equal(unknownTag.code, 'Unsupported');
    } finally {
      await d.destroyInstance(first.nativeId);
    }
  });

  test('with VMware Tools running, stop shuts the guest down and the guest address is listed', async () => {
    const d = driver();
    const [image] = await d.listImages();
    assert.ok(image);
    const created = await d.createInstance({ name: 'with-tools', imageId: image.nativeId, hardwareProfileId: 'custom', cpus: 3, memoryMiB: 512, diskGiB: 20, userData: '#cloud-config\n' });
    try {
      // The simulator sets any VM property from an extraConfig key `SET.<path>`: here, what
      // VMware Tools would report from inside a real guest.
      const admin = new VimClient({ url: sim.url, username: sim.username, password: sim.password, insecureTls: false, requestTimeoutMs: 10_000 });
      try {
        const option = (k: string, v: string) => el('extraConfig', [text('key', k), text('value', v, 'xsd:string')], 'OptionValue');
        const response = await admin.call('ReconfigVM_Task', { type: 'VirtualMachine', value: created.nativeId }, el('spec', [option('SET.guest.toolsRunningStatus', 'guestToolsRunning'), option('SET.guest.ipAddress', '10.20.30.40')]), 'faking tools');
        assert.ok(toMoRef(child(response, 'returnval')));
      } finally {
        await admin.close();
      }
      const running = await d.getInstance(created.nativeId);
      assert.equal(running?.state, 'running');
      assert.deepEqual(running?.addresses, [{ kind: 'private', address: '10.20.30.40' }]);
      assert.equal(running?.cpus, 3);
      assert.equal(running?.memoryMiB, 512);
      assert.equal(running?.diskGiB, 20);
      await d.stopInstance(created.nativeId);
      assert.equal((await d.getInstance(created.nativeId))?.state, 'stopped', 'the simulator completes a guest shutdown at once');
    } finally {
      await d.destroyInstance(created.nativeId);
    }
  });

  test('locations: the datacenter is a region, its cluster and standalone host are zones', async () => {
    const locations = await driver().listLocations();
    const regions = locations.filter((l) => l.kind === 'region');
    assert.deepEqual(regions.map((r) => r.name), ['DC0']);
    const zones = locations.filter((l) => l.kind === 'zone').map((z) => z.name).sort();
    assert.deepEqual(zones, ['DC0_C0', 'DC0_H0']);
    const instances = await driver().listInstances();
    const zoneIds = new Set(locations.filter((l) => l.kind === 'zone').map((l) => l.nativeId));
    assert.ok(instances.length > 0 && instances.every((i) => i.locationId !== undefined && zoneIds.has(i.locationId)), 'every VM is placed in a listed zone');
  });

  test('an imported disk is uploaded whole through the lease and becomes a template that clones', async (t) => {
    const d = driver();
    const dir = await mkdtemp(join(tmpdir(), 'vsphere-import-test-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // A sparse 3 GiB raw disk with a recognisable first megabyte.
    const path = join(dir, 'disk.raw');
    const handle = await open(path, 'w');
    await handle.write(Buffer.alloc(1024 * 1024, 0x5a), 0, 1024 * 1024, 0);
    await handle.truncate(3 * 1024 ** 3);
    await handle.close();
    let total = 0;
    let done = 0;
    const image = await d.importImage({ name: 'imported-disk', path, format: 'raw', architecture: 'x86_64', description: 'from a raw disk', tags: { origin: 'test' }, onProgress: (sent, of) => { done = sent; total = of; } });
    assert.equal(image.state, 'available');
    assert.equal(image.sizeGiB, 3, 'the template has the disk\'s virtual size');
    assert.equal(image.description, 'from a raw disk');
    assert.deepEqual(image.tags, { origin: 'test' });
    assert.ok(total > 0 && done === total, `progress ${done}/${total}`);
    // The simulator logs every NFC transfer: the streamOptimized VMDK arrived whole.
    assert.match(sim.log(), new RegExp(`nfc PUT \\S+: transferred ${total} bytes`));
    const again = await rejection(d.importImage({ name: 'imported-disk', path, format: 'raw', architecture: 'x86_64' }));
    assert.equal(again.code, 'AlreadyExists');
    const arm = await rejection(d.importImage({ name: 'arm-disk', path, format: 'raw', architecture: 'aarch64' }));
    assert.equal(arm.code, 'InvalidArgument');
    const clone = await d.createInstance({ name: 'from-import', imageId: image.nativeId, hardwareProfileId: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 16 });
    try {
      assert.equal(clone.imageId, image.nativeId);
      assert.equal(clone.diskGiB, 16);
      const tooSmall = await rejection(d.createInstance({ name: 'too-small-disk', imageId: image.nativeId, hardwareProfileId: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 2 }));
      assert.equal(tooSmall.code, 'InvalidArgument');
      assert.match(tooSmall.message, /smaller than image imported-disk's disk of 3 GiB/);
    } finally {
      await d.destroyInstance(clone.nativeId);
      await d.deleteImage(image.nativeId);
    }
  });

  test("a stopped instance's disk is exported as raw of its full size; a running one's is refused", async () => {
    const d = driver();
    const [image] = await d.listImages();
    assert.ok(image);
    const created = await d.createInstance({ name: 'to-export', imageId: image.nativeId, hardwareProfileId: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 5 });
    try {
      const running = await rejection(d.exportDisk('instance', created.nativeId));
      assert.equal(running.code, 'InvalidState');
      assert.match(running.message, /it is running.*stopped/);
      await d.stopInstance(created.nativeId, { force: true });
      const disk = await d.exportDisk('instance', created.nativeId);
      try {
        assert.equal(disk.format, 'raw');
        assert.equal(disk.virtualSizeBytes, 5 * 1024 ** 3);
        assert.equal((await stat(disk.path)).size, 5 * 1024 ** 3);
      } finally {
        await disk.release();
      }
      await assert.rejects(stat(disk.path), 'release removes the copy');
      assert.equal((await rejection(d.exportDisk('image', created.nativeId))).code, 'NotFound');
    } finally {
      await d.destroyInstance(created.nativeId);
    }
  });

  test('an instance created in a named zone is placed there', async () => {
    const d = driver();
    const [image] = await d.listImages();
    assert.ok(image);
    const host = (await d.listLocations()).find((l) => l.name === 'DC0_H0');
    assert.ok(host);
    const created = await d.createInstance({ name: 'on-host', imageId: image.nativeId, hardwareProfileId: 'small', cpus: 1, memoryMiB: 1024, diskGiB: 16, locationId: host.nativeId });
    try {
      assert.equal(created.locationId, host.nativeId);
      assert.equal((await d.getInstance(created.nativeId))?.locationId, host.nativeId);
    } finally {
      await d.destroyInstance(created.nativeId);
    }
  });
});

describe('vsphere driver: paging through many VMs', () => {
  let sim: VcsimServer;
  before(async () => {
    // 150 VMs in the cluster's pool and 150 on the standalone host.
    sim = await startVcsim({ vm: 150, templates: 3 });
  });
  after(async () => sim.stop());

  test('listInstances returns every VM across pages of maxObjects', async () => {
    const paged = vsphereDriver.create(config(sim.url, { username: sim.username, password: sim.password }, { pageSize: 7 }));
    const whole = vsphereDriver.create(config(sim.url, { username: sim.username, password: sim.password }, { pageSize: 10_000 }));
    try {
      const logBefore = sim.log().split('\n').filter((l) => l.includes('ContinueRetrievePropertiesEx')).length;
      const instances = await paged.listInstances();
      const continued = sim.log().split('\n').filter((l) => l.includes('ContinueRetrievePropertiesEx')).length - logBefore;
      assert.equal(instances.length, 300 - 3, 'all VMs but the three templates');
      assert.equal(new Set(instances.map((i) => i.nativeId)).size, instances.length, 'no VM twice');
      assert.ok(continued >= Math.floor(300 / 7), `the listing followed ${continued} continuation tokens`);
      const images = await paged.listImages();
      assert.equal(images.length, 3);
      const single = await whole.listInstances();
      assert.deepEqual(instances.map((i) => i.nativeId).sort(), single.map((i) => i.nativeId).sort(), 'pages add up to the one-page listing');
    } finally {
      await paged.close();
      await whole.close();
    }
  });
});

describe('vsphere driver: configuration and connection errors', () => {
  test('bad configuration is refused when the provider is added', () => {
    const good = { username: 'u', password: 'p' };
    assert.match(rejectsConfig({ ...config('', good), endpoint: undefined }).message, /needs an endpoint/);
    assert.match(rejectsConfig(config('not a url', good)).message, /is not a URL/);
    assert.match(rejectsConfig(config('ftp://vc.example.com', good)).message, /https/);
    assert.match(rejectsConfig(config('https://vc.example.com', { username: 'u' })).message, /credentials username and password/);
    assert.match(rejectsConfig(config('https://vc.example.com', good, { pageSize: 0 })).message, /pageSize must be an integer from 1/);
    assert.match(rejectsConfig(config('https://vc.example.com', good, { insecure: true })).message, /unknown setting insecure; known: insecureTls/);
    assert.match(rejectsConfig(config('https://vc.example.com', good, { caCertificate: 'abc' })).message, /PEM certificate/);
  });

  test('an endpoint nobody listens on is ProviderUnavailable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const d = vsphereDriver.create(config(`http://127.0.0.1:${port}`, { username: 'u', password: 'p' }));
    try {
      const error = await rejection(d.testConnection());
      assert.equal(error.code, 'ProviderUnavailable');
      assert.ok(error.retryable);
      assert.match(error.message, /could not be reached \(ECONNREFUSED\)/);
    } finally {
      await d.close();
    }
  });

  test('a web server that is not vSphere is named as such', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html>not here</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const d = vsphereDriver.create(config(`http://127.0.0.1:${port}/`, { username: 'u', password: 'p' }));
    try {
      const error = await rejection(d.testConnection());
      assert.equal(error.code, 'ProviderError');
      assert.match(error.message, /HTTP 404.*vSphere SOAP endpoint/);
    } finally {
      await d.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a self-signed certificate is refused with the settings that fix it; insecureTls accepts it', async () => {
    const sim = await startVcsim({ vm: 1, templates: 1, tls: true });
    const credentials = { username: sim.username, password: sim.password };
    const strict = vsphereDriver.create(config(sim.url, credentials));
    const lax = vsphereDriver.create(config(sim.url, credentials, { insecureTls: true }));
    try {
      assert.match(sim.url, /^https:/);
      const error = await rejection(strict.testConnection());
      assert.equal(error.code, 'ProviderUnavailable');
      assert.equal(error.retryable, false, 'retrying does not make a certificate trusted');
      assert.match(error.message, /certificate is not trusted.*caCertificate.*insecureTls/);
      await lax.testConnection();
      assert.ok((await lax.listImages()).length === 1);
    } finally {
      await strict.close();
      await lax.close();
      await sim.stop();
    }
  });
});
