/**
 * `qemu-img info` with the safety checks every disk from outside must pass: the declared
 * format is the real one (checked by magic before qemu opens anything), no backing file,
 * and VMDK extents only inside the disk's own folder.
 */
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { SkyportError, type DiskFormat } from '@skyport/model';
import { isDeltaVmdk, sniffDisk, SNIFF_BYTES } from '@skyport/ovf';
import { QEMU_FORMAT, runQemuImg } from './qemu-img.js';

export interface ImageInfo {
  readonly path: string;
  readonly format: DiskFormat;
  readonly virtualSizeBytes: number;
  readonly actualSizeBytes?: number;
  /** VMDK create type / qcow2 compat, when qemu reports it. */
  readonly subformat?: string;
}

interface QemuInfoJson {
  readonly format?: string;
  readonly 'virtual-size'?: number;
  readonly 'actual-size'?: number;
  readonly 'backing-filename'?: string;
  readonly 'full-backing-filename'?: string;
  readonly 'format-specific'?: { readonly type?: string; readonly data?: { readonly 'create-type'?: string; readonly compat?: string; readonly extents?: readonly { readonly filename?: string }[] } };
}

function refuse(path: string, reason: string, message: string): SkyportError {
  return new SkyportError('InvalidArgument', `${path}: ${message}`, { details: { reason, file: path } });
}

/** Reads the head (and tail) of a file and checks it is what the caller says it is. */
export async function checkDiskFile(path: string, format: DiskFormat): Promise<void> {
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw refuse(path, 'not-found', `cannot open the disk file (${error.code ?? error.message})`);
  });
  let head: Buffer;
  let tail: Buffer;
  try {
    const size = (await handle.stat()).size;
    head = Buffer.alloc(Math.min(size, SNIFF_BYTES));
    await handle.read(head, 0, head.length, 0);
    tail = Buffer.alloc(Math.min(size, 512));
    await handle.read(tail, 0, tail.length, Math.max(0, size - 512));
  } finally {
    await handle.close();
  }
  const sniff = sniffDisk(head, tail);
  if (format !== 'raw' && sniff.format !== format) {
    throw refuse(path, 'format-mismatch', `this is not a ${format} image (${sniff.format === undefined ? 'no known disk format' : `it is ${sniff.format}`})`);
  }
  if (format === 'raw' && sniff.format !== undefined && sniff.format !== 'iso' && sniff.format !== 'vhd') {
    // A "raw" file that is really qcow2/VMDK would be copied as-is and boot nothing; say so.
    throw refuse(path, 'format-mismatch', `declared raw but it is a ${sniff.format} image; name its real format`);
  }
  if (sniff.backingFile !== undefined) throw refuse(path, 'backing-file', `the image depends on the backing file "${sniff.backingFile}"; only self-contained images are accepted`);
  if (sniff.vmdk !== undefined) {
    if (isDeltaVmdk(sniff.vmdk)) throw refuse(path, 'backing-file', `the VMDK is a delta of "${sniff.vmdk.parentFileNameHint ?? 'another disk'}"; only self-contained disks are accepted`);
    for (const extent of sniff.vmdk.extents) if (extent.file !== undefined) assertInside(path, extent.file);
  }
}

function assertInside(diskPath: string, extentFile: string): void {
  const folder = dirname(resolve(diskPath));
  const target = resolve(folder, extentFile);
  const rel = relative(folder, target);
  if (isAbsolute(extentFile) || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw refuse(diskPath, 'extent-outside', `the VMDK names an extent "${extentFile}" outside its own folder; refused`);
  }
}

/** `qemu-img info --output=json -f FORMAT`, after `checkDiskFile`, re-checking what qemu saw. */
export async function imageInfo(path: string, format: DiskFormat): Promise<ImageInfo> {
  await checkDiskFile(path, format);
  const { stdout } = await runQemuImg(['info', '--output=json', '-f', QEMU_FORMAT[format], path], path);
  const info = JSON.parse(stdout) as QemuInfoJson;
  const backing = info['full-backing-filename'] ?? info['backing-filename'];
  if (backing !== undefined) throw refuse(path, 'backing-file', `the image depends on the backing file "${backing}"; only self-contained images are accepted`);
  for (const extent of info['format-specific']?.data?.extents ?? []) {
    if (extent.filename !== undefined && resolve(extent.filename) !== resolve(path)) assertInside(path, relative(dirname(resolve(path)), resolve(extent.filename)));
  }
  const subformat = info['format-specific']?.data?.['create-type'] ?? info['format-specific']?.data?.compat;
  return {
    path,
    format,
    virtualSizeBytes: info['virtual-size'] ?? 0,
    ...(info['actual-size'] === undefined ? {} : { actualSizeBytes: info['actual-size'] }),
    ...(subformat === undefined ? {} : { subformat }),
  };
}
