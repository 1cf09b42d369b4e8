/**
 * Disks in and out of a remote broker, which speaks appliances (docs/appliances.md): an export
 * is an OVA downloaded from `/exports/{operation}` and unpacked here (checked like any OVA: no
 * path escapes, manifest digests, no backing files); an import packs the disk into an OVA
 * (streamOptimized VMDK) and uploads it to `/images/import`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { exportDiskToOva, imageInfo, importOva } from '@skyport/disk';
import { SkyportError, type Operation } from '@skyport/model';
import type { DriverImportImageRequest, ExportedDisk } from '@skyport/core';
import type { ExportDownload } from '@skyport/client';

async function scratchDir(dataDir: string, kind: 'exports' | 'imports'): Promise<string> {
  const dir = join(dataDir, kind, randomUUID());
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export interface ExportRemoteDiskRequest {
  readonly dataDir: string;
  /** Names the downloaded file. */
  readonly name: string;
  readonly download: () => Promise<ExportDownload>;
  readonly signal?: AbortSignal;
}

/** Downloads a finished remote export, checks its SHA-256, and unpacks its first disk. */
export async function exportRemoteDisk(request: ExportRemoteDiskRequest): Promise<ExportedDisk> {
  const dir = await scratchDir(request.dataDir, 'exports');
  const release = async (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const download = await request.download();
    const ova = join(dir, `${request.name.replace(/[^A-Za-z0-9._-]+/g, '-')}.ova`);
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(download.body as WebReadableStream<Uint8Array>), hashing, createWriteStream(ova), request.signal === undefined ? {} : { signal: request.signal });
    const digest = hash.digest('hex');
    if (download.sha256 !== undefined && download.sha256 !== digest) {
      throw new SkyportError('ProviderError', `the downloaded OVA's SHA-256 ${digest} differs from the ${download.sha256} the remote broker announced; the transfer was damaged, try again`, {
        retryable: true,
        details: { expected: download.sha256, actual: digest },
      });
    }
    const unpacked = await importOva({ source: ova, workDir: join(dir, 'unpacked'), target: 'qemu' });
    const [disk] = unpacked.disks;
    if (disk === undefined) throw new SkyportError('ProviderError', `the remote broker's export ${request.name} holds no disk`);
    await rm(ova, { force: true });
    return { path: disk.path, format: disk.format, virtualSizeBytes: disk.virtualSizeBytes, release };
  } catch (error) {
    await release();
    throw error;
  }
}

export interface ImportDiskAsOvaRequest {
  readonly request: DriverImportImageRequest;
  readonly dataDir: string;
  /** Starts the remote import with the OVA's bytes; `onSent` reports the upload. */
  readonly upload: (ova: ReadableStream<Uint8Array>, size: number, onSent: (sent: number, total: number) => void) => Promise<Operation>;
  /** Follows the import to its end and names the image. */
  readonly finish: (started: Operation) => Promise<string>;
}

/** Share of the progress taken by packing the OVA (conversion); the upload takes the rest. */
const PACK_SHARE = 0.5;

export async function importDiskAsOva({ request, dataDir, upload, finish }: ImportDiskAsOvaRequest): Promise<string> {
  // Checked here, before any upload: a missing file, a disk that is not what it claims or one
  // that names a backing file is refused with InvalidArgument and nothing reaches the remote.
  const info = await imageInfo(request.path, request.format);
  const total = info.virtualSizeBytes;
  const report = (fraction: number): void => request.onProgress?.(Math.min(total, Math.round(total * fraction)), total);
  const dir = await scratchDir(dataDir, 'imports');
  try {
    const out = join(dir, 'disk.ova');
    await exportDiskToOva({
      disk: { path: request.path, format: request.format },
      vm: {
        id: 'vm',
        name: request.name,
        cpus: 1,
        memoryMiB: 1024,
        firmware: 'bios',
        hardwareFamilies: [],
        os: request.os === 'windows' ? { id: 103, description: 'Microsoft Windows 64-bit' } : request.os === 'linux' ? { id: 101, description: 'Linux 64-bit' } : { id: 1, description: request.os ?? 'Other' },
        nics: [],
        cdroms: 0,
        products: [],
      },
      out,
      workDir: dir,
      onProgress: (percent) => report((PACK_SHARE * percent) / 100),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    const { size } = await stat(out);
    const body = Readable.toWeb(createReadStream(out)) as unknown as ReadableStream<Uint8Array>;
    const started = await upload(body, size, (sent) => report(PACK_SHARE + ((1 - PACK_SHARE) * sent) / Math.max(1, size)));
    const id = await finish(started);
    request.onProgress?.(total, total);
    return id;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
