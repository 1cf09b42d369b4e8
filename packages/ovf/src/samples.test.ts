/**
 * Real descriptors from many producers (../shared/corpus/ovf-samples): each reads to the
 * values a person reads in the file. Expected values were taken from the files by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseManifest, readOvf, validateOvf, type Appliance } from './index.js';
import { createHash } from 'node:crypto';

const samples = fileURLToPath(new URL('../../../../shared/corpus/ovf-samples/', import.meta.url));
const read = (name: string): string => readFileSync(`${samples}${name}`, 'utf8');
const GiB = 1024 ** 3;

interface Expected {
  readonly version: Appliance['ovfVersion'];
  readonly dialect: string;
  readonly vms: readonly {
    readonly name: string;
    readonly cpus: number;
    readonly memoryMiB: number;
    readonly firmware: 'bios' | 'efi';
    readonly os: { readonly id?: number; readonly vendorType?: string };
    readonly disks: readonly (readonly [capacityBytes: number, href: string, controller: string | undefined])[];
    readonly nics: readonly (readonly [network: string | undefined, adapter: string])[];
  }[];
}

const EXPECTED: Readonly<Record<string, Expected>> = {
  'vmware-ovftool41-workstation-win10.ovf': { version: '1.0', dialect: 'vmware', vms: [{ name: 'Win10-Liz', cpus: 4, memoryMiB: 6144, firmware: 'bios', os: { id: 1, vendorType: 'windows9_64Guest' }, disks: [[128 * GiB, 'Win10-Liz-disk1.vmdk', 'scsi']], nics: [['bridged', 'e1000e']] }] },
  'vmware-ovftool41-win2008r2-two-disks.ovf': { version: '1.0', dialect: 'vmware', vms: [{ name: 'Win_2008-R2x64', cpus: 1, memoryMiB: 2048, firmware: 'bios', os: { id: 103, vendorType: 'windows7Server64Guest' }, disks: [[40 * GiB, 'disk1.vmdk', 'scsi'], [1 * GiB, 'disk2.vmdk', 'scsi']], nics: [['bridged', 'e1000']] }] },
  'vmware-vsphere8-vmx20-nested-esxi.ovf': { version: '1.0', dialect: 'vmware', vms: [{ name: 'esxvm-sb-62272164-rZ0', cpus: 2, memoryMiB: 8192, firmware: 'efi', os: { id: 104, vendorType: 'vmkernel8Guest' }, disks: [[32 * GiB, 'disk-0.vmdk', 'scsi']], nics: [['vxw-dvs-34-virtualwire-3-sid-1300002-sc2-01-tr-build01-vc30-dynamic', 'vmxnet3']] }] },
  'vmware-vsphere5-vmx08-cot-fixture.ovf': { version: '1.0', dialect: 'vmware', vms: [{ name: 'vmw', cpus: 2, memoryMiB: 1536, firmware: 'bios', os: { id: 80, vendorType: 'rhel6_64Guest' }, disks: [[1 * GiB, 'input.vmdk', 'scsi']], nics: [['lanethernet0', 'e1000'], ['lanethernet0', 'e1000'], ['lanethernet0', 'e1000'], ['lanethernet0', 'e1000']] }] },
  'vmware-esxi-vmx10-gzip-compressed.ovf': { version: '1.0', dialect: 'vmware', vms: [{ name: '2K8R2EESP1_2_Medium', cpus: 1, memoryMiB: 1024, firmware: 'bios', os: { id: 103, vendorType: 'windows7Server64Guest' }, disks: [[50 * GiB, 'disk1.vmdk.gz', 'scsi']], nics: [['PG-VLAN60', 'e1000']] }] },
  'vmware-esxi-vmx10-chunked-efi.ovf': { version: '1.0', dialect: 'vmware', vms: [{ name: '2K8R2EESP1_2_Medium', cpus: 1, memoryMiB: 1024, firmware: 'efi', os: { id: 103, vendorType: 'windows7Server64Guest' }, disks: [[50 * GiB, 'disk1.vmdk', 'scsi']], nics: [['PG-VLAN60', 'e1000']] }] },
  'vmware-ovf0.9-legacy-cot-fixture.ovf': { version: '0.9', dialect: 'vmware', vms: [{ name: 'v0.9', cpus: 1, memoryMiB: 8192, firmware: 'bios', os: { id: 107, vendorType: 'other26xLinux64Guest' }, disks: [[1 * GiB, 'input.vmdk', 'scsi']], nics: [['bridged', 'pcnet32']] }] },
  'canonical-ubuntu-24.10-cloudimg-vmware.ovf': { version: '1.0', dialect: 'vmware', vms: [{ name: 'ubuntu-oracular-24.10-cloudimg-20241109', cpus: 2, memoryMiB: 1024, firmware: 'bios', os: { id: 94, vendorType: 'ubuntu64Guest' }, disks: [[10 * GiB, 'ubuntu-oracular-24.10-cloudimg.vmdk', 'scsi']], nics: [['VM Network', 'vmxnet3']] }] },
  'virtualbox-ovf1.0-centos7.ovf': { version: '1.0', dialect: 'virtualbox', vms: [{ name: 'centos7', cpus: 1, memoryMiB: 512, firmware: 'bios', os: { id: 80 }, disks: [[64 * GiB, 'centos7-disk001.vmdk', 'sata']], nics: [['NAT', 'other']] }] },
  'virtualbox-ovf2.0-ubuntu.ovf': { version: '2.0', dialect: 'virtualbox', vms: [{ name: 'ubuntu', cpus: 1, memoryMiB: 512, firmware: 'bios', os: { id: 94 }, disks: [[8 * GiB, 'ubuntu.2.0-disk1.vmdk', 'sata']], nics: [['NAT', 'e1000']] }] },
  'ovirt-engine-3.3-vm-ovf-dialect.ovf': { version: '1.0', dialect: 'ovirt', vms: [{ name: 'exporttedVM', cpus: 1, memoryMiB: 1024, firmware: 'bios', os: {}, disks: [[1 * GiB, '8c634412-1e8b-4ef3-bc40-b67a456e9d2f/f934b12c-1e22-4ad8-bbce-ec0b2a5defa4', 'virtio']], nics: [] }] },
  'cisco-csr1000v-vendor-appliance.ovf': { version: '1.0', dialect: 'vmware', vms: [{ name: 'Cisco CSR 1000V Cloud Services Router', cpus: 1, memoryMiB: 4096, firmware: 'bios', os: { id: 100, vendorType: 'other26xLinux64Guest' }, disks: [[1 * GiB, 'input.vmdk', 'scsi']], nics: [['GigabitEthernet1', 'vmxnet3'], ['GigabitEthernet2', 'vmxnet3'], ['GigabitEthernet3', 'vmxnet3']] }] },
  'dmtf-dsp0243-2.1.1-example3-virtualsystemcollection.ovf': {
    version: '2.0',
    dialect: 'generic',
    vms: [
      { name: 'Virtual Appliance One', cpus: 1, memoryMiB: 1024, firmware: 'bios', os: { id: 58 }, disks: [[4 * GiB, 'vmdisk1.vmdk', undefined]], nics: [['VS Network', 'other']] },
      { name: 'Virtual Appliance Two', cpus: 1, memoryMiB: 1024, firmware: 'bios', os: { id: 58 }, disks: [[4 * GiB, 'vmdisk1.vmdk', undefined]], nics: [['VS Network', 'other']] },
    ],
  },
};

for (const [file, expected] of Object.entries(EXPECTED)) {
  test(`sample ${file} reads as written`, () => {
    const appliance = readOvf(read(file));
    assert.equal(appliance.ovfVersion, expected.version);
    assert.equal(appliance.producer.dialect, expected.dialect);
    assert.equal(appliance.vms.length, expected.vms.length);
    expected.vms.forEach((want, i) => {
      const vm = appliance.vms[i];
      assert.ok(vm);
      assert.equal(vm.name, want.name);
      assert.equal(vm.cpus, want.cpus, 'CPUs');
      assert.equal(vm.memoryMiB, want.memoryMiB, 'memory');
      assert.equal(vm.firmware, want.firmware, 'firmware');
      assert.equal(vm.os.id, want.os.id, 'OS id');
      assert.equal(vm.os.vendorType, want.os.vendorType, 'OS vendor type');
      assert.deepEqual(vm.disks.map((d) => [d.capacityBytes, d.file?.href, d.controller?.type]), want.disks, 'disks');
      assert.deepEqual(vm.nics.map((n) => [n.network, n.adapter]), want.nics, 'NICs');
    });
  });
}

test('sample details: multi-valued types, deployment options, product properties, files', () => {
  const cisco = readOvf(read('cisco-csr1000v-vendor-appliance.ovf'));
  assert.deepEqual(cisco.deploymentOptions.map((o) => o.id), ['1CPU-4GB', '2CPU-4GB', '4CPU-4GB', '4CPU-8GB']);
  assert.equal(cisco.configuration, '1CPU-4GB');
  assert.deepEqual(cisco.vms[0]?.hardwareFamilies, ['vmx-08', 'vmx-09', 'vmx-10', 'vmx-11', 'Cisco:Internal:VMCloud-01']);
  assert.equal(cisco.vms[0]?.products[0]?.properties.length, 27);
  assert.ok(cisco.vms[0]?.products[0]?.properties.some((p) => p.password));
  const large = readOvf(read('cisco-csr1000v-vendor-appliance.ovf'), { configuration: '4CPU-8GB' });
  assert.equal(large.vms[0]?.cpus, 4);
  assert.equal(large.vms[0]?.memoryMiB, 8192);
  const ubuntu = readOvf(read('canonical-ubuntu-24.10-cloudimg-vmware.ovf'));
  assert.deepEqual(ubuntu.vms[0]?.products[0]?.properties.map((p) => p.key), ['instance-id', 'hostname', 'seedfrom', 'public-keys', 'user-data', 'password']);
  assert.deepEqual(ubuntu.vms[0]?.transport, ['iso']);
  assert.equal(readOvf(read('vmware-esxi-vmx10-gzip-compressed.ovf')).files[0]?.compression, 'gzip');
  assert.deepEqual(readOvf(read('vmware-esxi-vmx10-chunked-efi.ovf')).files[0], { id: 'file1', href: 'disk1.vmdk', size: 32768, chunkSize: 10240 });
  assert.deepEqual(readOvf(read('vmware-vsphere5-vmx08-cot-fixture.ovf')).vms[0]?.disks[0]?.controller?.subtypes, ['virtio', 'lsilogic']);
  assert.equal(readOvf(read('vmware-vsphere5-vmx08-cot-fixture.ovf')).vms[0]?.coresPerSocket, 2);
  assert.match(readOvf(read('vmware-ovftool41-workstation-win10.ovf')).producer.tool ?? '', /ovftool 4\.1\.0/);
});

test('the VirtualBox OVF 2.0 manifest verifies the saved descriptor', () => {
  const manifest = parseManifest(read('virtualbox-ovf2.0-ubuntu.mf'));
  const entry = manifest.entries.find((e) => e.name.endsWith('.ovf'));
  assert.ok(entry);
  assert.equal(entry.algorithm, 'sha256');
  assert.equal(createHash('sha256').update(readFileSync(`${samples}virtualbox-ovf2.0-ubuntu.ovf`)).digest('hex'), entry.digest);
});

test('the XXE sample is refused, and so are entity expansion and oversized descriptors', () => {
  assert.throws(() => readOvf(read('negative-xxe-external-entity.ovf')), (error: Error & { details?: Record<string, unknown> }) => error.details?.['reason'] === 'dtd');
  const report = validateOvf(read('negative-xxe-external-entity.ovf'));
  assert.equal(report.errors[0]?.code, 'xml.dtd');
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">&lol2;</Envelope>`;
  assert.equal(validateOvf(laughs).errors[0]?.code, 'xml.dtd');
  const big = `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1">${'<References/>'.repeat(1000)}</Envelope>`;
  assert.equal(validateOvf(big, { limits: { maxBytes: 1000, maxElements: 10, maxDepth: 8, maxMillis: 1000 } }).errors[0]?.code, 'xml.too-large');
  assert.equal(validateOvf(big, { limits: { maxBytes: 1e6, maxElements: 10, maxDepth: 8, maxMillis: 1000 } }).errors[0]?.code, 'xml.too-many-elements');
  assert.equal(validateOvf('<Envelope><a></Envelope>').errors[0]?.code, 'xml.malformed');
});

test('targets judge the samples: VirtualBox exports need lax for vSphere, qcow2 is not for AWS', () => {
  const vbox = read('virtualbox-ovf1.0-centos7.ovf');
  assert.ok(validateOvf(vbox, { target: 'vsphere' }).errors.some((e) => e.code === 'target.hardware-family'));
  assert.ok(validateOvf(vbox, { target: 'vsphere', lax: true }).errors.every((e) => !e.code.startsWith('target.')));
  assert.ok(!validateOvf(read('vmware-vsphere8-vmx20-nested-esxi.ovf'), { target: 'vsphere' }).errors.some((e) => e.code.startsWith('target.')));
  assert.ok(validateOvf(read('dmtf-dsp0243-2.1.1-example3-virtualsystemcollection.ovf'), { target: 'aws' }).errors.some((e) => e.code === 'target.too-many-vms'));
});
