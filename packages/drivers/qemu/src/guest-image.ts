/**
 * The built-in image `skyport-tiny`: registered as `pending` when the data folder opens, filled
 * from the host's cached guest build (built first when there is none) in the background, then
 * `available`; `failed` with the reason in its description when the build fails, and tried again
 * after a minute (e.g. once a missing tool is installed) or at the next start.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DriverContext } from './driver-context.js';
import type { ImageRecord } from './driver-state.js';
import { messageOf } from './errors.js';
import { ensureGuestArtifacts, type GuestArtifacts } from './guest-build.js';

export const GUEST_IMAGE_ID = 'skyport-tiny';
const RETRY_AFTER_FAILURE_MS = 60_000;
const WHAT_IT_DOES = 'boot marker on the console, NoCloud user-data, HTTP on port 80';

export class GuestImage {
  #build: Promise<GuestArtifacts | undefined> | undefined;
  #failedAt = 0;

  constructor(private readonly ctx: DriverContext) {}

  #record(): ImageRecord | undefined {
    return this.ctx.state.images.find((i) => i.id === GUEST_IMAGE_ID);
  }

  /** Registers the image as `pending` and starts its build, unless it is available or building. */
  async ensure(): Promise<void> {
    if (!this.ctx.settings.guestImage) return;
    let record = this.#record();
    if (record?.state === 'available' || (record?.state === 'pending' && this.#build !== undefined)) return;
    if (record === undefined) {
      record = {
        id: GUEST_IMAGE_ID,
        name: GUEST_IMAGE_ID,
        description: `Tiny Linux guest built on this host from Debian packages (cloud kernel, busybox): ${WHAT_IT_DOES}`,
        os: 'linux',
        architecture: 'x86_64',
        state: 'pending',
        virtualSizeBytes: 0,
        public: true,
        tags: {},
        createdAt: new Date().toISOString(),
      };
      this.ctx.state.images.push(record);
    }
    record.state = 'pending';
    await this.ctx.save();
    this.#build = this.#fill(record);
  }

  /** Called on listings: a failed build is tried again once the retry delay has passed. */
  retryIfFailed(): void {
    if (this.#record()?.state === 'failed' && Date.now() - this.#failedAt > RETRY_AFTER_FAILURE_MS) void this.ensure().catch(() => undefined);
  }

  /** The kernel and initramfs (for the KVM probe), once available; waits for a build under way. */
  async artifacts(): Promise<{ key: string; kernel: string; initrd: string } | undefined> {
    if (this.#record()?.state === 'pending' && this.#build !== undefined) await this.#build;
    const record = this.#record();
    if (record?.state !== 'available' || record.boot?.initrd === undefined) return undefined;
    const dir = this.ctx.layout.imageDir(record.id);
    return { key: record.buildKey ?? 'unknown', kernel: join(dir, record.boot.kernel), initrd: join(dir, record.boot.initrd) };
  }

  async #fill(record: ImageRecord): Promise<GuestArtifacts | undefined> {
    const dir = this.ctx.layout.imageDir(record.id);
    try {
      const artifacts = await ensureGuestArtifacts(this.ctx.settings.cacheDir, { extraPath: [dirname(this.ctx.tools.qemuImg)], signal: this.ctx.tasks.signal });
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      // Copy-on-write clones where the filesystem has them: instances never write these files.
      for (const [from, to] of [[artifacts.kernel, 'vmlinuz'], [artifacts.initrd, 'initrd.img'], [artifacts.disk, 'disk.qcow2']] as const) {
        await copyFile(from, join(dir, to), constants.COPYFILE_FICLONE);
      }
      const info = await this.ctx.qemuImg.info(join(dir, 'disk.qcow2'), 'qcow2');
      const m = artifacts.manifest;
      record.virtualSizeBytes = info['virtual-size'];
      record.boot = { kernel: 'vmlinuz', initrd: 'initrd.img', append: m.append };
      record.buildKey = artifacts.key;
      record.description = `Tiny Linux guest built on this host from Debian packages (${m.kernelPackage} ${m.kernelVersion}, busybox-static ${m.busyboxVersion}): ${WHAT_IT_DOES}`;
      record.state = 'available';
      await this.ctx.save();
      return artifacts;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      // A closing driver leaves the image pending; the next one builds again.
      if (this.ctx.tasks.closed) return undefined;
      this.#failedAt = Date.now();
      record.state = 'failed';
      record.description = `skyport-tiny could not be built on this host: ${messageOf(error)}`;
      await this.ctx.save().catch(() => undefined);
      return undefined;
    } finally {
      this.#build = undefined;
    }
  }
}
