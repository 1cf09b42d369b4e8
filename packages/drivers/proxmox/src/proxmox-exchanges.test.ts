/**
 * What the conformance suite does not look at: ticket login with the CSRF token on writes and
 * its renewal after a 401, API tokens, Proxmox errors (status line and body) mapped to
 * SkyportErrors, settings refused with a reason, and the requests behind a create with a key.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DriverConfig } from '@skyport/core';
import { SkyportError } from '@skyport/model';
import { proxmoxDriver, type ProxmoxCloudDriver } from './index.js';
import { fingerprint, generateKeyPair, parsePublicKey } from '@skyport/ssh-keys';
import { bootDisk, parseSize, readNotes, writeNotes } from './pve-records.js';
import { PveReplay, REPLAY_TOKEN, REPLAY_USER } from './replay/pve-replay.js';

describe('proxmox driver against the replayed cluster', () => {
  let replay: PveReplay;
  let dataDir: string;
  const config = (overrides: Partial<DriverConfig> = {}): DriverConfig => ({
    providerId: 'prv-proxmox',
    name: 'pve-lab',
    endpoint: replay.url,
    credentials: { username: REPLAY_USER.username, password: REPLAY_USER.password },
    settings: { taskPollMs: 5 },
    dataDir,
    ...overrides,
  });

  before(async () => {
    replay = await PveReplay.start({ taskMs: 15 });
    dataDir = await mkdtemp(join(tmpdir(), 'skyport-proxmox-test-'));
  });
  after(async () => {
    await replay.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('logs in with a ticket once, sends the CSRF token on writes, and logs in again after a 401', async () => {
    const driver = proxmoxDriver.create(config()) as ProxmoxCloudDriver;
    try {
      await driver.testConnection();
      const image = (await driver.listImages())[0];
      assert.ok(image);
      await driver.updateTags('image', image.nativeId, { set: { checked: 'yes' } });
      assert.equal(driver.client.logins, 1);
      replay.expireTickets();
      await driver.updateTags('image', image.nativeId, { remove: ['checked'] });
      assert.equal(driver.client.logins, 2, 'an expired ticket is replaced once');
      assert.deepEqual((await driver.listImages())[0]?.tags, { os: 'debian' });
      assert.equal(replay.used.get('error.unauthorized'), 1);
      assert.equal(replay.used.get('error.csrf'), undefined, 'every write carried the CSRF token');
    } finally {
      await driver.close();
    }
  });

  it('a wrong password or token is Unauthenticated with the HTTP status', async () => {
    const attempts: Record<string, string>[] = [{ username: 'root@pam', password: 'wrong' }, { tokenId: REPLAY_TOKEN.tokenId, tokenSecret: 'not-the-secret' }];
    for (const credentials of attempts) {
      const driver = proxmoxDriver.create(config({ credentials }));
      try {
        await assert.rejects(driver.testConnection(), (error: unknown) => {
          assert.ok(error instanceof SkyportError);
          assert.equal(error.code, 'Unauthenticated');
          assert.equal(error.providerCode, '401');
          assert.match(error.message, /authentication failure/);
          return true;
        });
      } finally {
        await driver.close();
      }
    }
  });

  it('settings and credentials are checked when the provider is added', () => {
    const refused = (overrides: Partial<DriverConfig>, pattern: RegExp) =>
      assert.throws(() => proxmoxDriver.create(config(overrides)), (error: unknown) => error instanceof SkyportError && error.code === 'InvalidArgument' && pattern.test(error.message));
    refused({ endpoint: undefined }, /needs an endpoint/);
    refused({ credentials: { username: 'root', password: 'x' } }, /USER@REALM/);
    refused({ credentials: { tokenId: 'skyport@pve', tokenSecret: 'x' } }, /USER@REALM!TOKENID/);
    refused({ settings: { bridge: 'not a bridge' } }, /setting bridge must be a bridge name/);
    refused({ settings: { color: 'red' } }, /unknown setting color/);
  });

  it('a create with a key clones the template fully, writes URL-encoded sshkeys and starts the VM', async () => {
    const driver = proxmoxDriver.create(config({ credentials: { tokenId: REPLAY_TOKEN.tokenId, tokenSecret: REPLAY_TOKEN.secret } }));
    try {
      const key = await driver.createKeyPair('ops-key');
      assert.match(key.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
      assert.match(key.keyPair.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
      const start = replay.log.length;
      const created = await driver.createInstance({ name: 'web-1', imageId: '9000', hardwareProfileId: 'pve-vm', cpus: 2, memoryMiB: 2048, diskGiB: 8, keyName: 'ops-key', tags: { team: 'ops' } });
      assert.equal(created.state, 'pending');
      assert.deepEqual([created.cpus, created.memoryMiB, created.diskGiB, created.locationId, created.keyName], [2, 2048, 8, 'pve1', 'ops-key']);
      const calls = replay.log.slice(start);
      assert.ok(calls.includes('POST /nodes/pve1/qemu/9000/clone'), 'the clone runs on the template node');
      assert.ok(calls.includes('PUT /nodes/pve1/qemu/100/resize') && calls.includes('POST /nodes/pve1/qemu/100/status/start'), 'then the VM is resized and started');
      const vm = replay.vms().find((v) => v.vmid === Number(created.nativeId));
      assert.equal(decodeURIComponent(String(vm?.config['sshkeys'])), `${key.keyPair.publicKey}\n`);
      assert.match(String(vm?.config['scsi0']), /^local-lvm:vm-100-disk-0,size=8G$/);
      assert.deepEqual(readNotes(vm?.config['description']).block.tags, { team: 'ops' });
      await assert.rejects(driver.startInstance(created.nativeId), (error: unknown) => error instanceof SkyportError && error.code === 'InvalidState' && /is pending; start needs it stopped/.test(error.message));
      await driver.destroyInstance(created.nativeId);
      // Another node only works from shared storage; the template's disk is on local-lvm.
      await assert.rejects(driver.createInstance({ name: 'web-2', imageId: '9000', hardwareProfileId: 'pve-vm', cpus: 1, memoryMiB: 1024, diskGiB: 10, locationId: 'pve2' }), (error: unknown) =>
        error instanceof SkyportError && /can't clone VM to node 'pve2' \(VM uses local storage\)/.test(error.message),
      );
      assert.equal(replay.vms().some((vm) => vm.config['name'] === 'web-2'), false, 'a refused clone leaves nothing');
    } finally {
      await driver.close();
    }
  });

  it('Proxmox errors become SkyportErrors: 500 "does not exist", 400 parameter checks', async () => {
    const driver = proxmoxDriver.create(config()) as ProxmoxCloudDriver;
    try {
      await assert.rejects(driver.client.get('/nodes/pve1/qemu/4242/config'), (error: unknown) =>
        error instanceof SkyportError && error.code === 'NotFound' && error.providerCode === '500' && /Configuration file 'nodes\/pve1\/qemu-server\/4242.conf' does not exist/.test(error.message),
      );
      await assert.rejects(driver.client.put('/nodes/pve1/qemu/9000/config', { memory: 'lots' }), (error: unknown) => error instanceof SkyportError && error.code === 'InvalidArgument' && error.providerCode === '400');
      await assert.rejects(driver.createInstance({ name: 'bad_name!', imageId: '9000', hardwareProfileId: 'pve-vm', cpus: 1, memoryMiB: 1024, diskGiB: 10 }), (error: unknown) => error instanceof SkyportError && error.code === 'InvalidArgument' && /DNS name/.test(error.message));
      await assert.rejects(driver.createInstance({ name: 'small', imageId: '9000', hardwareProfileId: 'pve-vm', cpus: 1, memoryMiB: 1024, diskGiB: 1 }), (error: unknown) => error instanceof SkyportError && /smaller than image 9000's disk \(2 GiB\)/.test(error.message));
    } finally {
      await driver.close();
    }
    assert.deepEqual(replay.violations, []);
  });
});

describe('proxmox records', () => {
  it('reads disk sizes and the boot disk', () => {
    assert.equal(parseSize('32G'), 32 * 1024 ** 3);
    assert.equal(parseSize('512M'), 512 * 1024 ** 2);
    assert.deepEqual(bootDisk({ boot: 'order=virtio0;net0', ide2: 'local-lvm:vm-1-cloudinit,media=cdrom', virtio0: 'ceph:vm-1-disk-0,size=20G', scsi1: 'ceph:vm-1-disk-1,size=1T' }), { key: 'virtio0', volume: 'ceph:vm-1-disk-0', bytes: 20 * 1024 ** 3 });
  });

  it('keeps the notes a user wrote beside the hidden block', () => {
    const notes = writeNotes('Web server -- do not stop', { image: '9000', tags: { 'a--b': 'x-->y' } });
    assert.ok(!notes.slice(notes.indexOf('<!--') + 4, notes.lastIndexOf('-->')).includes('--'), 'no -- inside the comment');
    assert.deepEqual(readNotes(notes), { text: 'Web server -- do not stop', block: { image: '9000', tags: { 'a--b': 'x-->y' } } });
  });

  it('refuses malformed public keys; generated keys read back and fingerprint as ssh-keygen does', async () => {
    assert.throws(() => parsePublicKey('ssh-ed25519 not-base64!!'), /not base64/);
    assert.throws(() => parsePublicKey('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIA=='), /truncated/);
    const dir = await mkdtemp(join(tmpdir(), 'skyport-proxmox-keys-'));
    try {
      const { privateKey, publicKey } = generateKeyPair('broker@test');
      await writeFile(join(dir, 'id'), privateKey, { mode: 0o600 });
      await writeFile(join(dir, 'id.pub'), `${publicKey}\n`);
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')], { encoding: 'utf8' }).trim();
      assert.equal(derived.split(' ').slice(0, 2).join(' '), publicKey.split(' ').slice(0, 2).join(' '), 'ssh-keygen derives the same public key from the private one');
      const listed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'id.pub')], { encoding: 'utf8' });
      assert.equal(listed.split(' ')[1], fingerprint(parsePublicKey(publicKey).blob));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
