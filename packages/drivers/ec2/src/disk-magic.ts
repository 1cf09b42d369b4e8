/**
 * A look at a disk file's first and last sectors before it is uploaded: VM Import would take a
 * mislabelled file, spend an hour on it and fail with a vague message. The formats are told
 * apart by their magic numbers (qcow2 `QFI\xfb`, VMDK `KDMV` or a text descriptor, VHD footer
 * `conectix`, VHDX `vhdxfile`).
 */
import { open } from 'node:fs/promises';
import type { DiskFormat } from '@skyport/model';
import { SkyportError } from '@skyport/model';

type Detected = DiskFormat | 'unknown';

function detect(head: Buffer, tail: Buffer): Detected {
  if (head.subarray(0, 4).equals(Buffer.from([0x51, 0x46, 0x49, 0xfb]))) return 'qcow2';
  if (head.subarray(0, 8).toString('latin1') === 'vhdxfile') return 'vhdx';
  if (head.subarray(0, 4).toString('latin1') === 'KDMV' || head.subarray(0, 21).toString('latin1') === '# Disk DescriptorFile') return 'vmdk';
  if (tail.subarray(0, 8).toString('latin1') === 'conectix' || head.subarray(0, 8).toString('latin1') === 'conectix') return 'vhd';
  return 'unknown';
}

/** Returns the file's size; throws InvalidArgument when the file is missing or not `format`. */
export async function checkDiskFile(path: string, format: DiskFormat): Promise<number> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SkyportError('InvalidArgument', `disk file ${path} cannot be read (${code ?? String(error)}); give an existing ${format} file`, { details: { field: 'path' }, cause: error });
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new SkyportError('InvalidArgument', `disk file ${path} is empty`, { details: { field: 'path' } });
    const head = Buffer.alloc(512);
    const tail = Buffer.alloc(512);
    await handle.read(head, 0, 512, 0);
    await handle.read(tail, 0, 512, Math.max(0, size - 512));
    const found = detect(head, tail);
    const ok = format === 'raw' ? found === 'unknown' : found === format;
    if (!ok) {
      const what = found === 'unknown' ? 'not a disk image of a format EC2 imports' : `a ${found} image`;
      throw new SkyportError('InvalidArgument', `disk file ${path} is ${what}, not ${format}; VM Import takes raw, vmdk, vhd and vhdx (convert with qemu-img)`, {
        details: { field: 'format', declared: format, detected: found },
      });
    }
    return size;
  } finally {
    await handle.close();
  }
}
