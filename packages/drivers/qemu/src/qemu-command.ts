/**
 * The qemu-system-x86_64 command line for one instance, as a pure function of its spec, so a
 * benchmark or a person can run exactly what the driver runs. Block devices use JSON
 * `-blockdev` (no option-string escaping of paths); every device sits in a fixed PCI slot so the
 * guest sees the same disk order on every boot.
 */
import type { NetworkMode } from './qemu-settings.js';

export type Accelerator = 'tcg' | 'kvm';

/** PCI slots: the NIC, the root disk (vda), the seed (vdb), then volumes (vdc...) in slot order. */
export const PCI_SLOT = { network: 3, root: 4, seed: 5, firstVolume: 6, lastVolume: 0x1f } as const;

export interface VolumeAttachment {
  readonly id: string;
  readonly path: string;
  readonly slot: number;
}

export interface VmSpec {
  readonly id: string;
  readonly accelerator: Accelerator;
  readonly cpus: number;
  readonly memoryMiB: number;
  /** Direct kernel boot (skyport-tiny); without it the firmware boots the root disk. */
  readonly boot?: { readonly kernel: string; readonly initrd?: string; readonly append: string };
  readonly rootDisk: string;
  readonly seedIso?: string;
  readonly volumes: readonly VolumeAttachment[];
  readonly consoleLog: string;
  readonly qmpSocket: string;
  readonly mac: string;
  /** Host loopback ports forwarded to the guest's HTTP (80) and SSH (22) ports. */
  readonly ports: { readonly http: number; readonly ssh: number };
  readonly network: NetworkMode;
}

/** QEMU's option syntax splits on commas; a literal comma in a value is written twice. */
function optValue(value: string): string {
  return value.replaceAll(',', ',,');
}

export function volumeNodeName(volumeId: string): string {
  return `node-${volumeId}`;
}

export function volumeDeviceId(volumeId: string): string {
  return `dev-${volumeId}`;
}

export function pciAddress(slot: number): string {
  return `0x${slot.toString(16)}`;
}

/** The guest device name a slot gives, assuming the root and seed disks before it. */
export function deviceForSlot(slot: number): string {
  return `/dev/vd${String.fromCharCode('a'.charCodeAt(0) + slot - PCI_SLOT.root)}`;
}

export function slotForDevice(device: string): number | undefined {
  const match = /^\/dev\/vd([c-z])$/.exec(device);
  if (!match) return undefined;
  const slot = match[1]!.charCodeAt(0) - 'a'.charCodeAt(0) + PCI_SLOT.root;
  return slot <= PCI_SLOT.lastVolume ? slot : undefined;
}

function blockdev(nodeName: string, path: string, format: 'qcow2' | 'raw', readOnly = false): string {
  return JSON.stringify({ driver: format, 'node-name': nodeName, ...(readOnly ? { 'read-only': true } : {}), file: { driver: 'file', filename: path, ...(readOnly ? { 'read-only': true } : {}) } });
}

export function qemuArgs(spec: VmSpec): string[] {
  const args = [
    '-name', `skyport-${spec.id}`,
    '-machine', 'pc',
    '-accel', spec.accelerator,
    ...(spec.accelerator === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp', String(spec.cpus),
    '-m', `${spec.memoryMiB}M`,
    '-nodefaults', '-no-user-config', '-display', 'none',
    // seccomp: QEMU may not exec, change privileges or use obsolete syscalls (a guest escape gets less).
    '-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny',
    '-chardev', `file,id=console,path=${optValue(spec.consoleLog)},append=on`,
    '-serial', 'chardev:console',
    '-chardev', `socket,id=qmp,path=${optValue(spec.qmpSocket)},server=on,wait=off`,
    '-mon', 'chardev=qmp,mode=control',
  ];
  if (spec.boot !== undefined) {
    args.push('-kernel', spec.boot.kernel);
    if (spec.boot.initrd !== undefined) args.push('-initrd', spec.boot.initrd);
    args.push('-append', `console=ttyS0 ${spec.boot.append}`.trim());
  }
  args.push('-blockdev', blockdev('root', spec.rootDisk, 'qcow2'));
  args.push('-device', `virtio-blk-pci,drive=root,addr=${pciAddress(PCI_SLOT.root)}${spec.boot === undefined ? ',bootindex=0' : ''}`);
  if (spec.seedIso !== undefined) {
    args.push('-blockdev', blockdev('seed', spec.seedIso, 'raw', true));
    args.push('-device', `virtio-blk-pci,drive=seed,serial=cidata,addr=${pciAddress(PCI_SLOT.seed)}`);
  }
  for (const volume of [...spec.volumes].sort((a, b) => a.slot - b.slot)) {
    args.push('-blockdev', blockdev(volumeNodeName(volume.id), volume.path, 'qcow2'));
    args.push('-device', `virtio-blk-pci,drive=${volumeNodeName(volume.id)},id=${volumeDeviceId(volume.id)},serial=${volume.id},addr=${pciAddress(volume.slot)}`);
  }
  // User-mode networking; only loopback ports are forwarded, so nothing is exposed beyond this host.
  const forwards = `hostfwd=tcp:127.0.0.1:${spec.ports.http}-:80,hostfwd=tcp:127.0.0.1:${spec.ports.ssh}-:22`;
  args.push('-netdev', `user,id=net0,restrict=${spec.network === 'restricted' ? 'on' : 'off'},${forwards}`);
  args.push('-device', `virtio-net-pci,netdev=net0,mac=${spec.mac},addr=${pciAddress(PCI_SLOT.network)}`);
  return args;
}
