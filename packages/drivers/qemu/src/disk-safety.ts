/**
 * Refuses disk images that would make QEMU read other files of the host: a qcow2/VMDK/VHDX
 * backing file, a qcow2 external data file, VMDK extents outside the image itself. Such an image
 * uploaded by a user could otherwise expose anything the broker can read.
 */
import { open, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { invalidArgument } from './errors.js';
import type { ImageInfo } from './qemu-img.js';

/** Largest disk the driver accepts (a sanity bound against absurd headers). */
export const MAX_VIRTUAL_SIZE_BYTES = 16 * 1024 ** 4;

export async function checkImageSafety(info: ImageInfo, path: string, format: string): Promise<void> {
  const refuse = (why: string, details: Record<string, unknown> = {}) =>
    invalidArgument('path', `the ${format} image ${path} is refused: ${why}`, { path, format, ...details });
  const backing = info['backing-filename'] ?? info['full-backing-filename'];
  if (backing !== undefined) {
    throw refuse(`it names a backing file (${backing}); only standalone images can be imported. Flatten it first: qemu-img convert -O qcow2 IMAGE standalone.qcow2`, { backingFile: backing });
  }
  const data = info['format-specific']?.data;
  if (data?.['data-file'] !== undefined) {
    throw refuse(`it keeps its data in an external file (${data['data-file']}); only self-contained images can be imported`, { dataFile: data['data-file'] });
  }
  if (data?.corrupt === true) throw refuse('qemu-img marks it as corrupt; repair it with qemu-img check -r all first');
  const own = await realpath(path);
  for (const extent of data?.extents ?? []) {
    const target = resolve(dirname(path), extent.filename);
    const real = await realpath(target).catch(() => target);
    if (real !== own) {
      throw refuse(`it references an external extent (${extent.filename}); only single-file (monolithicSparse or streamOptimized) VMDKs can be imported`, { extent: extent.filename });
    }
  }
  const size = info['virtual-size'];
  if (!Number.isSafeInteger(size) || size <= 0 || size > MAX_VIRTUAL_SIZE_BYTES) {
    throw refuse(`its virtual size ${size} bytes is outside 1 byte .. 16 TiB`, { virtualSize: size });
  }
}

/** Magic numbers of the container formats a raw disk must not be (offset 0). */
const CONTAINER_MAGIC: readonly { readonly format: string; readonly magic: Buffer }[] = [
  { format: 'qcow2', magic: Buffer.from('QFI\xfb', 'latin1') },
  { format: 'QED', magic: Buffer.from('QED\0', 'latin1') },
  { format: 'VMDK', magic: Buffer.from('KDMV', 'latin1') },
  { format: 'VMDK descriptor', magic: Buffer.from('# Disk DescriptorFile', 'latin1') },
  { format: 'VHDX', magic: Buffer.from('vhdxfile', 'latin1') },
  // A dynamic VHD starts with a copy of its footer; a fixed VHD is raw data plus a footer.
  { format: 'dynamic VHD', magic: Buffer.from('conectix', 'latin1') },
];

/**
 * A file declared raw that is really a disk container would be copied byte for byte and boot
 * nothing; worse, its header may name other files. Refused, naming what it is.
 */
export async function checkRawIsRaw(path: string): Promise<void> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(64);
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const found = CONTAINER_MAGIC.find((m) => head.subarray(0, m.magic.length).equals(m.magic));
  if (found !== undefined) {
    throw invalidArgument('format', `${path} is declared raw but it is a ${found.format} image; import it with its real format`, { path, format: 'raw', detected: found.format });
  }
}
