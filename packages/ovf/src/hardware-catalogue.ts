/**
 * What the numbers and names in a descriptor mean: CIM resource types, controller and NIC
 * subtypes as each producer spells them, and disk format URIs.
 */
import type { DiskFormat } from '@skyport/model';
import type { ControllerType, DiskFormatInfo, NicAdapter } from './vm-spec.js';

/** CIM_ResourceAllocationSettingData.ResourceType values used by OVF producers. */
export const RESOURCE_TYPE = {
  other: 1,
  processor: 3,
  memory: 4,
  ideController: 5,
  parallelScsiHba: 6,
  fcHba: 7,
  iscsiHba: 8,
  ibHca: 9,
  ethernetAdapter: 10,
  otherNetworkAdapter: 11,
  ioSlot: 12,
  ioDevice: 13,
  floppyDrive: 14,
  cdDrive: 15,
  dvdDrive: 16,
  disk: 17,
  tapeDrive: 18,
  storageExtent: 19,
  otherStorageDevice: 20,
  serialPort: 21,
  parallelPort: 22,
  usbController: 23,
  graphicsController: 24,
  ieee1394Controller: 25,
  partitionableUnit: 26,
  basePartitionableUnit: 27,
  powerSupply: 28,
  coolingCapacity: 29,
  ethernetSwitchPort: 30,
  logicalDisk: 31,
  storageVolume: 32,
  ethernetConnection: 33,
  soundCard: 35,
} as const;

export const RESOURCE_TYPE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(RESOURCE_TYPE).map(([name, n]) => [n, name]));

export const CONTROLLER_RESOURCE_TYPES: ReadonlySet<number> = new Set([5, 6, 7, 8, 20]);

/** A storage controller's kind from its resource type and subtypes (any producer's spelling). */
export function controllerType(resourceType: number, subtypes: readonly string[]): ControllerType {
  const lower = subtypes.map((s) => s.toLowerCase());
  if (lower.some((s) => s.includes('nvme'))) return 'nvme';
  if (lower.some((s) => s === 'virtio' || s.includes('virtio-blk') || s === 'virtio_blk')) return resourceType === 6 ? 'scsi' : 'virtio';
  if (resourceType === 5) return 'ide';
  if (resourceType === 6) return 'scsi';
  if (resourceType === 20) {
    if (lower.some((s) => s.includes('ahci') || s.includes('sata'))) return 'sata';
    if (lower.some((s) => s.includes('ich6') || s.includes('piix'))) return 'ide';
    return 'other';
  }
  return 'other';
}

const NIC_ALIASES: readonly (readonly [RegExp, NicAdapter])[] = [
  [/^e1000e$/i, 'e1000e'],
  [/^(e1000|e1000e?[-_ ]?compat|e10000|82540em|82543gc|82545em|intel.?pro.?1000)$/i, 'e1000'],
  [/^vmxnet3$/i, 'vmxnet3'],
  [/^vmxnet2$/i, 'vmxnet2'],
  [/^vmxnet$/i, 'vmxnet'],
  [/^(pcnet32|pcnet|am79c970a|am79c973|vlance|pcnet-pci ii|pcnet-fast iii)$/i, 'pcnet32'],
  [/^(virtio|virtio-net|virtio_net|pv|rhevm?-?pv)$/i, 'virtio'],
  [/^(rtl8139|rtl-8139)$/i, 'rtl8139'],
];

/** A NIC's adapter from `ResourceSubType` values; the first one Skyport knows wins. */
export function nicAdapter(subtypes: readonly string[]): NicAdapter {
  for (const subtype of subtypes) {
    const hit = NIC_ALIASES.find(([pattern]) => pattern.test(subtype.trim()));
    if (hit !== undefined) return hit[1];
  }
  return 'other';
}

/** The disk format an `ovf:format` URI names. Unknown URIs keep only the URI. */
export function diskFormatOfUri(uri: string): DiskFormatInfo {
  const trimmed = uri.trim();
  const hash = trimmed.indexOf('#');
  const variant = hash >= 0 ? trimmed.slice(hash + 1) : undefined;
  const lower = trimmed.toLowerCase();
  let diskFormat: DiskFormat | undefined;
  if (lower.includes('vmdk')) diskFormat = 'vmdk';
  else if (lower.includes('qcow')) diskFormat = 'qcow2';
  else if (lower.includes('vhdx')) diskFormat = 'vhdx';
  else if (lower.includes('vhd') || lower.includes('virtual_hard_disk') || lower.includes('/vpc')) diskFormat = 'vhd';
  else if (lower.includes('raw') || lower.endsWith('.img')) diskFormat = 'raw';
  return { uri: trimmed, ...(diskFormat === undefined ? {} : { diskFormat }), ...(variant === undefined || variant === '' ? {} : { variant }) };
}

/** VMDK flavours ovftool knows, by the names that appear in format URIs and `createType`. */
export const VMDK_CREATE_TYPES: ReadonlySet<string> = new Set(
  [
    'streamOptimized',
    'monolithicSparse',
    'monolithicFlat',
    'twoGbMaxExtentSparse',
    'twoGbMaxExtentFlat',
    'vmfs',
    'vmfsSparse',
    'vmfsThin',
    'vmfsPreallocated',
    'vmfsEagerZeroedThick',
    'vmfsRaw',
    'vmfsRawDeviceMap',
    'vmfsPassthroughRawDeviceMap',
    'fullDevice',
    'partitionedDevice',
    'custom',
    'seSparse',
    'sparse',
    'compressed',
    'dynamicAllocGT',
    'legacySparse',
  ].map((s) => s.toLowerCase()),
);

/** Format URIs written for each format by the writer (the ones VMware and VirtualBox accept). */
export const FORMAT_URIS = {
  streamOptimized: 'http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized',
  qcow2: 'http://www.gnome.org/~markmc/qcow-image-format.html',
  raw: 'http://www.qemu.org/raw',
  vhd: 'http://go.microsoft.com/fwlink/?LinkId=137171',
} as const;
