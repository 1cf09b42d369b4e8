/**
 * Writes an uploaded OVA to `<dataDir>/uploads/` as it arrives, never holding it in memory.
 * It refuses early what cannot be an OVA: a body whose first tar header has no `ustar` magic
 * (OVF requires POSIX tar) or one larger than the cap, so a wrong file fails after 512 bytes,
 * not after gigabytes. A failed or aborted upload leaves no file behind.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SkyportError } from '@skyport/model';
import { formatBytes } from './transfer-progress.js';

const TAR_BLOCK = 512;

export interface WrittenUpload {
  readonly path: string;
  readonly sizeBytes: number;
}

function tooLarge(maxBytes: number): SkyportError {
  return new SkyportError('InvalidArgument', `the upload is larger than ${formatBytes(maxBytes)}, the most this broker accepts (tuning maxUploadBytes)`, {
    details: { reason: 'too-large', field: 'body', max: maxBytes },
  });
}

function notTar(): SkyportError {
  return new SkyportError('InvalidArgument', 'the body is not an OVA: an OVA is a POSIX (ustar) tar archive holding an .ovf descriptor, a manifest and disks; send the .ova file itself', {
    details: { reason: 'not-tar', field: 'body' },
  });
}

export async function writeUpload(dir: string, body: AsyncIterable<Uint8Array>, maxBytes: number, announcedBytes?: number): Promise<WrittenUpload> {
  if (announcedBytes !== undefined && announcedBytes > maxBytes) throw tooLarge(maxBytes);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${randomUUID()}.ova`);
  const partial = `${path}.partial`;
  let size = 0;
  let head = Buffer.alloc(0);
  const check = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) return callback(tooLarge(maxBytes));
      if (head.length < TAR_BLOCK) {
        head = Buffer.concat([head, chunk.subarray(0, TAR_BLOCK - head.length)]);
        if (head.length === TAR_BLOCK && head.subarray(257, 262).toString('latin1') !== 'ustar') return callback(notTar());
      }
      callback(null, chunk);
    },
  });
  const out = createWriteStream(partial, { flags: 'wx' });
  try {
    await pipeline(body instanceof Readable ? body : Readable.from(body, { objectMode: false }), check, out);
    if (head.length < TAR_BLOCK) throw size === 0 ? new SkyportError('InvalidArgument', 'the body is empty; send the .ova file as the request body', { details: { reason: 'empty', field: 'body' } }) : notTar();
    await rename(partial, path);
    return { path, sizeBytes: size };
  } catch (error) {
    // The file is opened asynchronously: a body refused at its first bytes can fail the
    // pipeline before the open is done, and the file would appear after it was removed.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await rm(partial, { force: true });
    if (error instanceof SkyportError) throw error;
    // The client went away or the disk filled: say which, without internals.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC') throw new SkyportError('Internal', 'the broker ran out of disk space while receiving the upload', { cause: error });
    throw new SkyportError('InvalidArgument', `the upload was cut off after ${formatBytes(size)}: ${(error as Error).message}`, { details: { reason: 'upload-aborted', field: 'body' }, cause: error });
  }
}
