/**
 * VMware ovftool's own descriptor suite (../shared/corpus/ovftool-xmltestfiles): every Pos
 * descriptor accepted, every Neg one rejected with a specific finding, LaxMode (VirtualBox
 * exports) rejected for vSphere unless lax. Validation targets vSphere, as ovftool does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, generateKeyPairSync, createSign } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { memoryPackage, validateOvf, validatePackage } from './index.js';

const suite = fileURLToPath(new URL('../../../../shared/corpus/ovftool-xmltestfiles/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ovf') ? [path] : [];
  });
}

const all = walk(suite).map((path) => relative(suite, path)).sort();
const read = (name: string): string => readFileSync(join(suite, name), 'utf8');

/**
 * Pos files byte-identical to a Neg file: one descriptor cannot be both. Their VirtualSystem
 * has no <Info>, which the schema requires and which the Neg twins (and content_withnoinfo,
 * no_version_num) are rejected for, so Skyport sides with the Neg reading.
 */
const TWIN_OF_NEG: Readonly<Record<string, string>> = {
  'Envelope/Pos/bare_minimal.ovf': 'Envelope/Neg/bare_minimal.ovf',
  'Envelope_1_0/Pos/bare_minimal.ovf': 'Envelope_1_0/Neg/bare_minimal.ovf',
  'HttpLocators/Pos/bare_minimal_http.ovf': 'HttpLocators/Neg/bare_minimal_http.ovf',
  'HttpLocators_1_0/Pos/bare_minimal_http.ovf': 'HttpLocators_1_0/Neg/bare_minimal_http.ovf',
};

/** A sparse VMDK header with an embedded descriptor, the way the suite's disks begin. */
function vmdk(descriptor: string, capacityBytes = 8 * 1024 ** 3): Uint8Array {
  const head = Buffer.alloc(512 * 22);
  head.writeUInt32LE(0x564d444b, 0);
  head.writeUInt32LE(1, 4);
  head.writeUInt32LE(3, 8);
  head.writeBigUInt64LE(BigInt(capacityBytes / 512), 12);
  head.writeBigUInt64LE(128n, 20);
  head.writeBigUInt64LE(1n, 28);
  head.writeBigUInt64LE(20n, 36);
  head.write(descriptor, 512, 'latin1');
  return head;
}
const goodVmdk = (capacity?: number): Uint8Array => vmdk('# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicSparse"\nRW 16777216 SPARSE "x.vmdk"\n', capacity);

/**
 * Neg files whose defect is in the package, not the descriptor (the corpus ships no disks):
 * validated with the package files their names and the suite's other descriptors describe.
 */
const PACKAGE_NEGATIVES: Readonly<Record<string, { readonly files: Record<string, Uint8Array>; readonly code: string; readonly why: string }>> = {};
const dummy = { '../../../vmdk/dummy.vmdk': new Uint8Array() };
for (const dir of ['Envelope', 'Envelope_1_0']) {
  Object.assign(PACKAGE_NEGATIVES, {
    [`${dir}/Neg/invalid_vmdk.ovf`]: { files: dummy, code: 'package.disk-format', why: 'dummy.vmdk is an empty file, not a VMDK' },
    [`${dir}/Neg/invalid_ref_size_neg.ovf`]: { files: dummy, code: 'package.disk-format', why: 'dummy.vmdk is an empty file, not a VMDK' },
  });
}
Object.assign(PACKAGE_NEGATIVES, {
  'Envelope_1_0/Neg/invalid_no_version.ovf': { files: dummy, code: 'package.size-mismatch', why: 'dummy.vmdk is empty, the descriptor says 236243728 bytes' },
  'Envelope_1_0/Neg/invalid_ref_size_null.ovf': { files: dummy, code: 'package.disk-format', why: 'dummy.vmdk is an empty file, not a VMDK' },
  'Envelope/Neg/invalid_ref_size_null.ovf': { files: dummy, code: 'package.disk-format', why: 'dummy.vmdk is an empty file, not a VMDK' },
  'Envelope/Neg/identity_compression.ovf': { files: { '../../../vmdk/valid_disk.vmdk': goodVmdk() }, code: 'package.size-mismatch', why: 'only prefixes differ from the Pos file: the disk differs from ovf:size' },
  'Envelope/Neg/gzip_compression.ovf': { files: { '../../../vmdk/valid_disk.vmdk.gz': goodVmdk() }, code: 'package.not-gzip', why: 'the file is marked gzip but is a plain VMDK' },
  'VirtualHardware/Neg/empty_system.ovf': { files: { '../../../vmdk/valid_disk.vmdk': goodVmdk() }, code: 'package.capacity', why: 'the disk holds 8 GiB, the descriptor declares 329197568 bytes' },
  'DiskSection/Neg/invalid_createType_disk.ovf': { files: { '../../../vmdk/invalid_createType_disk.vmdk': vmdk('# Disk DescriptorFile\ncreateType="notAType"\n') }, code: 'package.vmdk-create-type', why: 'the VMDK has an unknown createType' },
  'DiskSection_1_0/Neg/invalid_createType_disk.ovf': { files: { '../../../vmdk/invalid_createType_disk.vmdk': vmdk('# Disk DescriptorFile\ncreateType="notAType"\n') }, code: 'package.vmdk-create-type', why: 'the VMDK has an unknown createType' },
  'DiskSection/Neg/invalid_delta_reference_disk.ovf': { files: { '../../../vmdk/invalid_delta_reference_disk.vmdk': vmdk('# Disk DescriptorFile\nparentCID=1234abcd\nparentFileNameHint="base.vmdk"\ncreateType="monolithicSparse"\n') }, code: 'package.vmdk-delta', why: 'the VMDK is a delta of an undeclared parent' },
  'DiskSection_1_0/Neg/invalid_delta_reference_disk.ovf': { files: { '../../../vmdk/invalid_delta_reference_disk.vmdk': vmdk('# Disk DescriptorFile\nparentCID=1234abcd\nparentFileNameHint="base.vmdk"\ncreateType="monolithicSparse"\n') }, code: 'package.vmdk-delta', why: 'the VMDK is a delta of an undeclared parent' },
  'HttpLocators/Neg/valid_no_disk.ovf': { files: {}, code: 'package.file-missing', why: 'valid_no_disk.vmdk is not there' },
  'HttpLocators/Neg/valid_no_disk_in_server.ovf': { files: {}, code: 'package.file-missing', why: 'unavailable.vmdk is not there' },
  'HttpLocators_1_0/Neg/valid_no_disk_in_server.ovf': { files: {}, code: 'package.file-missing', why: 'unavailable.vmdk is not there' },
  'Options/Neg/nvm001.ovf': { files: { 'nvm001-disk1.vmdk': goodVmdk(1024 ** 2) }, code: 'package.size-mismatch', why: 'the disk is not the 68096 bytes the descriptor says' },
});

for (const name of all.filter((n) => n.includes('/Pos/') && !n.startsWith('LaxMode/'))) {
  test(`ovftool Pos: ${name} is accepted`, () => {
    const report = validateOvf(read(name), { target: 'vsphere' });
    const twin = TWIN_OF_NEG[name];
    if (twin !== undefined) {
      assert.equal(read(name), read(twin), 'listed as identical to a Neg file');
      assert.deepEqual(report.errors.map((e) => e.code), ['content.no-info']);
      return;
    }
    assert.deepEqual(report.errors, [], name);
    assert.ok(report.appliance, 'read into the canonical spec');
  });
}

for (const name of all.filter((n) => n.startsWith('BAT/') || n.startsWith('eula/'))) {
  test(`ovftool ${name.split('/')[0] ?? ''}: ${name} is accepted`, () => {
    assert.deepEqual(validateOvf(read(name), { target: 'vsphere' }).errors, []);
  });
}

for (const name of all.filter((n) => n.startsWith('LaxMode/'))) {
  test(`ovftool LaxMode: ${name} is rejected for vSphere, accepted with lax`, () => {
    const strict = validateOvf(read(name), { target: 'vsphere' });
    assert.ok(!strict.valid);
    assert.ok(strict.errors.every((e) => e.code.startsWith('target.')), strict.errors.map((e) => e.code).join());
    assert.ok(strict.errors.some((e) => e.code === 'target.device' && e.message.includes('soundCard')));
    const lax = validateOvf(read(name), { target: 'vsphere', lax: true });
    assert.deepEqual(lax.errors, []);
    assert.ok(lax.warnings.length > 0);
  });
}

for (const name of all.filter((n) => n.includes('/Neg/') && PACKAGE_NEGATIVES[n] === undefined && n !== 'DigitalCertificates/Neg/valid_certificate.ovf')) {
  test(`ovftool Neg: ${name} is rejected`, () => {
    const report = validateOvf(read(name), { target: 'vsphere' });
    assert.ok(!report.valid, `${name} was accepted`);
    // Specific: every finding names a rule and a place, none is a catch-all.
    for (const error of report.errors) {
      assert.match(error.code, /^[a-z0-9]+\.[a-z0-9-]+$/);
      assert.ok(error.where.startsWith('/'));
    }
  });
}

for (const [name, { files, code, why }] of Object.entries(PACKAGE_NEGATIVES)) {
  test(`ovftool Neg (package): ${name} is rejected with its files (${why})`, async () => {
    const descriptor = read(name);
    assert.ok(validateOvf(descriptor, { target: 'vsphere' }).valid, 'the descriptor alone is valid');
    const report = await validatePackage(descriptor, memoryPackage(new Map(Object.entries(files))), { target: 'vsphere' });
    assert.ok(report.errors.some((e) => e.code === code), report.errors.map((e) => `${e.code}: ${e.message}`).join('\n'));
  });
}

test('ovftool Neg (package): DigitalCertificates/Neg/valid_certificate.ovf is rejected when its certificate signed another manifest', async (t) => {
  const name = 'DigitalCertificates/Neg/valid_certificate.ovf';
  const descriptor = read(name);
  let pem: string;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'skyport-cert-'));
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    pem = execFileSync('openssl', ['req', '-x509', '-new', '-key', join(dir, 'key.pem'), '-subj', '/CN=Skyport test signer', '-days', '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    rmSync(dir, { recursive: true, force: true });
  } catch {
    t.skip('openssl is not installed');
    return;
  }
  const manifest = Buffer.from(`SHA256(valid_certificate.ovf)= ${createHash('sha256').update(descriptor).digest('hex')}\n`);
  const signature = createSign('SHA256').update('a different manifest').sign(privateKey).toString('hex');
  const files = new Map<string, Uint8Array>([
    ['valid_certificate.mf', manifest],
    ['valid_certificate.cert', Buffer.from(`SHA256(valid_certificate.mf)= ${signature}\n${pem}`)],
    ['../../../vmdk/valid_disk.vmdk', goodVmdk(329197568)],
  ]);
  const report = await validatePackage(descriptor, memoryPackage(files), { descriptorName: 'valid_certificate.ovf' });
  assert.ok(report.errors.some((e) => e.code === 'package.certificate'));
  // Signed correctly, the same package passes the certificate check.
  files.set('valid_certificate.cert', Buffer.from(`SHA256(valid_certificate.mf)= ${createSign('SHA256').update(manifest).sign(privateKey).toString('hex')}\n${pem}`));
  const good = await validatePackage(descriptor, memoryPackage(files), { descriptorName: 'valid_certificate.ovf' });
  assert.ok(!good.errors.some((e) => e.code === 'package.certificate'), good.errors.map((e) => e.message).join());
});

test('the suite is all there: 322 descriptors', () => {
  assert.equal(all.length, 322);
});
