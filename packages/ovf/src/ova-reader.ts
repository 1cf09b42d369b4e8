/**
 * Streaming OVA reader. Members are checked before a byte is written: only regular files
 * and folders, relative names without `..`, sizes under caps; links, devices and FIFOs are
 * refused. Every member is hashed while it is written, the manifest (wherever it sits in the
 * archive) is verified at the end, chunked files are joined and gzip members inflated under
 * the same caps. On any failure the extraction folder is removed: nothing half-imported stays.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as createExtract, type Header } from 'tar-stream';
import { SkyportError } from '@skyport/model';
import { DIGEST_ALGORITHMS, parseManifest, verifyManifest, type DigestAlgorithm, type ParsedManifest } from './manifest.js';
import { isSafePackagePath } from './package-files.js';
import { readOvf } from './read-ovf.js';
import type { Appliance } from './vm-spec.js';

export interface OvaLimits {
  readonly maxMembers: number;
  /** Largest single member (and largest inflated gzip file). */
  readonly maxMemberBytes: number;
  /** All members together, after inflating. */
  readonly maxTotalBytes: number;
  /** Largest descriptor, manifest or certificate (read into memory). */
  readonly maxDescriptorBytes: number;
}

export const DEFAULT_OVA_LIMITS: OvaLimits = {
  maxMembers: 1000,
  maxMemberBytes: 4 * 1024 ** 4,
  maxTotalBytes: 8 * 1024 ** 4,
  maxDescriptorBytes: 8 * 1024 ** 2,
};

export interface ExtractOvaOptions {
  readonly limits?: Partial<OvaLimits>;
  /** Fail when the archive has no manifest (default false: a missing manifest is reported). */
  readonly requireManifest?: boolean;
  readonly onProgress?: (doneBytes: number) => void;
  readonly signal?: AbortSignal;
}

export interface ExtractedOva {
  readonly dir: string;
  readonly descriptorName: string;
  readonly descriptor: string;
  readonly appliance: Appliance;
  readonly manifest?: ParsedManifest;
  /** Members as stored, with their sizes. */
  readonly members: readonly { readonly name: string; readonly size: number }[];
  /** Usable file (joined, inflated) per `<File ovf:id>`. */
  readonly files: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
}

function refuse(reason: string, message: string, details: Record<string, unknown> = {}): SkyportError {
  return new SkyportError('InvalidArgument', message, { details: { reason, ...details } });
}

/** Checks one tar header; returns the member's safe relative name. */
export function checkMember(header: Header, limits: OvaLimits): string {
  const name = header.name.replace(/^\.\//, '').replace(/\/+$/, '');
  if (header.type !== 'file' && header.type !== 'directory' && header.type !== 'contiguous-file') {
    throw refuse('tar-member-type', `the OVA member "${header.name}" is a ${header.type}; only regular files are accepted (links and devices are refused)`, { member: header.name });
  }
  if (name === '' || !isSafePackagePath(name)) {
    throw refuse('tar-path', `the OVA member "${header.name}" has an absolute or escaping path; members must stay inside the archive`, { member: header.name });
  }
  if (header.size > limits.maxMemberBytes) {
    throw refuse('tar-size', `the OVA member "${header.name}" is ${header.size} bytes; at most ${limits.maxMemberBytes} are accepted`, { member: header.name, max: limits.maxMemberBytes });
  }
  return name;
}

/** Reads only the descriptor (the first `.ovf` member), stopping there. */
export async function readOvaDescriptor(source: string | Readable, limits: Partial<OvaLimits> = {}): Promise<{ name: string; text: string }> {
  const caps = { ...DEFAULT_OVA_LIMITS, ...limits };
  const extract = createExtract();
  const input = typeof source === 'string' ? createReadStream(source) : source;
  // .pipe() does not forward source errors (a missing file); hand them to the extractor.
  input.on('error', (error: Error) => extract.destroy(error));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      const name = checkMember(entry.header, caps);
      if (entry.header.type === 'file' && name.toLowerCase().endsWith('.ovf')) {
        if (entry.header.size > caps.maxDescriptorBytes) throw refuse('descriptor-size', `the descriptor ${name} is ${entry.header.size} bytes; at most ${caps.maxDescriptorBytes} are accepted`);
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        return { name, text: Buffer.concat(chunks).toString('utf8') };
      }
      entry.resume();
    }
  } finally {
    input.unpipe();
    if (typeof source === 'string') (input as ReturnType<typeof createReadStream>).destroy();
  }
  throw refuse('no-descriptor', 'the OVA has no .ovf descriptor');
}

/** Extracts an OVA into `dir` (created; removed again on failure), verifying its manifest. */
export async function extractOva(source: string | Readable, dir: string, options: ExtractOvaOptions = {}): Promise<ExtractedOva> {
  const limits = { ...DEFAULT_OVA_LIMITS, ...options.limits };
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw refuse('dir-not-empty', `the extraction folder ${dir} must be empty`);
  try {
    return await extractInto(source, dir, limits, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function extractInto(source: string | Readable, dir: string, limits: OvaLimits, options: ExtractOvaOptions): Promise<ExtractedOva> {
  const members: { name: string; size: number }[] = [];
  const digests = new Map<string, Partial<Record<DigestAlgorithm, string>>>();
  const small = new Map<string, Buffer>();
  let manifest: ParsedManifest | undefined;
  let descriptorName: string | undefined;
  let total = 0;
  const input = typeof source === 'string' ? createReadStream(source, { highWaterMark: 4 * 1024 * 1024 }) : source;
  const extract = createExtract();
  const feeding = pipeline(input, extract as unknown as NodeJS.WritableStream, ...(options.signal === undefined ? [] : [{ signal: options.signal }]));
  feeding.catch(() => undefined);
  for await (const entry of extract) {
    const name = checkMember(entry.header, limits);
    if (entry.header.type === 'directory') {
      entry.resume();
      continue;
    }
    if (members.length >= limits.maxMembers) throw refuse('tar-members', `the OVA has more than ${limits.maxMembers} members`);
    if (members.some((m) => m.name === name)) throw refuse('tar-duplicate', `the OVA has two members named "${name}"`, { member: name });
    total += entry.header.size;
    if (total > limits.maxTotalBytes) throw refuse('tar-total-size', `the OVA's members add up to more than ${limits.maxTotalBytes} bytes`);
    members.push({ name, size: entry.header.size });
    const lower = name.toLowerCase();
    const inMemory = lower.endsWith('.ovf') || lower.endsWith('.mf') || lower.endsWith('.cert');
    // Which digests to compute: the manifest's algorithm once it is known, all of them before.
    const algorithms = manifest === undefined ? DIGEST_ALGORITHMS : [...new Set(manifest.entries.map((e) => e.algorithm))];
    const hashes = new Map<DigestAlgorithm, Hash>(algorithms.map((a) => [a, createHash(a)]));
    if (inMemory) {
      if (entry.header.size > limits.maxDescriptorBytes) throw refuse('descriptor-size', `${name} is ${entry.header.size} bytes; at most ${limits.maxDescriptorBytes} are accepted`, { member: name });
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const data = Buffer.concat(chunks);
      for (const hash of hashes.values()) hash.update(data);
      small.set(name, data);
      if (lower.endsWith('.ovf') && descriptorName === undefined) descriptorName = name;
      if (lower.endsWith('.mf') && manifest === undefined) manifest = parseManifest(data.toString('utf8'));
    } else {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      const out = createWriteStream(path, { flags: 'wx' });
      for await (const chunk of entry) {
        const buffer = chunk as Buffer;
        for (const hash of hashes.values()) hash.update(buffer);
        if (!out.write(buffer)) await once(out, 'drain');
        options.onProgress?.(buffer.length);
      }
      out.end();
      await once(out, 'finish');
    }
    digests.set(name, Object.fromEntries([...hashes].map(([a, h]) => [a, h.digest('hex')])));
  }
  await feeding;
  if (descriptorName === undefined) throw refuse('no-descriptor', 'the OVA has no .ovf descriptor');
  const warnings: string[] = [];
  if (members[0]?.name !== descriptorName) warnings.push(`the descriptor ${descriptorName} is not the first member of the archive`);
  if (manifest === undefined) {
    if (options.requireManifest === true) throw refuse('no-manifest', 'the OVA has no manifest (.mf) and one is required');
    warnings.push('the OVA has no manifest; file integrity was not checked');
  } else {
    verifyManifest(manifest, digests);
    for (const ignored of manifest.ignoredLines) warnings.push(`manifest line ignored: ${ignored}`);
    for (const member of members) {
      if (!member.name.toLowerCase().endsWith('.mf') && !member.name.toLowerCase().endsWith('.cert') && !manifest.entries.some((e) => e.name === member.name)) {
        warnings.push(`${member.name} is not listed in the manifest`);
      }
    }
  }
  for (const [name, data] of small) {
    if (!name.toLowerCase().endsWith('.ovf')) await writeSmall(join(dir, name), data);
  }
  const descriptor = (small.get(descriptorName) ?? Buffer.alloc(0)).toString('utf8');
  await writeSmall(join(dir, descriptorName), Buffer.from(descriptor, 'utf8'));
  const appliance = readOvf(descriptor);
  const files = await assembleFiles(appliance, dir, members, limits);
  return { dir, descriptorName, descriptor, appliance, ...(manifest === undefined ? {} : { manifest }), members, files, warnings };
}

async function writeSmall(path: string, data: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path, { flags: 'wx' });
  out.end(data);
  await once(out, 'finish');
}

/** Joins chunked files and inflates gzip ones, so each `<File>` has one plain file. */
async function assembleFiles(appliance: Appliance, dir: string, members: readonly { name: string; size: number }[], limits: OvaLimits): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const file of appliance.files) {
    if (!isSafePackagePath(file.href)) continue;
    const path = join(dir, file.href);
    if (file.chunkSize !== undefined) {
      const chunks = members.filter((m) => m.name.startsWith(`${file.href}.`) && /^\d+$/.test(m.name.slice(file.href.length + 1))).sort((a, b) => a.name.localeCompare(b.name));
      if (chunks.length === 0) throw refuse('chunk-missing', `file "${file.id}" is chunked but no ${file.href}.000 is in the OVA`, { file: file.href });
      await pipeline(
        Readable.from(
          (async function* () {
            for (const chunk of chunks) yield* createReadStream(join(dir, chunk.name));
          })(),
        ),
        createWriteStream(path, { flags: 'wx' }),
      );
      for (const chunk of chunks) await unlink(join(dir, chunk.name));
    } else if (!members.some((m) => m.name === file.href)) {
      continue;
    }
    if (file.compression === 'gzip') {
      const inflated = `${path}.inflating`;
      let size = 0;
      const cap = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          if (size > limits.maxMemberBytes) callback(refuse('gzip-size', `${file.href} inflates to more than ${limits.maxMemberBytes} bytes`, { file: file.href }));
          else callback(null, chunk);
        },
      });
      try {
        await pipeline(createReadStream(path), createGunzip(), cap, createWriteStream(inflated, { flags: 'wx' }));
      } catch (error) {
        if (error instanceof SkyportError) throw error;
        throw refuse('gzip', `${file.href} is marked ovf:compression="gzip" but does not inflate: ${(error as Error).message}`, { file: file.href });
      }
      await rename(inflated, path);
    }
    files.set(file.id, path);
  }
  return files;
}
