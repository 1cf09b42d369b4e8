/**
 * The broker's own files of a migration: converted disks (`plans/<plan>/<vm>/`) and each
 * target's staging area (`staging/<target provider>/`), under `<data dir>/migrations`. Files
 * are written as `.partial` and renamed when complete, so a file with the final name is whole.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DiskFormat } from '@skyport/model';

export function vmWorkDir(workDir: string, planId: string, vmId: string): string {
  return join(workDir, 'plans', planId, vmId);
}

export function planWorkDir(workDir: string, planId: string): string {
  return join(workDir, 'plans', planId);
}

export function stagingPath(workDir: string, targetProviderId: string, vmId: string, format: DiskFormat): string {
  return join(workDir, 'staging', targetProviderId, `${vmId}.${format}`);
}

export async function fileSize(path: string): Promise<number | undefined> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() === true ? info.size : undefined;
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.partial`, { force: true });
}

/** Reports at most this often: progress goes to the store, not to a terminal. */
const REPORT_EVERY_BYTES = 8 * 1024 * 1024;

function counter(total: number, start: number, onProgress: ((done: number, total: number) => void) | undefined, hash: ReturnType<typeof createHash>): Transform {
  let done = start;
  let reported = start;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      hash.update(chunk);
      if (done - reported >= REPORT_EVERY_BYTES || done === total) {
        reported = done;
        onProgress?.(done, total);
      }
      callback(null, chunk);
    },
  });
}

/**
 * Copies `from` to `to` through `to.partial`, hashing the source's bytes; flushed to disk before
 * the rename, so a crash never leaves a short file under the final name. A `.partial` left by
 * an interrupted copy is continued, not redone: the source's bytes before that point are hashed
 * again (a read, no write), and the caller's check of the whole copy against that hash catches
 * a damaged tail. So a copy longer than a job's time slice still finishes.
 */
export async function copyFile(from: string, to: string, options: { readonly signal: AbortSignal; readonly onProgress?: (done: number, total: number) => void }): Promise<{ bytes: number; sha256: string; resumedAt: number }> {
  const total = (await stat(from)).size;
  await mkdir(dirname(to), { recursive: true });
  const partial = `${to}.partial`;
  const existing = (await fileSize(partial)) ?? 0;
  const resumedAt = existing <= total ? existing : 0;
  const hash = createHash('sha256');
  if (resumedAt > 0) {
    for await (const chunk of createReadStream(from, { end: resumedAt - 1, signal: options.signal }) as AsyncIterable<Buffer>) hash.update(chunk);
  }
  options.onProgress?.(resumedAt, total);
  const source = createReadStream(from, { start: resumedAt });
  const sink = resumedAt > 0 ? createWriteStream(partial, { flags: 'r+', start: resumedAt }) : createWriteStream(partial, { flags: 'w' });
  await pipeline(source, counter(total, resumedAt, options.onProgress, hash), sink, { signal: options.signal });
  const handle = await open(partial, 'r+');
  try {
    // A longer leftover (the source shrank?) must not keep its tail.
    await handle.truncate(total);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, to);
  return { bytes: total, sha256: hash.digest('hex'), resumedAt };
}

export async function sha256File(path: string, options: { readonly signal: AbortSignal; readonly onProgress?: (done: number, total: number) => void }): Promise<string> {
  const total = (await stat(path)).size;
  const hash = createHash('sha256');
  let done = 0;
  let reported = 0;
  for await (const chunk of createReadStream(path, { signal: options.signal }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    done += chunk.length;
    if (done - reported >= REPORT_EVERY_BYTES || done === total) {
      reported = done;
      options.onProgress?.(done, total);
    }
  }
  return hash.digest('hex');
}
