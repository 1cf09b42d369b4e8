/**
 * Streaming OVA writer: a ustar archive with the descriptor first, the manifest second and
 * the files in References order (DSP0243 §5.3), each file read once and hashed while it is
 * copied. To a file, the manifest's bytes are reserved (their length is known before the
 * digests are) and filled in at the end, so one pass suffices; to a stream, the files are
 * hashed in a first pass, because a tar member's content cannot change once sent.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pack as createPack, type Pack } from 'tar-stream';
import { SkyportError } from '@skyport/model';
import { digestFile, formatManifest, manifestLineLength, type DigestAlgorithm, type ManifestEntry } from './manifest.js';
import { isSafePackagePath } from './package-files.js';

export interface OvaFile {
  /** Name inside the archive (the descriptor's href). */
  readonly name: string;
  /** Where the bytes are now. */
  readonly path: string;
}

export interface WriteOvaOptions {
  /** `name.ovf`; the manifest is `name.mf`. */
  readonly descriptorName: string;
  readonly descriptor: string;
  readonly files: readonly OvaFile[];
  /** Digest algorithm of the manifest; `false` writes none. Default SHA-256. */
  readonly manifest?: DigestAlgorithm | false;
  /** Bytes of file data written so far, of the total. */
  readonly onProgress?: (doneBytes: number, totalBytes: number) => void;
  readonly signal?: AbortSignal;
}

export interface WrittenOva {
  readonly bytes: number;
  readonly manifest?: readonly ManifestEntry[];
}

const BLOCK = 512;
/** ustar's 11 octal digits stop at 8 GiB; larger members also get a PAX size record. */
const USTAR_MAX_SIZE = 8 * 1024 ** 3 - 1;

/** Writes an OVA to a file in one pass over the data. */
export async function writeOvaFile(outPath: string, options: WriteOvaOptions): Promise<WrittenOva> {
  const plan = await planOva(options);
  const algorithm = options.manifest === undefined ? 'sha256' : options.manifest;
  const manifestName = manifestNameOf(options.descriptorName);
  const out = createWriteStream(outPath);
  const pack = createPack();
  const piped = pipeTo(pack, out);
  const entries: ManifestEntry[] = [];
  const descriptorBytes = Buffer.from(options.descriptor, 'utf8');
  await addBuffer(pack, options.descriptorName, descriptorBytes);
  let manifestLength = 0;
  if (algorithm !== false) {
    entries.push({ algorithm, name: options.descriptorName, digest: createHash(algorithm).update(descriptorBytes).digest('hex') });
    manifestLength = manifestLineLength(algorithm, options.descriptorName) + plan.files.reduce((sum, f) => sum + manifestLineLength(algorithm, f.name), 0);
    // Placeholder of the exact final length; overwritten once the digests are known.
    await addBuffer(pack, manifestName, Buffer.alloc(manifestLength, 0x20));
  }
  const progress = { done: 0, total: plan.total };
  for (const file of plan.files) {
    const digest = await addFile(pack, file, algorithm === false ? undefined : algorithm, progress, options);
    if (algorithm !== false && digest !== undefined) entries.push({ algorithm, name: file.name, digest });
  }
  pack.finalize();
  await piped;
  if (algorithm !== false) {
    const manifestText = Buffer.from(formatManifest(entries), 'utf8');
    if (manifestText.length !== manifestLength) throw new SkyportError('Internal', 'the manifest length changed while writing the OVA');
    // Layout: descriptor header + padded data, then the manifest's header; its data follows.
    const offset = BLOCK + roundUp(descriptorBytes.length) + BLOCK;
    const handle = await open(outPath, 'r+');
    try {
      const header = Buffer.alloc(BLOCK);
      await handle.read(header, 0, BLOCK, offset - BLOCK);
      if (header.subarray(0, manifestName.length).toString('utf8') !== manifestName) throw new SkyportError('Internal', 'the OVA layout is not the expected one; the manifest was not written');
      await handle.write(manifestText, 0, manifestText.length, offset);
    } finally {
      await handle.close();
    }
  }
  return { bytes: (await stat(outPath)).size, ...(algorithm === false ? {} : { manifest: entries }) };
}

/** Writes an OVA to a stream (an HTTP response): hashes first, then streams. */
export async function writeOvaStream(out: Writable, options: WriteOvaOptions): Promise<WrittenOva> {
  const plan = await planOva(options);
  const algorithm = options.manifest === undefined ? 'sha256' : options.manifest;
  const pack = createPack();
  let bytes = 0;
  pack.on('data', (chunk) => (bytes += (chunk as Buffer).length));
  const piped = pipeTo(pack, out);
  const descriptorBytes = Buffer.from(options.descriptor, 'utf8');
  await addBuffer(pack, options.descriptorName, descriptorBytes);
  const entries: ManifestEntry[] = [];
  if (algorithm !== false) {
    entries.push({ algorithm, name: options.descriptorName, digest: createHash(algorithm).update(descriptorBytes).digest('hex') });
    for (const file of plan.files) entries.push({ algorithm, name: file.name, digest: await digestFile(file.path, algorithm) });
    await addBuffer(pack, manifestNameOf(options.descriptorName), Buffer.from(formatManifest(entries), 'utf8'));
  }
  const progress = { done: 0, total: plan.total };
  for (const file of plan.files) await addFile(pack, file, undefined, progress, options);
  pack.finalize();
  await piped;
  return { bytes, ...(algorithm === false ? {} : { manifest: entries }) };
}

interface PlannedFile extends OvaFile {
  readonly size: number;
}

async function planOva(options: WriteOvaOptions): Promise<{ files: PlannedFile[]; total: number }> {
  for (const name of [options.descriptorName, ...options.files.map((f) => f.name)]) {
    if (!isSafePackagePath(name) || Buffer.byteLength(name) > 99) {
      throw new SkyportError('InvalidArgument', `"${name}" cannot be a member of an OVA: names must be relative, without "..", and shorter than 100 bytes`, { details: { field: 'name', value: name } });
    }
  }
  if (!options.descriptorName.toLowerCase().endsWith('.ovf')) throw new SkyportError('InvalidArgument', `the descriptor's name must end in .ovf, not "${options.descriptorName}"`);
  const files = await Promise.all(options.files.map(async (f) => ({ ...f, size: (await stat(f.path)).size })));
  return { files, total: files.reduce((sum, f) => sum + f.size, 0) };
}

function manifestNameOf(descriptorName: string): string {
  return descriptorName.replace(/\.ovf$/i, '.mf');
}

function header(name: string, size: number): Parameters<Pack['entry']>[0] {
  return {
    name,
    size,
    mode: 0o644,
    mtime: new Date(),
    type: 'file',
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    ...(size > USTAR_MAX_SIZE ? { pax: { size: String(size) } } : {}),
  };
}

function addBuffer(pack: Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header(name, data.length), data, (error) => (error ? reject(error) : resolve()));
  });
}

async function addFile(pack: Pack, file: PlannedFile, algorithm: DigestAlgorithm | undefined, progress: { done: number; total: number }, options: WriteOvaOptions): Promise<string | undefined> {
  const hash = algorithm === undefined ? undefined : createHash(algorithm);
  let finish: (error?: Error | null) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => (finish = (error) => (error ? reject(error) : resolve())));
  const sink = pack.entry(header(file.name, file.size), (error) => finish(error));
  let copied = 0;
  for await (const chunk of createReadStream(file.path, { highWaterMark: 4 * 1024 * 1024, ...(options.signal === undefined ? {} : { signal: options.signal }) })) {
    const buffer = chunk as Buffer;
    hash?.update(buffer);
    copied += buffer.length;
    progress.done += buffer.length;
    options.onProgress?.(progress.done, progress.total);
    if (!sink.write(buffer)) await once(sink, 'drain');
  }
  if (copied !== file.size) throw new SkyportError('InvalidArgument', `${file.path} changed size while it was being packed (${file.size} → ${copied} bytes)`);
  (sink as unknown as { end(): void }).end();
  await done;
  return hash?.digest('hex');
}

function pipeTo(pack: Pack, out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.on('error', reject);
    out.on('error', reject);
    out.on('finish', resolve);
    pack.pipe(out, (error?: Error | null) => {
      if (error) reject(error);
    });
  });
}

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}
