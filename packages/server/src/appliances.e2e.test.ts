/**
 * OVF/OVA through the real broker, once per database dialect: an OVA built here is uploaded
 * into a sim provider, mapped to the nearest hardware profile, launched; the image and the
 * stopped instance are exported, downloaded and checked (descriptor first, manifest digests,
 * package validation, disk content byte for byte). Hostile or wrong uploads are refused with
 * a 400-class error and leave nothing behind: no image, no upload, no work folder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createClient, type SkyportClient } from '@skyport/client';
import { SkyportError, type Image, type Operation } from '@skyport/model';
import { directoryPackage, extractOva, readOvf, validateOvf, validatePackage } from '@skyport/ovf';
import { createTestStore, testDatabaseUrls, type TestStore } from '@skyport/store/testing';
import { loadConfig, startServer, type RunningServer } from './index.js';
import { buildOva, diskContent, readDisk, sha256File, tarHeader } from './testing/test-ova.js';

const run = promisify(execFile);
const FAST_SIM = { latencyMs: 1, transitionMs: 150 };
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20, maxUploadBytes: 48 * 1024 * 1024 };
const PASSWORD = 'correct horse battery staple';

async function expectError(promise: Promise<unknown>, code: string, status: number, message?: RegExp): Promise<SkyportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SkyportError, `expected a SkyportError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.details?.['status'], status, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

/** The file as the CLI sends it: a stream, no length known up front. */
function fileStream(path: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
}

async function listing(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

for (const database of testDatabaseUrls()) {
  describe(`appliances end to end on ${database.dialect}`, () => {
    let root: string;
    let dataDir: string;
    let work: string;
    let testStore: TestStore;
    let server: RunningServer;
    let client: SkyportClient;
    const provider = `ova-${database.dialect}`;
    const content = diskContent();
    let imported: { image: Image; op: Operation };

    const settle = async (operation: Promise<Operation>): Promise<Operation> => {
      const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 60 });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      return done;
    };
    const failed = async (operation: Promise<Operation>): Promise<Operation> => {
      const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 60 });
      assert.equal(done.status, 'failed', `expected the operation to fail: ${JSON.stringify(done.result)}`);
      return done;
    };
    /** Nothing of a refused import stays: no image by that name, no upload, no work folder. */
    const nothingLeft = async (name: string) => {
      assert.deepEqual((await client.images.list({ provider: [provider], name })).items, [], `no image ${name}`);
      assert.deepEqual(await listing(join(dataDir, 'uploads')), [], 'no upload left');
      assert.deepEqual(await listing(join(dataDir, 'work')), [], 'no work folder left');
    };
    /** Downloads an export to `out` and checks it against what the broker announced. */
    const download = async (operation: Operation, out: string) => {
      const file = await client.exports.download(operation.id);
      assert.equal(file.fileName, operation.result?.['fileName']);
      assert.equal(file.sizeBytes, operation.result?.['sizeBytes']);
      assert.equal(file.sha256, operation.result?.['sha256']);
      await pipeline(Readable.fromWeb(file.body as NodeReadableStream<Uint8Array>), createWriteStream(out));
      assert.equal((await stat(out)).size, file.sizeBytes);
      assert.equal(await sha256File(out), file.sha256, 'the download is what the broker hashed');
    };
    /** An exported OVA as any consumer checks it; returns the disk's guest-visible bytes. */
    const checkOva = async (ova: string, expected: { name: string; cpus: number; memoryMiB: number; ovfVersion: '1.0' | '2.0' }) => {
      const members = (await run('tar', ['-tf', ova])).stdout.trim().split('\n');
      assert.deepEqual(members, [`${expected.name}.ovf`, `${expected.name}.mf`, `${expected.name}-disk1.vmdk`], 'descriptor first, then manifest, then the disk');
      const dir = join(work, `check-${Math.random().toString(36).slice(2)}`);
      const extracted = await extractOva(ova, dir, { requireManifest: true });
      assert.equal(extracted.manifest?.entries.length, 2);
      assert.ok(extracted.manifest?.entries.every((e) => e.algorithm === 'sha256'), 'SHA-256 manifest');
      const report = await validatePackage(extracted.descriptor, directoryPackage(dir), { descriptorName: extracted.descriptorName });
      assert.deepEqual(report.errors, [], 'the package validates');
      const appliance = readOvf(extracted.descriptor);
      assert.equal(appliance.ovfVersion, expected.ovfVersion);
      const vm = appliance.vms[0]!;
      assert.equal(vm.cpus, expected.cpus);
      assert.equal(vm.memoryMiB, expected.memoryMiB);
      assert.equal(vm.disks[0]?.format?.variant, 'streamOptimized');
      assert.equal(vm.nics[0]?.adapter, 'e1000');
      // What `skyport ova validate --target vsphere` checks: the strictest consumer.
      const strict = validateOvf(extracted.descriptor, { target: 'vsphere' });
      assert.deepEqual([...strict.errors, ...strict.warnings], [], 'valid for vSphere, no warnings');
      return readDisk(work, join(dir, `${expected.name}-disk1.vmdk`), 'vmdk');
    };

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'skyport-ova-e2e-'));
      dataDir = join(root, 'broker');
      work = join(root, 'files');
      await mkdir(work);
      testStore = await createTestStore(database);
      const config = loadConfig({
        SKYPORT_DATA_DIR: dataDir,
        SKYPORT_PORT: '0',
        SKYPORT_SEED_SIM: 'false',
        SKYPORT_SEED_LOCAL: 'false',
        SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent',
        SKYPORT_DATABASE_URL: testStore.url,
      });
      server = await startServer(config, { tuning: TUNING });
      client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
      await client.providers.add({ name: provider, driver: 'sim', settings: FAST_SIM });
      await client.providers.sync(provider);
    });

    after(async () => {
      await server?.close();
      await testStore?.cleanup();
      await rm(root, { recursive: true, force: true });
    });

    test('import an OVA: the image is available, mapped to the nearest hardware profile, with progress; it launches', async () => {
      const ova = await buildOva(work, { name: 'web-appliance', cpus: 2, memoryMiB: 4096, format: 'qcow2', content });
      const messages: string[] = [];
      const abort = new AbortController();
      const stream = client.events({ types: ['operation.updated'] }, (event) => {
        if (event.type === 'operation.updated' && event.operation.type === 'image.import' && event.operation.message !== undefined) messages.push(`${event.operation.progress}% ${event.operation.message}`);
      }, abort.signal);
      const request = { provider, name: 'web-golden', fileName: 'web-appliance.ova' };
      const started = await client.images.import(request, fileStream(ova), { idempotencyKey: `import-${database.dialect}` });
      assert.equal(started.type, 'image.import');
      assert.equal(started.targetKind, 'image');
      const op = await settle(Promise.resolve(started));
      abort.abort();
      await stream;

      assert.equal(op.result?.['imageId'], started.targetId, 'the announced id is the image');
      const profile = op.result?.['hardwareProfile'] as { name: string; cpus: number; memoryMiB: number; fits: boolean };
      assert.deepEqual({ name: profile.name, cpus: profile.cpus, memoryMiB: profile.memoryMiB, fits: profile.fits }, { name: 'medium', cpus: 2, memoryMiB: 4096, fits: true });
      assert.deepEqual(op.result?.['hardware'], { cpus: 2, memoryMiB: 4096, firmware: 'bios', os: 'linux', diskBytes: content.length });
      const image = await client.images.get(started.targetId!);
      assert.equal(image.state, 'available');
      assert.equal(image.name, 'web-golden');
      assert.equal(image.os, 'linux');
      assert.equal(image.public, false);
      assert.match(image.description ?? '', /web-appliance from web-appliance\.ova: 2 CPU, 4096 MiB; nearest hardware profile medium/);
      assert.ok(messages.some((m) => /extracting and verifying the OVA/.test(m)), messages.join('\n'));
      assert.ok(messages.some((m) => /importing the disk into ova-/.test(m)), messages.join('\n'));
      assert.deepEqual(await listing(join(dataDir, 'uploads')), [], 'the upload is removed once imported');
      assert.deepEqual(await listing(join(dataDir, 'work')), [], 'the work folder is removed');
      imported = { image, op };

      // A retry with the same key gets the same operation, whatever body it sends.
      const replay = await client.images.import(request, fileStream(ova), { idempotencyKey: `import-${database.dialect}` });
      assert.equal(replay.id, started.id);
      await expectError(client.images.import({ ...request, name: 'other' }, fileStream(ova), { idempotencyKey: `import-${database.dialect}` }), 'IdempotencyMismatch', 422);
      assert.deepEqual(await listing(join(dataDir, 'uploads')), [], 'a replay keeps no upload');

      const launched = await settle(client.instances.create({ providerId: provider, name: 'from-ova', imageId: image.id, hardwareProfileId: profile.name }));
      const instance = await client.instances.get(launched.targetId!);
      assert.equal(instance.state, 'running');
      assert.equal(instance.imageId, image.id);
      assert.equal(instance.cpus, 2);
    });

    test('export the image and the stopped instance: OVF 1.0 and 2.0, streamOptimized, SHA-256 manifest, same disk bytes', async () => {
      const exported = await settle(client.images.export(imported.image.id));
      assert.equal(exported.type, 'image.export');
      assert.equal(exported.result?.['fileName'], 'web-golden.ova');
      assert.match(String(exported.result?.['sha256']), /^[0-9a-f]{64}$/);
      assert.ok(Date.parse(String(exported.result?.['expiresAt'])) > Date.now() + 23 * 3600_000, 'kept for a day');
      const imageOva = join(work, 'image-export.ova');
      await download(exported, imageOva);
      const imageDisk = await checkOva(imageOva, { name: 'web-golden', cpus: 2, memoryMiB: 4096, ovfVersion: '1.0' });
      assert.ok(imageDisk.equals(content), 'the exported image holds the imported bytes');

      const [instance] = (await client.instances.list({ provider: [provider], name: 'from-ova' })).items;
      assert.ok(instance);
      await expectError(client.instances.export(instance.id), 'InvalidState', 409, /it is running; export needs it to be stopped/);
      await settle(client.instances.stop(instance.id));
      const fromInstance = await settle(client.instances.export(instance.id, { ovfVersion: '2.0' }));
      const instanceOva = join(work, 'instance-export.ova');
      await download(fromInstance, instanceOva);
      const instanceDisk = await checkOva(instanceOva, { name: 'from-ova', cpus: 2, memoryMiB: 4096, ovfVersion: '2.0' });
      assert.ok(instanceDisk.equals(content), "the exported instance holds its image's bytes");

      // Round trip: the export imports again, and exports the same bytes again.
      const again = await settle(client.images.import({ provider, name: 'web-golden-again' }, fileStream(instanceOva)));
      assert.equal((again.result?.['hardwareProfile'] as { name: string }).name, 'medium');
      const second = await settle(client.images.export(String(again.result?.['imageId'])));
      const secondOva = join(work, 'second-export.ova');
      await download(second, secondOva);
      assert.ok((await checkOva(secondOva, { name: 'web-golden-again', cpus: 2, memoryMiB: 4096, ovfVersion: '1.0' })).equals(content));

      // Deleted exports are gone for good.
      await client.exports.delete(exported.id);
      await expectError(client.exports.download(exported.id), 'NotFound', 404, /was deleted at/);
      await expectError(client.exports.delete(exported.id), 'NotFound', 404);
      assert.deepEqual((await listing(join(dataDir, 'exports'))).sort(), [fromInstance.id, second.id].sort());
      await expectError(client.images.export(imported.image.id, { ovfVersion: '3.0' as '2.0' }), 'InvalidArgument', 400);
    });

    test('an instance of an EFI appliance exports as EFI: it boots the way its image did', async () => {
      const ova = await buildOva(work, { name: 'efi-appliance', cpus: 1, memoryMiB: 1024, format: 'raw', content, firmware: 'efi' });
      const op = await settle(client.images.import({ provider, name: 'efi-golden' }, fileStream(ova)));
      assert.equal((op.result?.['hardware'] as { firmware: string }).firmware, 'efi');
      const launched = await settle(client.instances.create({ providerId: provider, name: 'efi-1', imageId: String(op.result?.['imageId']), hardwareProfileId: 'small' }));
      await settle(client.instances.stop(launched.targetId!));
      const exported = await settle(client.instances.export(launched.targetId!));
      const out = join(work, 'efi-instance.ova');
      await download(exported, out);
      const dir = await mkdtemp(join(work, 'efi-'));
      const extracted = await extractOva(out, dir, { requireManifest: true });
      assert.equal(readOvf(extracted.descriptor).vms[0]?.firmware, 'efi');
    });

    test('an export is its tenant\'s: another tenant cannot see it, a viewer may download but not export', async () => {
      const op = await settle(client.images.export(imported.image.id));
      const me = await client.whoami();
      const tenant = await client.tenants.create({ name: `other-${database.dialect}` });
      await client.users.create({ name: `other-admin-${database.dialect}`, password: PASSWORD, memberships: [{ tenantId: tenant.id, role: 'admin' }] });
      await client.users.create({ name: `viewer-${database.dialect}`, password: PASSWORD, memberships: [{ tenantId: me.tenantId, role: 'viewer' }] });
      const other = createClient({ baseUrl: server.url, token: (await client.login(`other-admin-${database.dialect}`, PASSWORD)).token });
      const viewer = createClient({ baseUrl: server.url, token: (await client.login(`viewer-${database.dialect}`, PASSWORD)).token });
      await expectError(other.exports.download(op.id), 'NotFound', 404);
      await expectError(other.exports.delete(op.id), 'NotFound', 404);
      await expectError(other.images.export(imported.image.id), 'NotFound', 404);
      const file = await viewer.exports.download(op.id);
      await file.body.cancel();
      await expectError(viewer.images.export(imported.image.id), 'Forbidden', 403);
      await expectError(viewer.images.import({ provider, name: 'viewer-import' }, new Uint8Array(1024)), 'Forbidden', 403);
      await client.exports.delete(op.id);
    });

    test('refused at once (400): not an OVA, too large, an invalid descriptor, a taken name; nothing stays', async () => {
      await expectError(client.images.import({ provider, name: 'not-ova' }, new TextEncoder().encode('this is not a tar archive at all\n'.repeat(100))), 'InvalidArgument', 400, /not an OVA/);
      await nothingLeft('not-ova');
      await expectError(client.images.import({ provider, name: 'empty' }, new Uint8Array(0)), 'InvalidArgument', 400, /empty/);

      // Over the limit (48 MiB in this broker), sent without a length: refused while it streams.
      const header = tarHeader('big.bin', 64 * 1024 * 1024);
      let sent = 0;
      const big = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 64 * 1024 * 1024) return controller.close();
          const chunk = sent === 0 ? Buffer.concat([header, Buffer.alloc(1024 * 1024 - 512)]) : Buffer.alloc(1024 * 1024);
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      await expectError(client.images.import({ provider, name: 'too-big' }, big), 'InvalidArgument', 400, /larger than 48\.0 MiB/);
      await nothingLeft('too-big');

      const dtd = join(work, 'dtd.ova');
      const { writeTar } = await import('./testing/test-ova.js');
      await writeTar(dtd, [{ name: 'x.ovf', data: Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Envelope/>') }]);
      await expectError(client.images.import({ provider, name: 'dtd' }, await readFile(dtd)), 'InvalidArgument', 400, /DOCTYPE|DTD|entit/i);
      await nothingLeft('dtd');

      const ova = await buildOva(work, { name: 'dup', cpus: 1, memoryMiB: 1024, format: 'qcow2', content });
      await expectError(client.images.import({ provider, name: 'web-golden' }, fileStream(ova)), 'AlreadyExists', 409, /already exists/);
      await expectError(client.images.import({ provider: 'nowhere', name: 'x' }, fileStream(ova)), 'NotFound', 404);
      assert.deepEqual(await listing(join(dataDir, 'uploads')), []);
    });

    test('refused by the import (the operation fails with InvalidArgument): manifest mismatch, escaping member, backing file; nothing stays', async () => {
      const cases = [
        { tamper: 'manifest', pattern: /manifest|digest|SHA256/i },
        { tamper: 'traversal', pattern: /escaping path|outside|\.\./i },
        { tamper: 'backing', pattern: /backing file/i },
      ] as const;
      for (const { tamper, pattern } of cases) {
        const name = `bad-${tamper}`;
        const ova = await buildOva(work, { name, cpus: 1, memoryMiB: 1024, format: 'qcow2', content }, { tamper });
        const op = await failed(client.images.import({ provider, name }, fileStream(ova)));
        assert.equal(op.error?.code, 'InvalidArgument', `${tamper}: ${op.error?.message}`);
        assert.match(op.error?.message ?? '', pattern, tamper);
        await nothingLeft(name);
      }
      for (const dir of [root, dataDir, join(dataDir, 'work')]) assert.ok(!(await listing(dir)).includes('escaped.txt'), `nothing was written to ${dir}`);
    });

    test('the broker imports a file already in its uploads folder, and nothing outside it', async () => {
      const broker = server.broker.as(server.adminToken.principal);
      const ova = await buildOva(work, { name: 'dropped', cpus: 1, memoryMiB: 1024, format: 'raw', content });
      await mkdir(join(dataDir, 'uploads'), { recursive: true });
      await copyFile(ova, join(dataDir, 'uploads', 'dropped.ova'));
      const op = await settle(broker.images.importOva({ providerId: provider, name: 'dropped', path: 'dropped.ova' }));
      assert.equal((op.result?.['hardwareProfile'] as { name: string }).name, 'small');
      assert.deepEqual(await listing(join(dataDir, 'uploads')), [], 'the import consumed the file');
      for (const path of ['../skyport.db', ova, 'missing.ova']) {
        await assert.rejects(broker.images.importOva({ providerId: provider, name: 'outside', path }), (e: SkyportError) => e.code === 'InvalidArgument' && /uploads folder/.test(e.message));
      }
      await nothingLeft('outside');
    });

    test('exports expire: the sweeper removes them and the download says so', async () => {
      // A broker of its own, keeping exports for a second.
      const quickDir = join(root, 'quick');
      const quickStore = await createTestStore(database);
      const quick = await startServer(
        loadConfig({ SKYPORT_DATA_DIR: quickDir, SKYPORT_PORT: '0', SKYPORT_SEED_SIM: 'false', SKYPORT_SEED_LOCAL: 'false', SKYPORT_LOG_LEVEL: 'silent', SKYPORT_DATABASE_URL: quickStore.url }),
        { tuning: { ...TUNING, exportRetentionMs: 1000 } },
      );
      try {
        const c = createClient({ baseUrl: quick.url, token: quick.adminToken.token! });
        await c.providers.add({ name: 'quick', driver: 'sim', settings: FAST_SIM });
        await c.providers.sync('quick');
        const [image] = (await c.images.list({ provider: ['quick'], name: 'debian-12' })).items;
        const done = await c.operations.waitFor((await c.images.export(image!.id)).id, { timeoutSeconds: 60 });
        assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
        assert.deepEqual(await listing(join(quickDir, 'exports')), [done.id]);
        await sleep(2500);
        await expectError(c.exports.download(done.id), 'NotFound', 404, /expired at/);
        assert.deepEqual(await listing(join(quickDir, 'exports')), [], 'the sweeper removed it');
      } finally {
        await quick.close();
        await quickStore.cleanup();
      }
    });
  });
}
