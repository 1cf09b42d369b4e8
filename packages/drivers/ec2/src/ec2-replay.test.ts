/**
 * Behaviour only AWS has, replayed from recorded exchanges (fixtures/*.json, shapes from the
 * EC2 and S3 API references, AWS's documented example credentials): VM Import/Export through
 * S3, throttling, and the error answers. The driver runs its real AWS SDK clients against a
 * loopback server that checks every request and answers as AWS does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { CloudDriver } from '@skyport/core';
import { isSkyportError, type SkyportError } from '@skyport/model';
import { ec2CapabilitiesFor, ec2Driver } from './index.js';
import { loadRecording, ReplayServer, type Recording } from './testing/replay-server.js';

/** AWS's documented example secret: nothing real is in the recordings. */
const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const BUCKET = 'amzn-s3-demo-bucket';
const IMAGE_ID = 'ami-0abcdef1234567890';

interface Replay {
  readonly server: ReplayServer;
  readonly driver: CloudDriver;
  readonly dir: string;
}

/** A replay server playing one scenario, and a driver pointed at it for EC2 (and S3). */
async function replay(t: TestContext, recording: Recording, scenario: string, settings: (url: string) => Record<string, unknown> = () => ({}), secret = EXAMPLE_SECRET): Promise<Replay> {
  const exchanges = recording.scenarios[scenario];
  assert.ok(exchanges, `no scenario ${scenario} in the recording`);
  const server = new ReplayServer(recording.accessKeyId);
  await server.start();
  server.play(exchanges);
  const dir = await mkdtemp(join(tmpdir(), 'skyport-ec2-replay-'));
  const driver = ec2Driver.create({
    providerId: 'prv-replay',
    name: 'aws-replay',
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: recording.accessKeyId, secretAccessKey: secret },
    settings: { maxAttempts: 1, taskPollMs: 5, ...settings(server.url) },
    dataDir: dir,
  });
  t.after(async () => {
    await driver.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { server, driver, dir };
}

/** Every recorded exchange was asked for, and nothing else. */
function assertPlayedOut(server: ReplayServer): void {
  assert.deepEqual(server.problems, [], 'requests the recording does not have');
  assert.deepEqual(server.unplayed.map((e) => e.note), [], 'recorded exchanges never asked for');
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

/** The bucket, and the replay server as the S3 endpoint (path-style, like an S3-compatible store). */
const transfer = (url: string) => ({ bucket: BUCKET, vmImportRole: 'vmimport', s3Endpoint: url });

describe('VM Import/Export through S3 (recorded)', async () => {
  const recording = await loadRecording('vm-import-export.json');

  test('import: the disk is uploaded, imported, followed to the end, named and tagged', async (t) => {
    const { server, driver, dir } = await replay(t, recording, 'import-raw', transfer);
    const path = join(dir, 'disk.raw');
    const content = randomBytes(1024 * 1024);
    await writeFile(path, content);
    const progress: number[] = [];
    const image = await driver.importImage!({
      name: 'imported-disk',
      description: 'conformance import',
      path,
      format: 'raw',
      architecture: 'x86_64',
      os: 'linux',
      tags: { team: 'platform' },
      onProgress: (done, total) => progress.push(done / total),
    });
    assertPlayedOut(server);
    assert.deepEqual(
      { id: image.nativeId, name: image.name, state: image.state, public: image.public, sizeGiB: image.sizeGiB, tags: image.tags, architecture: image.architecture },
      { id: IMAGE_ID, name: 'imported-disk', state: 'available', public: false, sizeGiB: 8, tags: { team: 'platform' }, architecture: 'x86_64' },
    );
    const put = server.served.find((s) => s.method === 'PUT');
    assert.ok(put?.body.equals(content), 'the bytes uploaded to S3 are the disk file');
    assert.ok(progress.length >= 3, `progress was reported ${progress.length} times`);
    assert.deepEqual([...progress].sort((a, b) => a - b), progress, 'progress never goes back');
    assert.equal(progress.at(-1), 1);
    assert.ok(progress.some((p) => p > 0.5 && p < 1), 'the import task\'s own progress is shown after the upload');
  });

  test('import: a disk VM Import rejects is InvalidArgument with its reason, and the upload is removed', async (t) => {
    const { server, driver, dir } = await replay(t, recording, 'import-fails', transfer);
    const path = join(dir, 'disk.raw');
    await writeFile(path, randomBytes(64 * 1024));
    const error = await rejection(driver.importImage!({ name: 'bad-disk', description: 'conformance import', path, format: 'raw', architecture: 'x86_64' }));
    assert.equal(error.code, 'InvalidArgument');
    assert.match(error.message, /ClientError: Unknown OS \/ Missing OS files\./);
    assert.match(error.message, /import-ami-1234567890abcdef0/);
    assertPlayedOut(server);
  });

  test('import: a file that is not what it claims is refused before anything is uploaded', async (t) => {
    const { server, driver, dir } = await replay(t, recording, 'import-raw', transfer);
    const qcow2 = join(dir, 'disk.qcow2');
    await writeFile(qcow2, Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]), Buffer.alloc(1024)]));
    const declaredRaw = await rejection(driver.importImage!({ name: 'x', path: qcow2, format: 'raw', architecture: 'x86_64' }));
    assert.equal(declaredRaw.code, 'InvalidArgument');
    assert.match(declaredRaw.message, /is a qcow2 image, not raw/);
    const qcowFormat = await rejection(driver.importImage!({ name: 'x', path: qcow2, format: 'qcow2', architecture: 'x86_64' }));
    assert.equal(qcowFormat.code, 'InvalidArgument');
    assert.match(qcowFormat.message, /raw, vmdk, vhd or vhdx/);
    const missing = await rejection(driver.importImage!({ name: 'x', path: join(dir, 'missing.vmdk'), format: 'vmdk', architecture: 'x86_64' }));
    assert.equal(missing.code, 'InvalidArgument');
    assert.match(missing.message, /cannot be read \(ENOENT\)/);
    assert.deepEqual(server.served, [], 'nothing was sent');
  });

  test('export: ExportImage to the bucket, followed to the end, downloaded, and the S3 copy removed', async (t) => {
    const { server, driver } = await replay(t, recording, 'export-image', transfer);
    const disk = await driver.exportDisk!('image', IMAGE_ID);
    assertPlayedOut(server);
    assert.equal(disk.format, 'vmdk');
    assert.equal(disk.virtualSizeBytes, 8 * 2 ** 30, 'the image root volume is 8 GiB');
    const bytes = await readFile(disk.path);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'KDMV');
    assert.ok(bytes.includes(Buffer.from('skyport-export-fixture')), 'the downloaded file is the object S3 served');
    await disk.release();
    await disk.release();
    await assert.rejects(stat(disk.path), /ENOENT/, 'release removes the local copy');
  });

  test("export of a stopped instance: through a temporary image, which is removed with its snapshot", async (t) => {
    const { server, driver } = await replay(t, recording, 'export-stopped-instance', transfer);
    const disk = await driver.exportDisk!('instance', 'i-1234567890abcdef0');
    assertPlayedOut(server);
    assert.equal(disk.virtualSizeBytes, 30 * 2 ** 30, "the instance's root volume is 30 GiB");
    assert.ok((await readFile(disk.path)).includes(Buffer.from('skyport-instance-export-fixture')));
    await disk.release();
  });

  test('export of a running instance is InvalidState, and nothing is made', async (t) => {
    const { server, driver } = await replay(t, recording, 'export-running-instance', transfer);
    const error = await rejection(driver.exportDisk!('instance', 'i-1234567890abcdef0'));
    assert.equal(error.code, 'InvalidState');
    assert.match(error.message, /while it is running: stop it first/);
    assertPlayedOut(server);
  });

  test('without a bucket the provider declares no transfer and refuses it by name', async (t) => {
    assert.equal(ec2CapabilitiesFor({}).imageImport, undefined);
    assert.equal(ec2CapabilitiesFor({}).diskExport, undefined);
    assert.deepEqual(ec2CapabilitiesFor({ bucket: BUCKET }).imageImport?.formats, ['raw', 'vmdk', 'vhd', 'vhdx']);
    assert.deepEqual(ec2CapabilitiesFor({ bucket: BUCKET, exportFormat: 'vhd' }).diskExport?.formats, ['vhd']);
    assert.ok(ec2Driver.capabilities.imageImport && ec2Driver.capabilities.diskExport, 'the driver lists what it can do at most');
    const { server, driver, dir } = await replay(t, recording, 'import-raw');
    const error = await rejection(driver.importImage!({ name: 'x', path: join(dir, 'a.raw'), format: 'raw', architecture: 'x86_64' }));
    assert.equal(error.code, 'Unsupported');
    assert.match(error.message, /set the provider setting "bucket"/);
    assert.equal((await rejection(driver.exportDisk!('image', IMAGE_ID))).code, 'Unsupported');
    assert.deepEqual(server.served, [], 'nothing was sent');
  });
});

describe('errors and throttling (recorded)', async () => {
  const recording = await loadRecording('errors-and-throttling.json');

  test('throttling (RequestLimitExceeded) is retried with backoff until EC2 answers', async (t) => {
    const { server, driver } = await replay(t, recording, 'throttled-then-ok', () => ({ maxAttempts: 3 }));
    const started = Date.now();
    const instances = await driver.listInstances();
    assertPlayedOut(server);
    assert.equal(server.served.filter((s) => s.action === 'DescribeInstances').length, 3, 'two throttled attempts, then the answer');
    assert.ok(Date.now() - started >= 100, 'the retries waited (backoff)');
    assert.equal(instances.length, 1);
    const [web] = instances;
    assert.deepEqual(
      { id: web?.nativeId, name: web?.name, state: web?.state, rawState: web?.rawState, type: web?.hardwareProfileId, cpus: web?.cpus, memoryMiB: web?.memoryMiB, diskGiB: web?.diskGiB, zone: web?.locationId, key: web?.keyName, groups: web?.securityGroupIds, tags: web?.tags },
      { id: 'i-1234567890abcdef0', name: 'web-1', state: 'running', rawState: 'running', type: 't3.micro', cpus: 2, memoryMiB: 1024, diskGiB: 30, zone: 'us-east-1a', key: 'my-key-pair', groups: ['sg-1234567890abcdef0'], tags: { env: 'prod' } },
    );
    assert.deepEqual(web?.addresses, [{ kind: 'private', address: '192.0.2.10' }, { kind: 'public', address: '203.0.113.25' }]);
  });

  test('throttling that outlasts the retries is Throttled, retryable, with the provider code and request id', async (t) => {
    const { server, driver } = await replay(t, recording, 'throttled-out', () => ({ maxAttempts: 3 }));
    const error = await rejection(driver.testConnection());
    assertPlayedOut(server);
    assert.equal(error.code, 'Throttled');
    assert.equal(error.retryable, true);
    assert.equal(error.providerCode, 'RequestLimitExceeded');
    assert.equal(error.requestId, 'b2c3d4e5-0003-4f5a-9b0c-1d2e3EXAMPLE');
  });

  test('wrong credentials are Unauthenticated, with a message saying what to check', async (t) => {
    const { server, driver } = await replay(t, recording, 'auth-failure', () => ({}), 'not-the-secret');
    const error = await rejection(driver.testConnection());
    assertPlayedOut(server);
    assert.equal(error.code, 'Unauthenticated');
    assert.equal(error.providerCode, 'AuthFailure');
    assert.equal(error.requestId, 'c3d4e5f6-0001-4a5b-8c9d-0e1f2EXAMPLE');
    assert.match(error.message, /AWS was not able to validate the provided access credentials/);
    assert.match(error.message, /check the provider's credentials accessKeyId and secretAccessKey/);
  });

  test('an unknown instance is NotFound (and getInstance says undefined); a malformed id too', async (t) => {
    const { server, driver } = await replay(t, recording, 'unknown-instance');
    const start = await rejection(driver.startInstance('i-0fffffffffffffff0'));
    assert.equal(start.code, 'NotFound');
    assert.equal(start.providerCode, 'InvalidInstanceID.NotFound');
    assert.equal(start.requestId, 'd4e5f6a7-0001-4b5c-9d0e-1f2a3EXAMPLE');
    assert.match(start.message, /starting instance i-0fffffffffffffff0: InvalidInstanceID.NotFound: The instance ID 'i-0fffffffffffffff0' does not exist/);
    assert.equal(await driver.getInstance('i-0fffffffffffffff0'), undefined);
    const malformed = await rejection(driver.destroyInstance('web-1'));
    assert.equal(malformed.code, 'NotFound');
    assert.equal(malformed.providerCode, 'InvalidInstanceID.Malformed');
    assertPlayedOut(server);
  });

  test('UnauthorizedOperation is Forbidden; IncorrectInstanceState is InvalidState; InvalidParameterValue is InvalidArgument', async (t) => {
    const forbidden = await replay(t, recording, 'forbidden');
    const denied = await rejection(forbidden.driver.destroyInstance('i-1234567890abcdef0'));
    assert.deepEqual([denied.code, denied.providerCode, denied.requestId], ['Forbidden', 'UnauthorizedOperation', 'e5f6a7b8-0001-4c5d-8e9f-0a1b2EXAMPLE']);
    assert.match(denied.message, /IAM policy does not allow this action/);
    assertPlayedOut(forbidden.server);

    const state = await replay(t, recording, 'incorrect-state');
    const refused = await rejection(state.driver.rebootInstance('i-1234567890abcdef0'));
    assert.deepEqual([refused.code, refused.providerCode, refused.retryable], ['InvalidState', 'IncorrectInstanceState', false]);
    assertPlayedOut(state.server);

    const parameter = await replay(t, recording, 'invalid-parameter', () => ({ volumeType: 'io9' }));
    const invalid = await rejection(parameter.driver.createVolume({ name: 'data', sizeGiB: 10 }));
    assert.deepEqual([invalid.code, invalid.providerCode], ['InvalidArgument', 'InvalidParameterValue']);
    assert.match(invalid.message, /Valid values are standard/);
    assertPlayedOut(parameter.server);
  });

  test('InsufficientInstanceCapacity is QuotaExceeded and worth retrying later', async (t) => {
    const { server, driver } = await replay(t, recording, 'capacity');
    const error = await rejection(
      driver.createInstance({ name: 'web-2', imageId: IMAGE_ID, hardwareProfileId: 't3.micro', cpus: 2, memoryMiB: 1024, diskGiB: 8 }),
    );
    assertPlayedOut(server);
    assert.deepEqual([error.code, error.providerCode, error.retryable, error.requestId], ['QuotaExceeded', 'InsufficientInstanceCapacity', true, '1b2c3d4e-0003-4f5a-9b0c-1d2e3EXAMPLE']);
    assert.match(error.message, /sufficient t3.micro capacity/);
  });
});
