/**
 * What libvirt does not keep for us: image, key pair, volume and snapshot records (names, tags,
 * descriptions) and each instance's model values, in `<data dir>/libvirt-state.json`, written
 * atomically. libvirt stays the truth for what exists and runs: domains and pool volumes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tags } from '@skyport/model';

export interface ImageRecord {
  id: string;
  name: string;
  description?: string;
  os?: string;
  architecture: 'x86_64' | 'aarch64';
  volume: string;
  virtualSizeBytes: number;
  tags: Tags;
  createdAt: string;
  /** Deregistered while instances still used its volume; the volume goes with the last of them. */
  deletedAt?: string;
}

export interface InstanceRecord {
  id: string;
  name: string;
  imageId: string;
  hardwareProfileId: string;
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
  keyName?: string;
  tags: Tags;
  createdAt: string;
  rootVolume: string;
  seedVolume?: string;
  consoleVolume: string;
  terminatedAt?: string;
  /** Set by a graceful stop until the domain is off. */
  stopRequestedAt?: string;
}

export interface KeyPairRecord {
  id: string;
  name: string;
  fingerprint: string;
  publicKey: string;
  createdAt: string;
}

export interface VolumeRecord {
  id: string;
  name: string;
  sizeGiB: number;
  volume: string;
  snapshotId?: string;
  attachment?: { instanceId: string; device: string };
  tags: Tags;
  createdAt: string;
}

export interface SnapshotRecord {
  id: string;
  name: string;
  volumeId: string;
  sizeGiB: number;
  volume: string;
  tags: Tags;
  createdAt: string;
}

export interface LibvirtState {
  images: ImageRecord[];
  instances: InstanceRecord[];
  keyPairs: KeyPairRecord[];
  volumes: VolumeRecord[];
  snapshots: SnapshotRecord[];
}

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export class LibvirtStore {
  readonly #file: string;
  #state: LibvirtState | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly dataDir: string) {
    this.#file = join(dataDir, 'libvirt-state.json');
  }

  async state(): Promise<LibvirtState> {
    if (this.#state === undefined) {
      const text = await readFile(this.#file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      this.#state = text === undefined ? { images: [], instances: [], keyPairs: [], volumes: [], snapshots: [] } : (JSON.parse(text) as LibvirtState);
    }
    return this.#state;
  }

  /** Writes the state; writes are serialized, each one complete (temporary file, then rename). */
  save(): Promise<void> {
    const next = this.#writing.then(async () => {
      if (this.#state === undefined) return;
      await mkdir(this.dataDir, { recursive: true });
      const temp = `${this.#file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(this.#state, null, 1));
      await rename(temp, this.#file);
    });
    this.#writing = next.catch(() => undefined);
    return next;
  }
}
