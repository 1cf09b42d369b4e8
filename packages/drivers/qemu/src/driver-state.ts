/**
 * What the driver remembers about its resources, kept in `<dataDir>/state.json` and rewritten
 * atomically (temporary file + rename) after every change, so a broker restart finds the same
 * instances, their QEMU pids and sockets, disks, volumes and images.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { ImageState, SnapshotState, Tags, VolumeState } from '@skyport/model';
import { hostError, messageOf } from './errors.js';
import type { Accelerator } from './qemu-command.js';

/** The driver's own words for an instance's state (`rawState`). */
export type RawInstanceState = 'creating' | 'starting' | 'running' | 'resetting' | 'powering-down' | 'shutoff' | 'crashed' | 'deleting';

export interface BootConfig {
  /** File names inside the image's folder. */
  readonly kernel: string;
  readonly initrd?: string;
  readonly append: string;
}

export interface InstanceRecord {
  readonly id: string;
  name: string;
  readonly imageId: string;
  readonly hardwareProfileId: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly locationId: string;
  readonly keyName?: string;
  tags: Record<string, string>;
  readonly createdAt: string;
  state: RawInstanceState;
  stateReason?: string;
  /** Host loopback ports forwarded to guest ports 80 and 22. */
  ports: { http: number; ssh: number };
  readonly mac: string;
  /** A running QEMU: what a restarted broker needs to find it again. */
  process?: { pid: number; qmpSocket: string; accelerator: Accelerator; startedAt: string };
}

export interface ImageRecord {
  readonly id: string;
  readonly name: string;
  description?: string;
  readonly os?: string;
  readonly architecture: 'x86_64';
  state: ImageState;
  /** Guest-visible size of the disk. */
  virtualSizeBytes: number;
  /** Built-in images (skyport-tiny) are public and cannot be deleted. */
  readonly public: boolean;
  tags: Record<string, string>;
  readonly createdAt: string;
  /** Direct kernel boot; absent when the disk boots through the firmware. */
  boot?: BootConfig;
  /** Deleted by the user but still the backing file of instances: hidden, removed with the last of them. */
  deregistered?: boolean;
  /** The build key of skyport-tiny, to tell an outdated build. */
  buildKey?: string;
}

export interface VolumeRecord {
  readonly id: string;
  readonly name: string;
  readonly sizeGiB: number;
  state: VolumeState;
  readonly locationId: string;
  readonly snapshotId?: string;
  attachment?: { instanceId: string; slot: number };
  tags: Record<string, string>;
  readonly createdAt: string;
}

export interface SnapshotRecord {
  readonly id: string;
  readonly name: string;
  readonly volumeId: string;
  readonly sizeGiB: number;
  state: SnapshotState;
  progress: number;
  tags: Record<string, string>;
  readonly createdAt: string;
}

export interface KeyPairRecord {
  readonly id: string;
  readonly name: string;
  readonly fingerprint: string;
  readonly publicKey: string;
  readonly createdAt: string;
}

export interface DriverState {
  readonly version: 1;
  instances: InstanceRecord[];
  images: ImageRecord[];
  volumes: VolumeRecord[];
  snapshots: SnapshotRecord[];
  keyPairs: KeyPairRecord[];
}

export function emptyState(): DriverState {
  return { version: 1, instances: [], images: [], volumes: [], snapshots: [], keyPairs: [] };
}

export function copyTags(tags: Tags | undefined): Record<string, string> {
  return { ...(tags ?? {}) };
}

/** Loads and saves the state; saves are serialized so the file always holds a whole snapshot. */
export class StateFile {
  #chain: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  async load(): Promise<DriverState> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw hostError(`cannot read the qemu driver state ${this.path}: ${messageOf(error)}`, error);
    }
    let parsed: DriverState;
    try {
      parsed = JSON.parse(text) as DriverState;
    } catch (error) {
      throw hostError(`the qemu driver state ${this.path} is not valid JSON (${messageOf(error)}); restore it from a backup or move it away to start empty`, error);
    }
    if (parsed.version !== 1) throw hostError(`the qemu driver state ${this.path} has version ${String(parsed.version)}; this driver reads version 1`);
    return { ...emptyState(), ...parsed };
  }

  save(state: DriverState): Promise<void> {
    // Serialize at call time: the snapshot written is the state as of this call.
    const text = JSON.stringify(state, null, 1) + '\n';
    // No mkdir: the folder is made when the driver opens; if it was removed since, saving fails
    // rather than bringing back a state file nobody wants.
    const next = this.#chain.then(async () => {
      const temporary = `${this.path}.tmp`;
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, this.path);
    });
    this.#chain = next.catch(() => undefined);
    return next.catch((error: unknown) => {
      throw hostError(`cannot write the qemu driver state ${this.path}: ${messageOf(error)}`, error);
    });
  }
}
