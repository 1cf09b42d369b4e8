#!/usr/bin/env node
// `npm test`: install what the suite needs (npm packages; Debian packages when root), build,
// then run every test file with Node's test runner against real components.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';
import { build, buildPortal, ensureDependencies, root, run } from './lib.mjs';
import { ensurePostgres } from './postgres.mjs';

/** Debian packages the suite uses, by the command that shows they are there. */
const DEBIAN_PACKAGES = [
  { pkg: 'qemu-utils', command: 'qemu-img' },
  // The qemu driver: real VMs (TCG), NoCloud seed ISOs, and the skyport-tiny guest's ext4 disk.
  { pkg: 'qemu-system-x86', command: 'qemu-system-x86_64' },
  { pkg: 'genisoimage', command: 'genisoimage' },
  { pkg: 'e2fsprogs', command: '/sbin/mkfs.ext4' },
  // GRUB's BIOS files, so skyport-tiny's disk also boots by itself (exported and imported again).
  { pkg: 'grub-pc-bin', command: '/usr/lib/grub/i386-pc/boot.img' },
  // Real EC2 clients for the EC2 API's tests, by full path: another `aws` may come first on PATH.
  { pkg: 'awscli', command: '/usr/bin/aws' },
  // A library, not a command: `command -v` accepts the path of its package file.
  { pkg: 'python3-boto3', command: '/usr/lib/python3/dist-packages/boto3/__init__.py' },
  // The libvirt driver: a private libvirtd (session mode) with its QEMU driver, virsh, and
  // ssh-keygen for the key pairs it generates.
  { pkg: 'libvirt-daemon', command: '/usr/sbin/libvirtd' },
  { pkg: 'libvirt-daemon-driver-qemu', command: '/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so' },
  { pkg: 'libvirt-clients', command: 'virsh' },
  { pkg: 'openssh-client', command: 'ssh-keygen' },
  // The openstack driver's tests run the real `openstack` CLI against the replayed API reference.
  { pkg: 'python3-openstackclient', command: '/usr/bin/openstack' },
  // The proxmox driver's tests run Debian's proxmoxer (Python) against the replayed API over https
  // with a certificate openssl makes for the test.
  { pkg: 'python3-proxmoxer', command: '/usr/lib/python3/dist-packages/proxmoxer/__init__.py' },
  // Only recommended by python3-proxmoxer, but its https backend needs it.
  { pkg: 'python3-requests', command: '/usr/lib/python3/dist-packages/requests/__init__.py' },
  { pkg: 'openssl', command: 'openssl' },
  // The portal's end-to-end tests drive Debian's Chromium with playwright-core.
  { pkg: 'chromium', command: 'chromium' },
  // VMware's vCenter simulator, built from govmomi's simulator library by the vsphere driver's tests.
  { pkg: 'golang-go', command: 'go' },
  { pkg: 'golang-github-vmware-govmomi-dev', command: '/usr/share/gocode/src/github.com/vmware/govmomi/simulator/simulator.go' },
];

let aptUpdated = false;
function installPackages(packages) {
  if (packages.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`the tests need Debian packages ${packages.join(' ')}; install them as root: apt-get install -y ${packages.join(' ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    run('apt-get', ['update', '-qq'], { env });
    aptUpdated = true;
  }
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
}

function missingDebianPackages() {
  return DEBIAN_PACKAGES.filter(({ command }) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0).map(({ pkg }) => pkg);
}

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (entry.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

/** The skyport-tiny guest is built from Debian packages with `apt-get download`: apt must know them. */
function ensureAptKnowsGuestPackages() {
  if (spawnSync('apt-cache', ['show', 'linux-image-cloud-amd64', 'busybox-static'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error('apt knows no linux-image-cloud-amd64 (the qemu tests build their guest from it); run as root: apt-get update');
  if (!aptUpdated) run('apt-get', ['update', '-qq'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  aptUpdated = true;
}

ensureDependencies();
installPackages(missingDebianPackages());
ensureAptKnowsGuestPackages();
process.env.SKYPORT_TEST_POSTGRES_URL = ensurePostgres(installPackages);
build();
// The libvirt driver's tests boot the skyport-tiny guest from the host's cache, which the qemu
// driver's builder fills; build it (or find it cached) before any test file starts.
run(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', "const q = await import('@skyport/driver-qemu'); await q.ensureGuestArtifacts(q.defaultCacheDir());"]);
// Tests and benchmarks are type-checked too (the build covers only shipped sources), then linted.
process.stdout.write('Type-checking tests and linting...\n');
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.check.json']);
// The portal's browser code has its own settings (DOM, JSX); its e2e tests load the built bundle.
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'apps/portal/tsconfig.json']);
buildPortal();
run(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']);

const filter = process.argv.slice(2);
const files = [...findTests(join(root, 'packages')), ...findTests(join(root, 'apps')), ...findTests(join(root, 'bench'))]
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
process.stdout.write(`Running ${files.length} test files against PostgreSQL at ${process.env.SKYPORT_TEST_POSTGRES_URL}\n`);
const status = run(process.execPath, ['--conditions=source', '--import', 'tsx', '--test', `--test-concurrency=${Math.max(2, availableParallelism())}`, ...files], {
  allowFailure: true,
});
process.exit(status);
