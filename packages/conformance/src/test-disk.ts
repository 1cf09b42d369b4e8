/**
 * Disk files for the import/export cases, made locally: known bytes to compare after a round
 * trip, and the hostile kinds every importer must refuse. Each lives in a temporary folder
 * the case removes afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertImage, runQemuImg } from '@skyport/disk';
import type { DiskFormat } from '@skyport/model';

const MiB = 1024 * 1024;
export const TEST_DISK_BYTES = 4 * MiB;

export interface TestDisks {
  readonly dir: string;
  /** What the guest sees: random data at the start, markers at 1 MiB and in the last sector. */
  readonly content: Buffer;
  /** The disk in `format`. */
  file(format: DiskFormat): Promise<string>;
  /** A qcow2 overlay on a raw base: refused by every importer (it reads outside itself). */
  withBackingFile(): Promise<string>;
  /** A text file, which is no disk format at all. */
  notADisk(): Promise<string>;
  /** The guest-visible bytes of a disk file, through qemu-img. */
  readBack(path: string, format: DiskFormat): Promise<Buffer>;
  remove(): Promise<void>;
}

export async function makeTestDisks(): Promise<TestDisks> {
  const dir = await mkdtemp(join(tmpdir(), 'skyport-conformance-disk-'));
  const content = Buffer.alloc(TEST_DISK_BYTES);
  randomBytes(64 * 1024).copy(content, 0);
  content.write('SKYPORT-CONFORMANCE-MIDDLE', MiB);
  content.write('SKYPORT-CONFORMANCE-END', TEST_DISK_BYTES - 512);
  const raw = join(dir, 'disk.raw');
  await writeFile(raw, content);
  let counter = 0;
  return {
    dir,
    content,
    async file(format) {
      if (format === 'raw') return raw;
      const path = join(dir, `disk.${format}`);
      await convertImage({ source: raw, sourceFormat: 'raw', target: path, targetFormat: format });
      return path;
    },
    async withBackingFile() {
      const path = join(dir, 'overlay.qcow2');
      await runQemuImg(['create', '-f', 'qcow2', '-b', raw, '-F', 'raw', path], path);
      return path;
    },
    async notADisk() {
      const path = join(dir, 'notes.txt');
      await writeFile(path, 'this is a text file, not a disk image\n'.repeat(100));
      return path;
    },
    async readBack(path, format) {
      const out = join(dir, `read-back-${++counter}.raw`);
      await convertImage({ source: path, sourceFormat: format, target: out, targetFormat: 'raw' });
      try {
        return await readFile(out);
      } finally {
        await rm(out, { force: true });
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
