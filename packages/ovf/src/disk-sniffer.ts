/**
 * Reads what a disk file is from its first bytes, without qemu: the format (by magic, never
 * by qemu's probing, which is how a raw image posing as qcow2 reaches files it should not),
 * its virtual size, and what it refers to outside itself (qcow2 backing files, VMDK parents
 * and extents). Pure TypeScript so the validator can judge a package before anything runs.
 */
import type { DiskFormat } from '@skyport/model';

export interface VmdkDescriptor {
  readonly createType?: string;
  readonly cid?: string;
  readonly parentCid?: string;
  readonly parentFileNameHint?: string;
  readonly extents: readonly { readonly access: string; readonly sectors: number; readonly type: string; readonly file?: string }[];
}

export interface DiskSniff {
  /** Undefined when the bytes are no disk format Skyport knows (raw data, or garbage). */
  readonly format: DiskFormat | 'iso' | undefined;
  /** Guest-visible size in bytes, when the header says. */
  readonly virtualSize?: number;
  /** A qcow2 backing file name, when the image has one. */
  readonly backingFile?: string;
  readonly vmdk?: VmdkDescriptor;
  /** Sparse VMDK header flags say grains are compressed (streamOptimized). */
  readonly compressed?: boolean;
}

/** How many leading bytes `sniffDisk` wants: enough for a VMDK's embedded descriptor. */
export const SNIFF_BYTES = 1024 * 1024;

/** `head` is the file's first bytes (up to SNIFF_BYTES); `tail` its last 512 when known (fixed VHD footer). */
export function sniffDisk(head: Uint8Array, tail?: Uint8Array): DiskSniff {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (buf.length >= 4 && buf.readUInt32LE(0) === 0x564d444b) return sniffSparseVmdk(buf);
  if (buf.subarray(0, 64).toString('latin1').startsWith('# Disk DescriptorFile')) {
    const vmdk = parseVmdkDescriptor(buf.toString('latin1'));
    return { format: 'vmdk', vmdk, virtualSize: vmdk.extents.reduce((sum, e) => sum + e.sectors * 512, 0) };
  }
  if (buf.length >= 32 && buf.readUInt32BE(0) === 0x514649fb) {
    const backingOffset = Number(buf.readBigUInt64BE(8));
    const backingSize = buf.readUInt32BE(16);
    const backingFile = backingOffset > 0 && backingOffset + backingSize <= buf.length ? buf.subarray(backingOffset, backingOffset + backingSize).toString('utf8') : backingOffset > 0 ? '(beyond the bytes read)' : undefined;
    return { format: 'qcow2', virtualSize: Number(buf.readBigUInt64BE(24)), ...(backingFile === undefined ? {} : { backingFile }) };
  }
  if (buf.subarray(0, 8).toString('latin1') === 'vhdxfile') return { format: 'vhdx' };
  if (buf.subarray(0, 8).toString('latin1') === 'conectix') return { format: 'vhd', virtualSize: Number(buf.readBigUInt64BE(48)) };
  if (tail !== undefined && tail.length >= 512) {
    const footer = Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength).subarray(tail.byteLength - 512);
    if (footer.subarray(0, 8).toString('latin1') === 'conectix') return { format: 'vhd', virtualSize: Number(footer.readBigUInt64BE(48)) };
  }
  if (buf.length >= 0x8006 && buf.subarray(0x8001, 0x8006).toString('latin1') === 'CD001') return { format: 'iso' };
  return { format: undefined };
}

function sniffSparseVmdk(buf: Buffer): DiskSniff {
  const flags = buf.length >= 12 ? buf.readUInt32LE(8) : 0;
  const capacitySectors = buf.length >= 20 ? Number(buf.readBigUInt64LE(12)) : 0;
  const descriptorOffset = buf.length >= 36 ? Number(buf.readBigUInt64LE(28)) : 0;
  const descriptorSize = buf.length >= 44 ? Number(buf.readBigUInt64LE(36)) : 0;
  let vmdk: VmdkDescriptor | undefined;
  if (descriptorOffset > 0 && descriptorSize > 0) {
    const start = descriptorOffset * 512;
    const text = buf.subarray(start, Math.min(buf.length, start + descriptorSize * 512)).toString('latin1');
    const end = text.indexOf('\0');
    vmdk = parseVmdkDescriptor(end >= 0 ? text.slice(0, end) : text);
  }
  return { format: 'vmdk', virtualSize: capacitySectors * 512, compressed: (flags & 0x10000) !== 0, ...(vmdk === undefined ? {} : { vmdk }) };
}

export function parseVmdkDescriptor(text: string): VmdkDescriptor {
  const values = new Map<string, string>();
  const extents: { access: string; sectors: number; type: string; file?: string }[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const extent = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)(?:\s+"([^"]*)")?/i.exec(line);
    if (extent !== null) {
      extents.push({ access: extent[1] ?? '', sectors: Number(extent[2]), type: (extent[3] ?? '').toUpperCase(), ...(extent[4] === undefined ? {} : { file: extent[4] }) });
      continue;
    }
    const pair = /^([\w.]+)\s*=\s*"?([^"]*)"?$/.exec(line);
    if (pair !== null) values.set((pair[1] ?? '').toLowerCase(), pair[2] ?? '');
  }
  const result: Record<string, unknown> = { extents };
  const set = (key: string, name: string): void => {
    const value = values.get(name);
    if (value !== undefined && value !== '') result[key] = value;
  };
  set('createType', 'createtype');
  set('cid', 'cid');
  set('parentCid', 'parentcid');
  set('parentFileNameHint', 'parentfilenamehint');
  return result as unknown as VmdkDescriptor;
}

/** Whether a VMDK depends on a parent disk (a delta/snapshot link). */
export function isDeltaVmdk(vmdk: VmdkDescriptor): boolean {
  return vmdk.parentFileNameHint !== undefined || (vmdk.parentCid !== undefined && vmdk.parentCid.toLowerCase() !== 'ffffffff');
}
