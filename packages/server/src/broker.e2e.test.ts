/**
 * The broker as a user meets it: a real server (store, sim clouds, REST API) on loopback,
 * driven through the typed client, once per database dialect.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, paginate, type SkyportClient } from '@skyport/client';
import { SkyportError, type BrokerEvent, type InstanceState, type Operation } from '@skyport/model';
import { createTestStore, testDatabaseUrls, type TestStore } from '@skyport/store/testing';
import { loadConfig, startServer, type RunningServer } from './index.js';

const FAST_SIM = { latencyMs: 1, transitionMs: 150 };
const TUNING = { pollFastMs: 200, pollIdleMs: 1000, operationPollMs: 40, retryBaseDelayMs: 20 };

async function expectError(promise: Promise<unknown>, code: string, status: number, message?: RegExp): Promise<SkyportError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SkyportError, `expected a SkyportError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.details?.['status'], status);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

for (const database of testDatabaseUrls()) {
  describe(`broker end to end on ${database.dialect}`, () => {
    let dataDir: string;
    let testStore: TestStore;
    let server: RunningServer;
    let client: SkyportClient;

    /** Waits for an operation and insists it succeeded (showing its error otherwise). */
    const settle = async (operation: Promise<Operation>): Promise<Operation> => {
      const done = await client.operations.waitFor((await operation).id, { timeoutSeconds: 30 });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      return done;
    };

    const start = async (): Promise<void> => {
      const config = loadConfig({ SKYPORT_DATA_DIR: dataDir, SKYPORT_PORT: '0', SKYPORT_LOG_LEVEL: process.env['E2E_LOG'] ?? 'silent', SKYPORT_DATABASE_URL: testStore.url, SKYPORT_SEED_LOCAL: 'false' });
      server = await startServer(config, { tuning: TUNING });
      client = createClient({ baseUrl: server.url, token: server.adminToken.token! });
    };

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'skyport-e2e-'));
      testStore = await createTestStore(database);
      await start();
      await client.providers.add({ name: 'fast', driver: 'sim', region: 'fast-1', settings: FAST_SIM });
      await client.providers.sync('fast');
    });

    after(async () => {
      await server?.close();
      await testStore?.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    });

    test('first start: two simulated clouds, an admin token in a 0600 file, health without a token', async () => {
      const names = (await client.providers.list()).map((p) => p.name).sort();
      assert.deepEqual(names, ['fast', 'sim-east', 'sim-west']);
      const mode = (await stat(join(dataDir, 'admin-token'))).mode & 0o777;
      assert.equal(mode, 0o600);
      const anonymous = createClient({ baseUrl: server.url, token: '' });
      assert.equal((await anonymous.health()).status, 'ok');
      await expectError(anonymous.providers.list(), 'Unauthenticated', 401, /Bearer/);
      await expectError(createClient({ baseUrl: server.url, token: 'skp_wrong' }).providers.list(), 'Unauthenticated', 401);
      const states = await client.instanceStates();
      assert.ok(states.find((s) => s.state === 'stopping')?.transitional);
    });

    test('providers: bad input is refused by name and nothing is half-created', async () => {
      await expectError(client.providers.add({ name: 'Bad Name', driver: 'sim' }), 'InvalidArgument', 400, /not a valid provider name/);
      await expectError(client.providers.add({ name: 'x1', driver: 'nope' }), 'InvalidArgument', 400, /unknown driver "nope"; available drivers: sim/);
      await expectError(client.providers.add({ name: 'fast', driver: 'sim' }), 'AlreadyExists', 409, /already exists/);
      await expectError(
        client.providers.add({ name: 'locked', driver: 'sim', credentials: { apiKey: 'wrong' }, settings: { ...FAST_SIM, requiredApiKey: 'right' } }),
        'InvalidArgument',
        400,
        /connection test failed/,
      );
      // A provider whose every call fails: 502 with the provider's message.
      const flaky = await expectError(client.providers.add({ name: 'flaky', driver: 'sim', settings: { ...FAST_SIM, faults: { errorRate: 1 } } }), 'ProviderUnavailable', 502);
      assert.match(flaky.message, /flaky was not added/);
      const names = (await client.providers.list()).map((p) => p.name);
      assert.ok(!names.includes('locked') && !names.includes('flaky'));

      const added = await client.providers.add({ name: 'locked', driver: 'sim', credentials: { apiKey: 'right' }, settings: { ...FAST_SIM, requiredApiKey: 'right' } });
      assert.ok(!('credentials' in added) && !JSON.stringify(added).includes('"apiKey"'), 'credentials never come back');
      assert.equal((await client.providers.test('locked')).ok, true);
      const synced = await client.providers.sync('locked');
      assert.ok(synced.lastSyncAt);
      assert.ok((await client.images.list({ provider: ['locked'] })).items.length > 0);
      await client.providers.remove('locked');
      await expectError(client.providers.get('locked'), 'NotFound', 404, /provider locked does not exist/);
      assert.equal((await client.images.list({ provider: ['fast'] })).items.every((i) => i.providerId !== added.id), true);
    });

    test('instances: create with overrides, every state seen on the event stream, actions checked against the state', async () => {
      const seen: InstanceState[] = [];
      let instanceId = '';
      const abort = new AbortController();
      const stream = client.events({ types: ['resource.created', 'resource.updated'] }, (event: BrokerEvent) => {
        if ((event.type === 'resource.created' || event.type === 'resource.updated') && event.id === instanceId) {
          const state = (event.resource as { state: InstanceState }).state;
          if (seen.at(-1) !== state) seen.push(state);
        }
      }, abort.signal);

      const [image] = (await client.images.list({ provider: ['fast'], name: 'debian-12' })).items;
      assert.ok(image);
      const request = { providerId: 'fast', name: 'web-1', imageId: image.id, hardwareProfileId: 'flex', cpus: 4, memoryMiB: 2048, tags: { env: 'e2e' } };
      const op = await client.instances.create(request, { idempotencyKey: 'create-web-1' });
      assert.equal(op.status, 'queued');
      assert.ok(op.targetId?.startsWith('i-'));
      instanceId = op.targetId!;
      // A retried POST with the same key is the same operation; another body is refused.
      assert.equal((await client.instances.create(request, { idempotencyKey: 'create-web-1' })).id, op.id);
      await expectError(client.instances.create({ ...request, cpus: 2 }, { idempotencyKey: 'create-web-1' }), 'IdempotencyMismatch', 422, /different request/);

      const done = await client.operations.waitFor(op.id, { timeoutSeconds: 30 });
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.equal(done.progress, 100);
      const instance = await client.instances.get(instanceId);
      assert.equal(instance.state, 'running');
      assert.equal(instance.rawState, 'ACTIVE');
      assert.deepEqual([instance.cpus, instance.memoryMiB], [4, 2048]);

      await expectError(client.instances.start(instanceId), 'InvalidState', 409, /it is running; start needs it to be stopped or error/);
      const stop = await client.instances.stop(instanceId);
      assert.equal((await client.operations.waitFor(stop.id, { timeoutSeconds: 30 })).status, 'succeeded');
      assert.equal((await client.instances.waitFor(instanceId, ['stopped'], { timeoutSeconds: 10 })).state, 'stopped');
      const stopAgain = await expectError(client.instances.stop(instanceId), 'InvalidState', 409);
      assert.equal(stopAgain.details?.['currentState'], 'stopped');
      await settle(client.instances.start(instanceId));
      await settle(client.instances.reboot(instanceId));
      const console = await client.instances.console(instanceId);
      assert.ok(console.output.length > 0);
      const destroyed = await settle(client.instances.destroy(instanceId));
      assert.equal(destroyed.status, 'succeeded');
      assert.equal((await client.instances.get(instanceId)).state, 'terminated');
      abort.abort();
      await stream;
      // Transitional states are visible, in an order the state machine allows.
      for (const state of ['pending', 'running', 'stopping', 'stopped', 'rebooting', 'shutting-down', 'terminated'] as const) {
        assert.ok(seen.includes(state), `event stream showed ${seen.join(' -> ')}, missing ${state}`);
      }
      const machine = new Map((await client.instanceStates()).map((s) => [s.state, s.next]));
      for (let i = 1; i < seen.length; i++) assert.ok(machine.get(seen[i - 1]!)!.includes(seen[i]!), `${seen[i - 1]} -> ${seen[i]}`);
    });

    test('instances: parallel retries with one idempotency key start one creation', async () => {
      const [image] = (await client.images.list({ provider: ['fast'], name: 'debian-12' })).items;
      const request = { providerId: 'fast', name: 'once', imageId: image!.id, hardwareProfileId: 'small' };
      const ops = await Promise.all(Array.from({ length: 6 }, () => client.instances.create(request, { idempotencyKey: 'parallel-once' })));
      assert.equal(new Set(ops.map((o) => o.id)).size, 1, 'every retry got the same operation');
      await settle(Promise.resolve(ops[0]!));
      await client.providers.sync('fast');
      const named = (await client.instances.list({ provider: ['fast'], name: 'once' })).items;
      assert.equal(named.length, 1, 'exactly one instance was created');
    });

    test('instances: values outside the profile, unknown references and wrong types name the field', async () => {
      const [image] = (await client.images.list({ provider: ['fast'] })).items;
      const base = { providerId: 'fast', name: 'bad', imageId: image!.id, hardwareProfileId: 'flex' };
      await expectError(client.instances.create({ ...base, cpus: 99 }), 'InvalidArgument', 400, /cpus 99 is not allowed by hardware profile flex: it must be 1\.\.16/);
      await expectError(client.instances.create({ ...base, hardwareProfileId: 'huge' }), 'NotFound', 404, /hardwareProfileId/);
      await expectError(client.instances.create({ ...base, imageId: 'ami-00000000000000000' }), 'NotFound', 404, /imageId/);
      await expectError(client.instances.create({ ...base, keyName: 'nobody' }), 'NotFound', 404, /keyName/);
      await expectError(client.instances.create({ ...base, providerId: 'nowhere' }), 'NotFound', 404, /provider nowhere/);
      await expectError(client.instances.get('i-00000000000000000'), 'NotFound', 404, /instance i-00000000000000000 does not exist/);
      const raw = await fetch(`${server.url}/api/v1/instances`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminToken.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...base, cpu: 2 }),
      });
      assert.equal(raw.status, 400);
      const body = (await raw.json()) as { code: string; message: string; requestId: string };
      assert.equal(body.code, 'InvalidArgument');
      assert.match(body.message, /cpu/);
      assert.ok(body.requestId);
      assert.equal((await client.instances.list({ provider: ['fast'], name: 'bad' })).items.length, 0, 'nothing half-created');
    });

    test('key pairs, volumes, snapshots and tags', async () => {
      const created = await client.keyPairs.create({ providerId: 'fast', name: 'ops' });
      assert.match(created.privateKey ?? '', /PRIVATE KEY/);
      await expectError(client.keyPairs.create({ providerId: 'fast', name: 'ops' }), 'AlreadyExists', 409);
      const [image] = (await client.images.list({ provider: ['fast'], name: 'debian-12' })).items;
      const [zone] = (await client.locations.list({ provider: ['fast'] })).items.filter((l) => l.kind === 'zone');
      const op = await client.instances.create({ providerId: 'fast', name: 'db-1', imageId: image!.id, hardwareProfileId: 'small', keyName: 'ops', locationId: zone!.id });
      assert.equal((await client.operations.waitFor(op.id, { timeoutSeconds: 30 })).status, 'succeeded');
      const instance = await client.instances.get(op.targetId!);
      assert.equal(instance.keyName, 'ops');

      const volumeOp = await client.volumes.create({ providerId: 'fast', name: 'data', sizeGiB: 10, locationId: zone!.id }, { idempotencyKey: 'vol-data' });
      assert.equal((await client.operations.waitFor(volumeOp.id, { timeoutSeconds: 30 })).status, 'succeeded');
      const volumeId = volumeOp.targetId!;
      assert.equal((await client.volumes.get(volumeId)).state, 'available');
      await settle(client.volumes.attach(volumeId, instance.id));
      const attached = await client.volumes.get(volumeId);
      assert.equal(attached.state, 'in-use');
      assert.equal(attached.attachment?.instanceId, instance.id);
      await expectError(client.volumes.delete(volumeId), 'InvalidState', 409, /in-use/);

      const snapOp = await client.snapshots.create({ volumeId, name: 'data-snap' });
      const snapDone = await client.operations.waitFor(snapOp.id, { timeoutSeconds: 30 });
      assert.equal(snapDone.status, 'succeeded', JSON.stringify(snapDone.error));
      assert.equal((await client.snapshots.get(snapOp.targetId!)).state, 'completed');

      assert.deepEqual(await client.tags.update('volume', volumeId, { set: { tier: 'gold', owner: 'ops' } }), { tier: 'gold', owner: 'ops' });
      assert.deepEqual(await client.tags.update('volume', volumeId, { remove: ['owner'] }), { tier: 'gold' });
      assert.deepEqual((await client.volumes.list({ tags: { tier: 'gold' } })).items.map((v) => v.id), [volumeId]);
      await expectError(client.tags.update('keyPair', created.keyPair.id, { set: { a: 'b' } }), 'Unsupported', 501, /does not support tags on keyPairs/);

      await settle(client.volumes.detach(volumeId));
      await settle(client.snapshots.delete(snapOp.targetId!));
      await settle(client.volumes.delete(volumeId));
      await expectError(client.volumes.get(volumeId), 'NotFound', 404);
      await client.keyPairs.delete(created.keyPair.id);
      await expectError(client.keyPairs.get(created.keyPair.id), 'NotFound', 404);
    });

    test('security groups: rules checked, an instance in a group, deletion refused while it is in use', async () => {
      const group = await client.securityGroups.create({ providerId: 'fast', name: 'web', description: 'web tier', tags: { env: 'e2e' } });
      assert.match(group.id, /^sg-[0-9a-f]{17}$/);
      assert.deepEqual(group.ingress, []);
      assert.deepEqual(group.tags, { env: 'e2e' });
      await expectError(client.securityGroups.create({ providerId: 'fast', name: 'web', description: 'again' }), 'AlreadyExists', 409, /security group named "web" already exists in provider fast/);
      await expectError(client.securityGroups.create({ providerId: 'fast', name: 'bad name!', description: '' }), 'InvalidArgument', 400, /name "bad name!" is not a valid name/);

      const http = { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' } as const;
      const tls6 = { protocol: 'tcp', fromPort: 443, toPort: 443, cidr: '::/0' } as const;
      const authorized = await client.securityGroups.authorize(group.id, 'ingress', [http, tls6]);
      assert.deepEqual(authorized.ingress, [http, tls6]);
      const reversed = await expectError(
        client.securityGroups.authorize(group.id, 'ingress', [{ protocol: 'udp', fromPort: 90, toPort: 80, cidr: '0.0.0.0/0' }]),
        'InvalidArgument',
        400,
        /^rules\[0\]\.toPort: the port range 90-80 is reversed/,
      );
      assert.equal(reversed.details?.['field'], 'rules[0].toPort');
      await expectError(client.securityGroups.authorize(group.id, 'ingress', [{ ...http, cidr: '300.0.0.0/8' }]), 'InvalidArgument', 400, /^rules\[0\]\.cidr: "300\.0\.0\.0\/8" is not a CIDR block/);
      await expectError(client.securityGroups.authorize(group.id, 'ingress', [{ ...http, toPort: 70000 }]), 'InvalidArgument', 400, /toPort/);
      await expectError(client.securityGroups.authorize(group.id, 'ingress', [http]), 'AlreadyExists', 409, /already allows tcp port 80/);
      assert.deepEqual((await client.securityGroups.get(group.id)).ingress, [http, tls6], 'refused changes changed nothing');
      assert.ok((await client.securityGroups.list({ provider: ['fast'], name: 'default' })).items.length === 1, "the provider's default group is in the inventory");

      const [image] = (await client.images.list({ provider: ['fast'], name: 'debian-12' })).items;
      const base = { providerId: 'fast', imageId: image!.id, hardwareProfileId: 'small' };
      const created = await settle(client.instances.create({ ...base, name: 'web-sg', securityGroupIds: [group.id] }));
      const instance = await client.instances.get(created.targetId!);
      assert.deepEqual(instance.securityGroupIds, [group.id]);
      const inUse = await expectError(client.securityGroups.delete(group.id), 'InvalidState', 409, new RegExp(`instance ${instance.id} \\(web-sg, running\\) still uses it`));
      assert.deepEqual(inUse.details?.['instanceIds'], [instance.id]);
      await expectError(client.instances.create({ ...base, name: 'nowhere', securityGroupIds: ['sg-00000000000000000'] }), 'NotFound', 404, /securityGroupIds\[0\]: security group sg-00000000000000000 does not exist/);
      await client.providers.sync('sim-east');
      const [eastDefault] = (await client.securityGroups.list({ provider: ['sim-east'], name: 'default' })).items;
      assert.ok(eastDefault);
      await expectError(client.instances.create({ ...base, name: 'elsewhere', securityGroupIds: [eastDefault.id] }), 'InvalidArgument', 400, /belongs to another provider/);

      const revoked = await client.securityGroups.revoke(group.id, 'ingress', [http]);
      assert.deepEqual(revoked.ingress, [tls6]);
      await expectError(client.securityGroups.revoke(group.id, 'ingress', [http]), 'NotFound', 404, /has no ingress rule allowing tcp port 80/);
      const dns = { protocol: 'udp', fromPort: 53, toPort: 53, cidr: '10.0.0.0/8' } as const;
      assert.ok((await client.securityGroups.authorize(group.id, 'egress', [dns])).egress.some((r) => r.cidr === dns.cidr));
      assert.deepEqual(await client.tags.update('securityGroup', group.id, { set: { tier: 'front' } }), { env: 'e2e', tier: 'front' });
      assert.deepEqual((await client.securityGroups.list({ tags: { tier: 'front' } })).items.map((g) => g.id), [group.id]);

      await settle(client.instances.destroy(instance.id));
      await client.securityGroups.delete(group.id);
      await expectError(client.securityGroups.get(group.id), 'NotFound', 404, /security group .* does not exist/);
    });

    test('images: an image of a stopped instance becomes available, boots an instance, and is deleted', async () => {
      const [debian] = (await client.images.list({ provider: ['fast'], name: 'debian-12' })).items;
      const base = { providerId: 'fast', imageId: debian!.id, hardwareProfileId: 'small' };
      const source = (await settle(client.instances.create({ ...base, name: 'golden-source' }))).targetId!;
      await expectError(client.images.create({ instanceId: source, name: 'golden-1' }), 'InvalidState', 409, /it is running; provider fast needs it to be stopped/);
      await settle(client.instances.stop(source));

      const request = { instanceId: source, name: 'golden-1', description: 'golden web server', tags: { release: '1' } };
      const op = await client.images.create(request, { idempotencyKey: 'golden-1' });
      assert.equal(op.type, 'image.create');
      assert.match(op.targetId ?? '', /^ami-[0-9a-f]{17}$/);
      assert.equal((await client.images.create(request, { idempotencyKey: 'golden-1' })).id, op.id, 'a retry is the same operation');
      await settle(Promise.resolve(op));
      const golden = await client.images.get(op.targetId!);
      assert.deepEqual([golden.name, golden.state, golden.public, golden.description, golden.sizeGiB], ['golden-1', 'available', false, 'golden web server', 20]);
      assert.deepEqual(golden.tags, { release: '1' });
      await expectError(client.images.create({ instanceId: source, name: 'golden-1' }), 'AlreadyExists', 409, /image named "golden-1" already exists/);

      const child = (await settle(client.instances.create({ ...base, imageId: golden.id, name: 'from-golden' }))).targetId!;
      assert.equal((await client.instances.get(child)).imageId, golden.id);
      await expectError(client.images.delete(debian!.id), 'InvalidArgument', 400, /public image/);
      const deleted = await settle(client.images.delete(golden.id));
      assert.equal(deleted.type, 'image.delete');
      await expectError(client.images.get(golden.id), 'NotFound', 404);
      await client.providers.sync('fast');
      const survivor = await client.instances.get(child);
      assert.equal(survivor.state, 'running', 'an instance made from a deleted image keeps running');
      assert.equal(survivor.imageId, golden.id, 'and still names its image by the broker id');
      await expectError(client.instances.create({ ...base, imageId: golden.id, name: 'too-late' }), 'NotFound', 404, /imageId/);
      await Promise.all([settle(client.instances.destroy(child)), settle(client.instances.destroy(source))]);
    });

    test('lists: filters, field selection and cursor pages over a seeded cloud', async () => {
      await client.providers.add({ name: 'many', driver: 'sim', region: 'many-1', settings: { ...FAST_SIM, seedInstances: 250 } });
      await client.providers.sync('many');
      const all = await paginate(client.instances.list, { provider: ['many'], limit: 100 });
      const ids: string[] = [];
      for await (const instance of all) ids.push(instance.id);
      assert.equal(ids.length, 250);
      assert.equal(new Set(ids).size, 250, 'no duplicates across pages');
      const first = await client.instances.list({ provider: ['many'], limit: 100 });
      assert.equal(first.items.length, 100);
      assert.ok(first.nextCursor);

      const prodRunning = await paginate(client.instances.list, { provider: ['many'], state: ['running'], tags: { env: 'prod' }, limit: 50 });
      let count = 0;
      for await (const instance of prodRunning) {
        assert.equal(instance.state, 'running');
        assert.equal(instance.tags['env'], 'prod');
        count++;
      }
      const counts = await client.instances.counts('many');
      assert.ok(count > 0 && count < counts.running, `${count} prod of ${counts.running} running`);
      assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 250);

      const slim = await client.instances.list({ provider: ['many'], fields: ['name', 'state'], limit: 3 });
      assert.deepEqual(Object.keys(slim.items[0]!).sort(), ['id', 'name', 'state']);
      const byPrefix = await client.instances.list({ provider: ['many'], name: 'sim-00001*', limit: 100 });
      assert.equal(byPrefix.items.length, 10);
      await expectError(client.instances.list({ cursor: 'not-a-cursor' }), 'InvalidArgument', 400, /cursor/);

      // Sorted pages: every instance once, in the order asked, ties broken by id.
      const sortedNames: string[] = [];
      for await (const instance of paginate(client.instances.list, { provider: ['many'], sort: '-name', limit: 40 })) sortedNames.push(instance.name);
      assert.equal(sortedNames.length, 250);
      assert.deepEqual(sortedNames, [...sortedNames].sort().reverse());
      const byState = await client.instances.list({ provider: ['many'], sort: 'state', limit: 100, fields: ['state'] });
      const states = byState.items.map((i) => i.state!);
      assert.deepEqual(states, [...states].sort());
      await expectError(client.instances.list({ sort: 'name', cursor: first.nextCursor! }), 'InvalidArgument', 400, /cursor .* is not valid/);
      await expectError(client.instances.list({ sort: 'size' }), 'InvalidArgument', 400, /query\/sort "size" is not a sort of this list; allowed: id, -id, name, -name, provider, -provider, state, -state/);
      await expectError(client.keyPairs.list({ sort: '-state' }), 'InvalidArgument', 400, /allowed: id, -id, name, -name, provider, -provider$/);
    });

    test('a restarted broker still has everything', async () => {
      const [image] = (await client.images.list({ provider: ['fast'], name: 'debian-12' })).items;
      const op = await settle(client.instances.create({ providerId: 'fast', name: 'survivor', imageId: image!.id, hardwareProfileId: 'small' }));
      const providersBefore = (await client.providers.list()).map((p) => p.id).sort();
      await server.close();
      await start();
      assert.deepEqual((await client.providers.list()).map((p) => p.id).sort(), providersBefore);
      const instance = await client.instances.get(op.targetId!);
      assert.equal(instance.name, 'survivor');
      assert.equal((await client.instances.waitFor(instance.id, ['running'], { timeoutSeconds: 10 })).state, 'running');
      assert.equal((await client.operations.get(op.id)).status, 'succeeded');
      assert.equal(server.adminToken.createdNow, false);
      // The cloud itself kept the instance too: a stop works after the restart.
      await settle(client.instances.stop(instance.id));
    });
  });
}
