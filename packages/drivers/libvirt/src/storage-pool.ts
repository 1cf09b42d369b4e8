/**
 * The driver's storage pool, through virsh only, so the same code serves a local host and a
 * remote one (`qemu+ssh://`): files reach the host with `vol-upload`, leave it with
 * `vol-download`, and copies and flattening happen there (`vol-clone`, `vol-create-from`).
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SkyportError } from '@skyport/model';
import { xmlEscape } from './domain-xml.js';
import type { Virsh } from './virsh.js';

export class StoragePool {
  #ready: Promise<string> | undefined;

  constructor(
    private readonly virsh: Virsh,
    readonly name: string,
    private readonly createAt: string,
    /** A local folder for the XML files virsh reads (on the broker's host, also for remote URIs). */
    private readonly workDir: string,
  ) {}

  /** Makes sure the pool exists and runs; resolves to its folder on the host. */
  ready(): Promise<string> {
    this.#ready ??= this.#open().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #open(): Promise<string> {
    let info: string;
    try {
      info = await this.virsh.run(['pool-info', this.name], `reading storage pool ${this.name}`);
    } catch (error) {
      if (!(error instanceof SkyportError && error.code === 'NotFound')) throw error;
      await this.virsh.run(['pool-define-as', this.name, 'dir', '--target', this.createAt], `defining storage pool ${this.name} at ${this.createAt}`);
      await this.virsh.run(['pool-build', this.name], `building storage pool ${this.name}`);
      info = await this.virsh.run(['pool-info', this.name], `reading storage pool ${this.name}`);
    }
    if (!/State:\s+running/.test(info)) await this.virsh.run(['pool-start', this.name], `starting storage pool ${this.name}`);
    await this.virsh.run(['pool-autostart', this.name], `marking storage pool ${this.name} autostart`).catch(() => undefined);
    const xml = await this.virsh.run(['pool-dumpxml', this.name], `reading storage pool ${this.name}`);
    const path = /<target>\s*<path>([^<]+)<\/path>/.exec(xml)?.[1];
    if (path === undefined) throw new SkyportError('ProviderError', `storage pool ${this.name} has no target path; the driver needs a dir pool`);
    return path;
  }

  async path(volume: string): Promise<string> {
    return join(await this.ready(), volume);
  }

  async refresh(): Promise<void> {
    await this.ready();
    await this.virsh.run(['pool-refresh', this.name], `refreshing storage pool ${this.name}`);
  }

  async exists(volume: string): Promise<boolean> {
    await this.ready();
    try {
      await this.virsh.run(['vol-info', '--pool', this.name, volume], `reading volume ${volume}`);
      return true;
    } catch (error) {
      if (error instanceof SkyportError && error.code === 'NotFound') return false;
      throw error;
    }
  }

  /** Copies a local file into a new volume of exactly its size. */
  async upload(local: string, volume: string): Promise<void> {
    await this.ready();
    const { size } = await stat(local);
    await this.virsh.run(['vol-create-as', this.name, volume, String(size), '--format', 'raw'], `creating volume ${volume}`);
    try {
      await this.virsh.run(['vol-upload', '--pool', this.name, volume, local], `uploading ${volume}`);
      // Lets libvirt read the header of what it now holds (sizes, format) for later vol-info.
      await this.refresh();
    } catch (error) {
      await this.delete(volume);
      throw error;
    }
  }

  async download(volume: string, local: string): Promise<void> {
    await this.ready();
    await this.virsh.run(['vol-download', '--pool', this.name, volume, local], `downloading ${volume}`);
  }

  /** A qcow2 overlay of `backing` (a qcow2 volume of the pool) of `capacityBytes`. */
  async createOverlay(volume: string, backing: string, capacityBytes: number): Promise<void> {
    await this.ready();
    await this.virsh.run(
      ['vol-create-as', this.name, volume, String(capacityBytes), '--format', 'qcow2', '--backing-vol', await this.path(backing), '--backing-vol-format', 'qcow2'],
      `creating overlay ${volume}`,
    );
  }

  async createEmpty(volume: string, capacityBytes: number): Promise<void> {
    await this.ready();
    await this.virsh.run(['vol-create-as', this.name, volume, String(capacityBytes), '--format', 'qcow2'], `creating volume ${volume}`);
  }

  /** A self-contained qcow2 copy of `source`, its backing chain flattened in (qemu-img convert on the host). */
  async flatten(source: string, volume: string, capacityBytes: number): Promise<void> {
    await this.ready();
    const xml = `<volume><name>${xmlEscape(volume)}</name><capacity unit='bytes'>${capacityBytes}</capacity><target><format type='qcow2'/></target></volume>`;
    await mkdir(this.workDir, { recursive: true });
    const file = join(this.workDir, `${volume}.xml`);
    await writeFile(file, xml);
    try {
      await this.virsh.run(['vol-create-from', this.name, file, '--inputpool', this.name, source], `copying ${source} to ${volume}`);
    } finally {
      await rm(file, { force: true });
    }
  }

  async clone(source: string, volume: string): Promise<void> {
    await this.ready();
    await this.virsh.run(['vol-clone', '--pool', this.name, source, volume], `copying ${source} to ${volume}`);
  }

  async resize(volume: string, capacityBytes: number): Promise<void> {
    await this.virsh.run(['vol-resize', '--pool', this.name, volume, String(capacityBytes)], `resizing ${volume}`);
  }

  /** Capacity (guest-visible size) of a volume, from `vol-info --bytes`. */
  async capacity(volume: string): Promise<number> {
    const info = await this.virsh.run(['vol-info', '--bytes', '--pool', this.name, volume], `reading volume ${volume}`);
    return Number(/Capacity:\s+(\d+)/.exec(info)?.[1] ?? 0);
  }

  /** Deletes a volume; one already gone is fine. */
  async delete(volume: string): Promise<void> {
    try {
      await this.virsh.run(['vol-delete', '--pool', this.name, volume], `deleting volume ${volume}`);
    } catch (error) {
      if (!(error instanceof SkyportError && error.code === 'NotFound')) throw error;
    }
  }
}
