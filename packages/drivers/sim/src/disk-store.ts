/**
 * The sim's disk files: one per image "base" in `<dataDir>/disks/`. Imported disks are copied
 * as they come (the sim never boots them, so there is no reason to convert); seeded catalogue
 * images get a small generated disk the first time someone exports them, so every image and
 * every stopped instance can be exported like on a real cloud.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { convertImage, imageInfo } from '@skyport/disk';
import type { DiskFormat } from '@skyport/model';
import { invalidArgument } from './sim-errors.js';

const GIB = 1024 ** 3;

/** What the sim knows of a stored disk. */
export interface StoredDisk {
  /** File name inside the disks folder. */
  readonly file: string;
  readonly format: DiskFormat;
  readonly virtualSizeBytes: number;
}

export interface StoreDiskRequest {
  readonly path: string;
  readonly format: DiskFormat;
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * VMDK create types that are one self-contained file. Others (monolithicFlat, split extents)
 * name extent files beside them: copying the descriptor alone would lose the data, so those
 * are converted to qcow2 instead.
 */
const SINGLE_FILE_VMDK = new Set(['streamOptimized', 'monolithicSparse']);

export class SimDiskStore {
  readonly dir: string;
  /** Generations in flight, so two exports of one seeded image make its disk once. */
  readonly #generating = new Map<string, Promise<StoredDisk>>();

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'disks');
  }

  pathOf(file: string): string {
    return join(this.dir, file);
  }

  /** Copies (or, for multi-file VMDKs, converts) a checked disk under the image's id. */
  async store(imageId: string, request: StoreDiskRequest): Promise<StoredDisk> {
    const file = await stat(request.path).catch(() => undefined);
    if (file === undefined || !file.isFile()) throw invalidArgument('path', `${request.path} is not a readable file`, { path: request.path });
    // Refuses a disk that is not what its format says, or that has a backing file.
    const info = await imageInfo(request.path, request.format);
    await mkdir(this.dir, { recursive: true });
    const convert = request.format === 'vmdk' && !SINGLE_FILE_VMDK.has(info.subformat ?? '');
    const format: DiskFormat = convert ? 'qcow2' : request.format;
    const name = `${imageId}.${format}`;
    const partial = this.pathOf(`${name}.partial`);
    try {
      if (convert) {
        await convertImage({
          source: request.path,
          sourceFormat: request.format,
          target: partial,
          targetFormat: 'qcow2',
          onProgress: (percent) => request.onProgress?.(Math.round((file.size * percent) / 100), file.size),
          ...(request.signal === undefined ? {} : { signal: request.signal }),
        });
      } else {
        await copyWithProgress(request.path, partial, file.size, request);
      }
      await rename(partial, this.pathOf(name));
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { file: name, format, virtualSizeBytes: info.virtualSizeBytes };
  }

  /**
   * A disk for a catalogue image that has none: `sizeGiB` of zeros with a label in the first
   * sector (so an exported disk says where it came from), stored as qcow2 so it stays small.
   */
  generate(imageId: string, sizeGiB: number, label: string): Promise<StoredDisk> {
    let pending = this.#generating.get(imageId);
    if (pending === undefined) {
      pending = this.#generate(imageId, sizeGiB, label).finally(() => this.#generating.delete(imageId));
      this.#generating.set(imageId, pending);
    }
    return pending;
  }

  async #generate(imageId: string, sizeGiB: number, label: string): Promise<StoredDisk> {
    await mkdir(this.dir, { recursive: true });
    const name = `${imageId}.qcow2`;
    const raw = this.pathOf(`${imageId}.generating.raw`);
    const partial = this.pathOf(`${name}.partial`);
    const virtualSizeBytes = Math.max(1, sizeGiB) * GIB;
    try {
      const handle = await open(raw, 'w');
      try {
        await handle.write(Buffer.from(`${label}\n`.padEnd(512, '\0')), 0, 512, 0);
        // Sparse: only the label takes space, however large the disk.
        await handle.truncate(virtualSizeBytes);
      } finally {
        await handle.close();
      }
      await convertImage({ source: raw, sourceFormat: 'raw', target: partial, targetFormat: 'qcow2' });
      await rename(partial, this.pathOf(name));
      return { file: name, format: 'qcow2', virtualSizeBytes };
    } finally {
      await rm(raw, { force: true });
      await rm(partial, { force: true });
    }
  }

  async remove(file: string): Promise<void> {
    await rm(this.pathOf(file), { force: true });
  }
}

async function copyWithProgress(from: string, to: string, total: number, request: StoreDiskRequest): Promise<void> {
  let done = 0;
  request.onProgress?.(0, total);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      request.onProgress?.(done, total);
      callback(null, chunk);
    },
  });
  await pipeline(createReadStream(from), count, createWriteStream(to, { flags: 'wx' }), { signal: request.signal ?? new AbortController().signal });
}
