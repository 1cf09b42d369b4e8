/**
 * The driver's pure parts and small host pieces: settings, the QEMU command line, exit
 * classification, the seed's meta-data, the accelerator choice (a real KVM probe boot), and the
 * guest's cloud-config translator run by the guest's own busybox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chooseAccelerator } from './accelerator-probe.js';
import { classifyExit, classifyVanished } from './exit-reason.js';
import { ensureGuestArtifacts, GUEST_SOURCE_DIR } from './guest-build.js';
import { deviceForSlot, qemuArgs, slotForDevice, type VmSpec } from './qemu-command.js';
import { DEFAULT_QEMU_SETTINGS, parseQemuSettings } from './qemu-settings.js';
import { metaData } from './seed-iso.js';
import { tempDir } from './test-support.js';

test('settings: defaults, and a typo or a wrong type is refused naming the setting', async () => {
  assert.deepEqual(parseQemuSettings({}), DEFAULT_QEMU_SETTINGS);
  assert.equal(parseQemuSettings({ accelerator: 'kvm', stopTimeoutMs: 0, network: 'nat' }).network, 'nat');
  assert.throws(() => parseQemuSettings({ acelerator: 'kvm' }), /qemu setting acelerator = "kvm" is invalid: it must be one of the known settings \(accelerator, /);
  assert.throws(() => parseQemuSettings({ accelerator: 'hvf' }), /accelerator = "hvf" is invalid: it must be one of auto, tcg, kvm/);
  assert.throws(() => parseQemuSettings({ stopTimeoutMs: -1 }), /stopTimeoutMs = -1 is invalid/);
  assert.throws(() => parseQemuSettings({ guestImage: 'yes' }), /guestImage = "yes" is invalid: it must be true or false/);
});

const SPEC: VmSpec = {
  id: 'vm-0123456789',
  accelerator: 'tcg',
  cpus: 2,
  memoryMiB: 256,
  boot: { kernel: '/img/vmlinuz', initrd: '/img/initrd.img', append: 'quiet' },
  rootDisk: '/data/instances/vm-0123456789/root.qcow2',
  seedIso: '/data/instances/vm-0123456789/seed.iso',
  volumes: [
    { id: 'disk-b', path: '/data/volumes/disk-b.qcow2', slot: 7 },
    { id: 'disk-a', path: '/data/volumes/disk-a.qcow2', slot: 6 },
  ],
  consoleLog: '/data/odd,name/console.log',
  qmpSocket: '/data/qmp.sock',
  mac: '52:54:00:12:34:56',
  ports: { http: 40080, ssh: 40022 },
  network: 'restricted',
};

test('the QEMU command line: fixed PCI slots, JSON blockdevs, escaped option values, loopback-only forwards', () => {
  const args = qemuArgs(SPEC);
  const after = (flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
  assert.deepEqual(after('-accel'), ['tcg']);
  assert.deepEqual(after('-sandbox'), ['on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny']);
  assert.ok(!args.includes('-cpu'), 'TCG keeps the default CPU model');
  assert.deepEqual(after('-append'), ['console=ttyS0 quiet']);
  assert.ok(after('-chardev').includes('file,id=console,path=/data/odd,,name/console.log,append=on'), 'a comma in a path is doubled');
  assert.deepEqual(
    after('-device'),
    [
      'virtio-blk-pci,drive=root,addr=0x4',
      'virtio-blk-pci,drive=seed,serial=cidata,addr=0x5',
      'virtio-blk-pci,drive=node-disk-a,id=dev-disk-a,serial=disk-a,addr=0x6',
      'virtio-blk-pci,drive=node-disk-b,id=dev-disk-b,serial=disk-b,addr=0x7',
      'virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56,addr=0x3',
    ],
  );
  assert.deepEqual(JSON.parse(after('-blockdev')[0]!), { driver: 'qcow2', 'node-name': 'root', file: { driver: 'file', filename: SPEC.rootDisk } });
  assert.deepEqual(after('-netdev'), ['user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:40080-:80,hostfwd=tcp:127.0.0.1:40022-:22']);
  const firmware = qemuArgs({ ...SPEC, accelerator: 'kvm', boot: undefined, network: 'nat', volumes: [] });
  assert.ok(firmware.includes('virtio-blk-pci,drive=root,addr=0x4,bootindex=0'), 'without a kernel the firmware boots the root disk');
  assert.ok(!firmware.includes('-kernel'));
  assert.deepEqual(firmware.slice(firmware.indexOf('-cpu'), firmware.indexOf('-cpu') + 2), ['-cpu', 'host']);
  assert.ok(firmware.some((a) => a.startsWith('user,id=net0,restrict=off,')));
  assert.equal(deviceForSlot(6), '/dev/vdc');
  assert.equal(slotForDevice('/dev/vdc'), 6);
  assert.equal(slotForDevice('/dev/vdb'), undefined, 'vdb is the seed');
  assert.equal(slotForDevice('/dev/sdc'), undefined);
});

test('exits are explained: guest power-off is a stop, kills and crashes are errors with the console line', () => {
  const console = 'SKYPORT-BOOTED instance=vm-1\nlast words\n';
  assert.deepEqual(classifyExit({ code: 0, signal: null, known: true, shutdownReason: 'guest-shutdown' }, console, ''), { state: 'shutoff', reason: 'the guest powered itself off; last console line: "last words"' });
  assert.equal(classifyExit({ code: null, signal: 'SIGKILL', known: true }, console, '').reason, 'QEMU was killed by SIGKILL; last console line: "last words"');
  assert.equal(classifyExit({ code: 1, signal: null, known: true }, '', 'qemu: could not open disk\n').reason, 'QEMU exited with code 1: qemu: could not open disk; the console is empty');
  assert.equal(classifyExit({ code: 0, signal: null, known: true, shutdownReason: 'host-signal' }, '', '').state, 'shutoff');
  assert.equal(classifyVanished(42, false, 'x\n[ 3.1] reboot: Power down\n').state, 'shutoff');
  assert.match(classifyVanished(42, false, 'booting\n').reason, /^QEMU \(pid 42\) is no longer running/);
});

test('meta-data carries instance id, hostname and keys as NoCloud expects', () => {
  assert.equal(
    metaData({ instanceId: 'vm-1', hostname: 'web', publicKeys: ['ssh-ed25519 AAAA a@b\n'] }),
    'instance-id: vm-1\nlocal-hostname: web\npublic-keys:\n  - ssh-ed25519 AAAA a@b\n',
  );
  assert.equal(metaData({ instanceId: 'vm-1', hostname: 'web', publicKeys: [] }), 'instance-id: vm-1\nlocal-hostname: web\n');
});

test('accelerator: tcg and kvm when configured; auto probes a real boot once and caches the verdict', async (t) => {
  assert.deepEqual(await chooseAccelerator('tcg', { qemuSystem: 'qemu-system-x86_64', cacheDir: '/nonexistent', timeoutMs: 1000 }), { accelerator: 'tcg', reason: 'configured (accelerator: tcg)' });
  assert.equal((await chooseAccelerator('kvm', { qemuSystem: 'qemu-system-x86_64', cacheDir: '/nonexistent', timeoutMs: 1000 })).accelerator, 'kvm');
  const noDevice = await chooseAccelerator('auto', { qemuSystem: 'qemu-system-x86_64', cacheDir: '/nonexistent', timeoutMs: 1000, kvmDevice: '/dev/no-kvm-here' });
  assert.deepEqual(noDevice, { accelerator: 'tcg', reason: '/dev/no-kvm-here does not exist' });
  const guest = await ensureGuestArtifacts(DEFAULT_QEMU_SETTINGS.cacheDir);
  const cacheDir = await tempDir(t);
  const started = Date.now();
  const first = await chooseAccelerator('auto', { qemuSystem: 'qemu-system-x86_64', cacheDir, timeoutMs: 3000, guest });
  const probeMs = Date.now() - started;
  t.diagnostic(`KVM probe on this host: ${first.accelerator} (${first.reason}) in ${probeMs} ms`);
  assert.ok(probeMs < 10_000, 'the probe is bounded by its timeout');
  assert.ok(await readdir(cacheDir).then((f) => f.includes('kvm-probe.json')));
  const again = Date.now();
  assert.deepEqual(await chooseAccelerator('auto', { qemuSystem: 'qemu-system-x86_64', cacheDir, timeoutMs: 3000, guest }), first);
  assert.ok(Date.now() - again < 1000, 'the verdict is cached');
});

test("the guest's cloud-config translator (run by the guest's own busybox awk)", async (t) => {
  const debs = join(DEFAULT_QEMU_SETTINGS.cacheDir, 'guest', 'debs');
  await ensureGuestArtifacts(DEFAULT_QEMU_SETTINGS.cacheDir);
  const deb = (await readdir(debs)).find((f) => f.startsWith('busybox-static_'));
  assert.ok(deb, 'the guest build keeps busybox-static in its deb cache');
  const dir = await tempDir(t);
  execFileSync('dpkg-deb', ['-x', join(debs, deb), join(dir, 'bb')]);
  const busybox = join(dir, 'bb', 'bin', 'busybox');
  const root = join(dir, 'root');
  const userData = `#cloud-config
hostname: ignored-in-this-test
write_files:
  - path: ${root}/a.txt
    content: |
      line one
      it's line two
    permissions: '0600'
  - content: "tab\\there\\n"
    path: ${root}/escaped
  - path: ${root}/sub/dir/b64
    encoding: b64
    content: aGVsbG8K
  - path: ${root}/plain
    content: just one line
  - path: ${root}/plain
    append: true
    content: " and more"
packages: [nginx]
runcmd:
  - echo runs > ${root}/ran
  - [ touch, "${root}/it's here" ]
`;
  await writeFile(join(dir, 'user-data'), userData);
  const script = execFileSync(busybox, ['awk', '-f', join(GUEST_SOURCE_DIR, 'rootfs/usr/lib/skyport/cloud-config.awk'), join(dir, 'user-data')], { encoding: 'utf8' });
  assert.match(script, /^hostname 'ignored-in-this-test'/);
  const output = execFileSync(busybox, ['sh', '-c', script.replace(/^hostname .*$/m, '')], { encoding: 'utf8' });
  assert.match(output, /skyport: cloud-config key packages is not supported by skyport-tiny; ignored/);
  const read = (name: string): string => execFileSync(busybox, ['cat', join(root, name)], { encoding: 'utf8' });
  assert.equal(read('a.txt'), "line one\nit's line two\n");
  assert.equal(read('escaped'), 'tab\there\n');
  assert.equal(read('sub/dir/b64'), 'hello\n');
  assert.equal(read('plain'), 'just one line and more');
  assert.equal(read('ran'), 'runs\n');
  assert.equal(read("it's here"), '');
  assert.equal(execFileSync(busybox, ['stat', '-c', '%a', join(root, 'a.txt')], { encoding: 'utf8' }).trim(), '600');
});
