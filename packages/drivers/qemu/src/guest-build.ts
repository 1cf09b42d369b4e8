/**
 * The skyport-tiny build, cached per host: `guest/build-guest.sh` makes a kernel, an initramfs and
 * a root disk from Debian packages; the result is kept under `<cacheDir>/guest/<key>`, where the
 * key hashes the builder's files and the package versions apt resolves. So every provider and
 * every test run on a host shares one build, and a new kernel or a changed script rebuilds.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isAlive } from './process-identity.js';
import { runCommand } from './run-command.js';

/** The builder's folder (works from src/ and from dist/). */
export const GUEST_SOURCE_DIR = fileURLToPath(new URL('../guest/', import.meta.url));
const BUILDER = join(GUEST_SOURCE_DIR, 'build-guest.sh');
/** A build takes seconds; a lock older than this belongs to a stuck builder. */
const LOCK_WAIT_MS = 10 * 60_000;

export interface GuestManifest {
  readonly kernelPackage: string;
  readonly kernelVersion: string;
  readonly busyboxVersion: string;
  readonly modules: string;
  readonly diskMiB: number;
  /** Kernel arguments (the driver adds `console=ttyS0`); the disk's own GRUB boots with the same. */
  readonly append: string;
  readonly builtAt: string;
}

export interface GuestArtifacts {
  readonly key: string;
  readonly dir: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly disk: string;
  readonly manifest: GuestManifest;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out.sort();
}

export interface BuildEnvironment {
  /** Prepended to PATH for the builder (where qemu-img lives, when configured by path). */
  readonly extraPath?: readonly string[];
  readonly signal?: AbortSignal;
}

function builderEnv(cacheDir: string, environment: BuildEnvironment): NodeJS.ProcessEnv {
  // mkfs.ext4 lives in /sbin, which a non-root user's PATH often lacks.
  const path = [...(environment.extraPath ?? []), process.env['PATH'] ?? '', '/usr/sbin', '/sbin'].join(':');
  return { ...process.env, PATH: path, SKYPORT_GUEST_DEB_CACHE: join(cacheDir, 'guest', 'debs'), LC_ALL: 'C' };
}

/** The cache key: the builder's own files and the package versions it would use today. */
export async function guestBuildKey(cacheDir: string, environment: BuildEnvironment = {}): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await filesUnder(GUEST_SOURCE_DIR)) {
    hash.update(relative(GUEST_SOURCE_DIR, file)).update('\0').update(await readFile(file)).update('\0');
  }
  const { stdout } = await runCommand('sh', [BUILDER, '--print-inputs'], {
    what: 'resolving the Debian packages of the skyport-tiny guest',
    env: builderEnv(cacheDir, environment),
    timeoutMs: 60_000,
    ...(environment.signal === undefined ? {} : { signal: environment.signal }),
  });
  hash.update(stdout);
  return hash.digest('hex').slice(0, 16);
}

async function readArtifacts(key: string, dir: string): Promise<GuestArtifacts | undefined> {
  const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').then((t) => JSON.parse(t) as GuestManifest, () => undefined);
  if (manifest === undefined) return undefined;
  return { key, dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), disk: join(dir, 'disk.qcow2'), manifest };
}

/** Takes the build lock (a directory, created atomically), waiting while a live builder holds it. */
async function lock(path: string, signal?: AbortSignal): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(path);
      await writeFile(join(path, 'owner'), String(process.pid));
      return () => rm(path, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(await readFile(join(path, 'owner'), 'utf8').catch(() => 'NaN'));
    const age = Date.now() - (await stat(path).then((s) => s.mtimeMs, () => Date.now()));
    // A lock whose owner died (or never wrote its pid within a minute) is stale.
    if ((Number.isInteger(owner) && !(await isAlive(owner))) || (!Number.isInteger(owner) && age > 60_000)) {
      await rm(path, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`the guest build lock ${path} is held by pid ${owner} for more than ${LOCK_WAIT_MS / 60_000} minutes`);
    signal?.throwIfAborted();
    await sleep(250);
  }
}

/** Returns the cached build for today's inputs, building it first when there is none. */
export async function ensureGuestArtifacts(cacheDir: string, environment: BuildEnvironment = {}): Promise<GuestArtifacts> {
  const key = await guestBuildKey(cacheDir, environment);
  const dir = join(cacheDir, 'guest', key);
  const cached = await readArtifacts(key, dir);
  if (cached !== undefined) return cached;
  await mkdir(dirname(dir), { recursive: true });
  const release = await lock(`${dir}.lock`, environment.signal);
  try {
    // Another process may have finished the build while we waited for the lock.
    const built = await readArtifacts(key, dir);
    if (built !== undefined) return built;
    const work = `${dir}.tmp-${process.pid}`;
    await rm(work, { recursive: true, force: true });
    try {
      await runCommand('sh', [BUILDER, work], {
        what: 'building the skyport-tiny guest image',
        env: builderEnv(cacheDir, environment),
        timeoutMs: 15 * 60_000,
        ...(environment.signal === undefined ? {} : { signal: environment.signal }),
      });
      await rename(work, dir);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const result = await readArtifacts(key, dir);
    if (result === undefined) throw new Error(`the guest builder finished but ${dir}/manifest.json is missing`);
    return result;
  } finally {
    await release();
  }
}
