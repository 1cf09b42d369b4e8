/**
 * OVAs for the appliance tests, built here rather than with the code under test: a tiny
 * ustar writer (so a test can put hostile members in: `..` paths, links, wrong manifests),
 * disks made with qemu-img from known bytes, descriptors from @skyport/ovf's writer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { FORMAT_URIS, writeOvf, type Appliance } from '@skyport/ovf';

const run = promisify(execFile);
const BLOCK = 512;
const MiB = 1024 * 1024;

export interface TarMember {
  readonly name: string;
  /** A file to copy in, or the bytes themselves. */
  readonly file?: string;
  readonly data?: Buffer;
  /** `0` file (default), `2` symbolic link. */
  readonly type?: '0' | '2';
  readonly linkName?: string;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One ustar header block, checksum included. */
export function tarHeader(name: string, size: number, type: '0' | '2' = '0', linkName = ''): Buffer {
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'latin1');
  header.write(octal(0, 8), 108, 'latin1');
  header.write(octal(0, 8), 116, 'latin1');
  header.write(octal(size, 12), 124, 'latin1');
  header.write(octal(Math.floor(Date.now() / 1000), 12), 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write(type, 156, 'latin1');
  header.write(linkName, 157, 100, 'utf8');
  header.write('ustar\0', 257, 'latin1');
  header.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(octal(sum, 7) + ' ', 148, 'latin1');
  return header;
}

/** Writes a ustar archive of `members`, in order, streaming file members. */
export async function writeTar(out: string, members: readonly TarMember[]): Promise<void> {
  const sink = createWriteStream(out);
  const write = (chunk: Buffer) => new Promise<void>((resolve, reject) => sink.write(chunk, (error) => (error ? reject(error) : resolve())));
  for (const member of members) {
    const size = member.type === '2' ? 0 : member.file !== undefined ? (await stat(member.file)).size : (member.data?.length ?? 0);
    await write(tarHeader(member.name, size, member.type ?? '0', member.linkName ?? ''));
    if (member.file !== undefined && member.type !== '2') {
      await pipeline(createReadStream(member.file), sink, { end: false });
    } else if (member.data !== undefined) {
      await write(member.data);
    }
    if (size % BLOCK !== 0) await write(Buffer.alloc(BLOCK - (size % BLOCK)));
  }
  await write(Buffer.alloc(2 * BLOCK));
  await new Promise<void>((resolve, reject) => sink.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Guest-visible bytes: random data at the start and in the middle, markers, zeros elsewhere. */
export function diskContent(bytes = 8 * MiB): Buffer {
  const content = Buffer.alloc(bytes);
  randomBytes(256 * 1024).copy(content, 0);
  randomBytes(128 * 1024).copy(content, bytes / 2);
  content.write('SKYPORT-E2E-DISK-END', bytes - BLOCK);
  return content;
}

/** A disk file holding `content` in `format`, made with qemu-img; `backing` makes an overlay instead. */
export async function makeDisk(dir: string, name: string, content: Buffer, format: 'qcow2' | 'raw' | 'vmdk', backing?: string): Promise<string> {
  const raw = join(dir, `${name}.source.raw`);
  await writeFile(raw, content);
  const path = join(dir, `${name}.${format}`);
  if (backing !== undefined) {
    await run('qemu-img', ['create', '-f', 'qcow2', '-b', backing, '-F', 'raw', path]);
    return path;
  }
  await run('qemu-img', ['convert', '-f', 'raw', '-O', format, ...(format === 'vmdk' ? ['-o', 'subformat=streamOptimized'] : []), raw, path]);
  return path;
}

/** The guest-visible bytes of a disk file (qemu-img convert to raw). */
export async function readDisk(dir: string, path: string, format: 'qcow2' | 'raw' | 'vmdk'): Promise<Buffer> {
  const out = join(dir, `read-${randomBytes(4).toString('hex')}.raw`);
  await run('qemu-img', ['convert', '-f', format, '-O', 'raw', path, out]);
  return readFile(out);
}

export interface ApplianceSpec {
  readonly name: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly capacityBytes: number;
  readonly diskFile: string;
  readonly diskHref: string;
  readonly format: 'qcow2' | 'raw' | 'vmdk';
  /** BIOS unless given. */
  readonly firmware?: 'bios' | 'efi';
}

export async function descriptorFor(spec: ApplianceSpec): Promise<string> {
  const file = { id: 'file1', href: spec.diskHref, size: (await stat(spec.diskFile)).size };
  const uri = spec.format === 'vmdk' ? FORMAT_URIS.streamOptimized : FORMAT_URIS[spec.format];
  const appliance: Appliance = {
    ovfVersion: '1.0',
    producer: { dialect: 'generic', tool: 'skyport-e2e' },
    name: spec.name,
    files: [file],
    networks: [],
    deploymentOptions: [],
    eulas: [],
    vms: [
      {
        id: spec.name,
        name: spec.name,
        cpus: spec.cpus,
        memoryMiB: spec.memoryMiB,
        firmware: spec.firmware ?? 'bios',
        hardwareFamilies: ['vmx-13'],
        os: { id: 101, description: 'Debian GNU/Linux 12 (64-bit)' },
        disks: [{ diskId: 'vmdisk1', capacityBytes: spec.capacityBytes, format: { uri, diskFormat: spec.format, ...(spec.format === 'vmdk' ? { variant: 'streamOptimized' } : {}) }, fileRef: 'file1', file, index: 0 }],
        nics: [],
        cdroms: 0,
        products: [],
      },
    ],
  };
  return writeOvf(appliance, { version: '1.0' });
}

export interface OvaOptions {
  /** What to break: a wrong manifest digest, a `..` member, a disk with a backing file. */
  readonly tamper?: 'manifest' | 'traversal' | 'backing';
}

/** An OVA of one VM whose disk holds `content`: descriptor, manifest, disk, in that order. */
export async function buildOva(dir: string, spec: Omit<ApplianceSpec, 'diskFile' | 'diskHref' | 'capacityBytes'> & { readonly content: Buffer }, options: OvaOptions = {}): Promise<string> {
  let diskFile = await makeDisk(dir, `${spec.name}-disk1`, spec.content, spec.format);
  if (options.tamper === 'backing') {
    const base = join(dir, `${spec.name}-base.raw`);
    await writeFile(base, spec.content);
    diskFile = await makeDisk(dir, `${spec.name}-overlay`, spec.content, 'qcow2', base);
  }
  const diskHref = `${spec.name}-disk1.${spec.format}`;
  const descriptor = await descriptorFor({ ...spec, capacityBytes: spec.content.length, diskFile, diskHref });
  const digest = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
  const diskDigest = options.tamper === 'manifest' ? digest('not the disk') : await sha256File(diskFile);
  const manifest = `SHA256(${spec.name}.ovf)= ${digest(descriptor)}\nSHA256(${diskHref})= ${diskDigest}\n`;
  const out = join(dir, `${spec.name}${options.tamper === undefined ? '' : `-${options.tamper}`}.ova`);
  await writeTar(out, [
    { name: `${spec.name}.ovf`, data: Buffer.from(descriptor) },
    { name: `${spec.name}.mf`, data: Buffer.from(manifest) },
    { name: diskHref, file: diskFile },
    ...(options.tamper === 'traversal' ? [{ name: '../../escaped.txt', data: Buffer.from('outside the extraction folder') }] : []),
  ]);
  return out;
}
