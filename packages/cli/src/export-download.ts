/**
 * Downloads an export to a file: streamed with a progress bar, hashed on the way and checked
 * against the broker's SHA-256, written to `<file>.partial` and renamed only when complete
 * and correct, so a cut or corrupt download never looks like a finished one.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { CliContext } from './context.js';
import { CliFailure } from './options.js';
import { formatBytes, transferDisplay } from './transfer-bar.js';

export interface DownloadedExport {
  readonly operationId: string;
  readonly file: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export interface DownloadTarget {
  /** The file to write; default: the export's own name in `dir`. */
  readonly out?: string;
  readonly dir: string;
  /** Replace an existing file. */
  readonly force: boolean;
}

export async function downloadExport(ctx: CliContext, operationId: string, target: DownloadTarget): Promise<DownloadedExport> {
  const download = await ctx.client.exports.download(operationId);
  const file = resolve(target.dir, target.out ?? download.fileName);
  if (!target.force && (await access(file).then(() => true, () => false))) {
    await download.body.cancel();
    throw new CliFailure(`${file} exists; choose another --out or add --force to replace it (the export stays on the broker: skyport exports download ${operationId})`);
  }
  const partial = `${file}.partial`;
  const display = transferDisplay(ctx.out, `downloading ${download.fileName}`, download.sizeBytes);
  const hash = createHash('sha256');
  let done = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      done += chunk.length;
      display.update(done);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(download.body as NodeReadableStream<Uint8Array>), count, createWriteStream(partial));
  } catch (error) {
    await rm(partial, { force: true });
    throw new CliFailure(`the download of export ${operationId} was cut off after ${formatBytes(done)}: ${(error as Error).message}; run \`skyport exports download ${operationId}\` again`);
  } finally {
    display.stop();
  }
  const sha256 = hash.digest('hex');
  if ((Number.isFinite(download.sizeBytes) && done !== download.sizeBytes) || (download.sha256 !== undefined && download.sha256 !== sha256)) {
    await rm(partial, { force: true });
    throw new CliFailure(
      `the download of export ${operationId} is damaged (${formatBytes(done)} of ${formatBytes(download.sizeBytes)}, sha256 ${sha256}, expected ${download.sha256 ?? 'unknown'}); run \`skyport exports download ${operationId}\` again`,
    );
  }
  await rename(partial, file);
  return { operationId, file, sizeBytes: done, sha256 };
}
