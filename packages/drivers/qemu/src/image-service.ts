/**
 * The image store: base disks in `images/<id>/`, never written once available (instances write
 * to their own overlays). Images come from the built-in guest build (skyport-tiny, see
 * guest-image.ts), from imports (converted to qcow2 after the safety checks) and from stopped
 * instances (overlay flattened).
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DriverImportImageRequest, ExportedDisk, NativeImage } from '@skyport/core';
import { SkyportError, type Tags } from '@skyport/model';
import { checkImageSafety, checkRawIsRaw } from './disk-safety.js';
import type { DriverContext } from './driver-context.js';
import { GIB } from './driver-context.js';
import type { ImageRecord } from './driver-state.js';
import { alreadyExists, invalidArgument, invalidState, messageOf, notFound, unsupported } from './errors.js';
import { QEMU_FORMAT } from './qemu-img.js';
import { newNativeId } from './native-ids.js';
import { checkName, validTags } from './tag-rules.js';

export const IMPORT_FORMATS = ['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx'] as const;

export function imageView(record: ImageRecord): NativeImage {
  return {
    nativeId: record.id,
    name: record.name,
    ...(record.description === undefined ? {} : { description: record.description }),
    architecture: record.architecture,
    ...(record.os === undefined ? {} : { os: record.os }),
    state: record.state,
    ...(record.virtualSizeBytes > 0 ? { sizeGiB: Math.max(1, Math.ceil(record.virtualSizeBytes / GIB)) } : {}),
    public: record.public,
    tags: { ...record.tags },
    createdAt: record.createdAt,
  };
}

export class ImageService {
  readonly #exportRefs = new Map<string, number>();

  constructor(private readonly ctx: DriverContext) {}

  list(): NativeImage[] {
    return this.ctx.state.images.filter((i) => i.deregistered !== true).map(imageView);
  }

  /** An image by id (not deregistered), or NotFound naming `field`. */
  record(id: string, field = 'imageId'): ImageRecord {
    const record = this.#find(id);
    if (record === undefined) throw notFound('image', id, field);
    return record;
  }

  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    const name = checkName('name', 'image', request.name);
    this.#checkNameFree(name);
    if (request.architecture !== 'x86_64') throw unsupported(`this host runs x86_64 guests only; the image is ${request.architecture}`);
    if (!(IMPORT_FORMATS as readonly string[]).includes(request.format)) {
      throw invalidArgument('format', `format ${JSON.stringify(request.format)} is not one of ${IMPORT_FORMATS.join(', ')}`, { allowed: IMPORT_FORMATS });
    }
    const file = await stat(request.path).catch(() => undefined);
    if (file === undefined || !file.isFile()) throw invalidArgument('path', `${request.path} is not a readable file`, { path: request.path });
    const qemuFormat = QEMU_FORMAT[request.format];
    if (request.format === 'raw') await checkRawIsRaw(request.path);
    const signal = request.signal === undefined ? this.ctx.tasks.signal : AbortSignal.any([request.signal, this.ctx.tasks.signal]);
    let info;
    try {
      info = await this.ctx.qemuImg.info(request.path, qemuFormat, signal);
    } catch (error) {
      throw invalidArgument('path', `${request.path} cannot be read as a ${request.format} image: ${messageOf(error)}`, { path: request.path, format: request.format });
    }
    await checkImageSafety(info, request.path, request.format);
    if (qemuFormat !== 'raw') {
      const check = await this.ctx.qemuImg.check(request.path, qemuFormat);
      if (check.corrupt) throw invalidArgument('path', `the ${request.format} image ${request.path} is corrupt: ${check.output.split('\n').slice(0, 3).join(' | ')}`, { path: request.path });
    }
    const record: ImageRecord = {
      id: newNativeId('img'),
      name,
      ...(request.description === undefined ? {} : { description: request.description }),
      ...(request.os === undefined ? {} : { os: request.os }),
      architecture: 'x86_64',
      state: 'pending',
      virtualSizeBytes: info['virtual-size'],
      public: false,
      tags: validTags(request.tags),
      createdAt: new Date().toISOString(),
    };
    const dir = this.ctx.layout.imageDir(record.id);
    // Checked again: another import of the same name may have started while this one was checked.
    this.#checkNameFree(name);
    this.ctx.state.images.push(record);
    try {
      await this.ctx.save();
      await mkdir(dir, { recursive: true });
      const partial = join(dir, 'disk.qcow2.partial');
      const total = info['virtual-size'];
      request.onProgress?.(0, total);
      try {
        await this.ctx.qemuImg.convertToQcow2({ path: request.path, qemuFormat }, partial, {
          what: `converting ${request.path} from ${request.format}`,
          signal,
          onPercent: (percent) => request.onProgress?.(Math.round((total * percent) / 100), total),
        });
      } catch (error) {
        if (error instanceof SkyportError && error.code === 'Timeout') throw error;
        throw invalidArgument('path', `${request.path} could not be converted from ${request.format}: ${messageOf(error)}`, { path: request.path, format: request.format });
      }
      await rename(partial, this.ctx.layout.imageDisk(record.id));
      request.onProgress?.(total, total);
      record.state = 'available';
      await this.ctx.save();
      return imageView(record);
    } catch (error) {
      this.ctx.state.images = this.ctx.state.images.filter((i) => i !== record);
      await rm(dir, { recursive: true, force: true });
      await this.ctx.save().catch(() => undefined);
      throw error;
    }
  }

  async createFromInstance(instanceId: string, name: string, options: { readonly description?: string; readonly tags?: Tags } = {}): Promise<NativeImage> {
    const instance = this.ctx.state.instances.find((i) => i.id === instanceId);
    if (instance === undefined) throw notFound('instance', instanceId, 'instanceId');
    if (instance.state !== 'shutoff') {
      throw invalidState(`cannot create an image from instance ${instanceId}: it is ${instance.state}; stop it first (images are made from stopped instances only)`, {
        instanceId,
        rawState: instance.state,
        allowedStates: ['stopped'],
      });
    }
    checkName('name', 'image', name);
    this.#checkNameFree(name);
    const source = this.ctx.state.images.find((i) => i.id === instance.imageId);
    const record: ImageRecord = {
      id: newNativeId('img'),
      name,
      description: options.description ?? `made from instance ${instance.name} (${instance.id})`,
      ...(source?.os === undefined ? {} : { os: source.os }),
      architecture: 'x86_64',
      state: 'pending',
      virtualSizeBytes: 0,
      public: false,
      tags: validTags(options.tags),
      createdAt: new Date().toISOString(),
    };
    this.ctx.state.images.push(record);
    await this.ctx.save();
    // On the instance's queue: a start asked for meanwhile waits until the disk is copied.
    this.ctx.tasks.background(instanceId, async () => {
      const dir = this.ctx.layout.imageDir(record.id);
      try {
        await mkdir(dir, { recursive: true });
        if (source?.boot !== undefined) {
          const from = this.ctx.layout.imageDir(source.id);
          for (const file of [source.boot.kernel, source.boot.initrd]) if (file !== undefined) await copyFile(join(from, file), join(dir, file), constants.COPYFILE_FICLONE);
          record.boot = { ...source.boot };
        }
        const partial = join(dir, 'disk.qcow2.partial');
        await this.ctx.qemuImg.convertToQcow2({ path: this.ctx.layout.instanceFile(instanceId, 'root.qcow2'), qemuFormat: 'qcow2' }, partial, {
          what: `flattening the disk of instance ${instanceId}`,
          signal: this.ctx.tasks.signal,
        });
        await rename(partial, this.ctx.layout.imageDisk(record.id));
        record.virtualSizeBytes = (await this.ctx.qemuImg.info(this.ctx.layout.imageDisk(record.id), 'qcow2'))['virtual-size'];
        record.state = 'available';
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        record.state = 'failed';
        record.description = `the image could not be made from instance ${instanceId}: ${messageOf(error)}`;
      }
      await this.ctx.save().catch(() => undefined);
    });
    return imageView(record);
  }

  async delete(id: string): Promise<void> {
    const record = this.record(id);
    if (record.public) throw invalidArgument('imageId', `${record.name} is this host's built-in image and cannot be deleted`, { imageId: id });
    if (record.state === 'pending') throw invalidState(`image ${id} is still being made; delete it once it is available or failed`, { imageId: id, state: record.state });
    record.deregistered = true;
    await this.ctx.save();
    await this.collectGarbage();
  }

  /** Hands out an image's base disk (read-only, no copy) or a stopped instance's flattened disk. */
  async exportDisk(kind: 'image' | 'instance', id: string, signal?: AbortSignal): Promise<ExportedDisk> {
    if (kind === 'image') {
      const record = this.record(id);
      if (record.state !== 'available') throw invalidState(`image ${id} is ${record.state}; only available images can be exported`, { imageId: id, state: record.state });
      this.#exportRefs.set(id, (this.#exportRefs.get(id) ?? 0) + 1);
      let released = false;
      return {
        path: this.ctx.layout.imageDisk(id),
        format: 'qcow2',
        virtualSizeBytes: record.virtualSizeBytes,
        release: async () => {
          if (released) return;
          released = true;
          this.#exportRefs.set(id, (this.#exportRefs.get(id) ?? 1) - 1);
          await this.collectGarbage();
        },
      };
    }
    if (kind !== 'instance') throw invalidArgument('kind', `kind ${JSON.stringify(kind)} must be image or instance`);
    const instance = this.ctx.state.instances.find((i) => i.id === id);
    if (instance === undefined) throw notFound('instance', id, 'instanceId');
    if (instance.state !== 'shutoff') throw invalidState(`cannot export the disk of instance ${id}: it is ${instance.state}; stop it first`, { instanceId: id, rawState: instance.state });
    return this.ctx.tasks.serial(id, async () => {
      await mkdir(this.ctx.layout.exportsDir, { recursive: true });
      const path = join(this.ctx.layout.exportsDir, `${id}-${newNativeId('disk')}.qcow2`);
      try {
        await this.ctx.qemuImg.convertToQcow2({ path: this.ctx.layout.instanceFile(id, 'root.qcow2'), qemuFormat: 'qcow2' }, path, {
          what: `flattening the disk of instance ${id}`,
          signal: signal === undefined ? this.ctx.tasks.signal : AbortSignal.any([signal, this.ctx.tasks.signal]),
        });
        const info = await this.ctx.qemuImg.info(path, 'qcow2');
        return { path, format: 'qcow2' as const, virtualSizeBytes: info['virtual-size'], release: () => rm(path, { force: true }) };
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
    });
  }

  /** Removes deregistered images that no instance (but `goneInstanceId`, being destroyed) and no export uses. */
  async collectGarbage(goneInstanceId?: string): Promise<void> {
    const unused = this.ctx.state.images.filter(
      (i) =>
        i.deregistered === true &&
        (this.#exportRefs.get(i.id) ?? 0) === 0 &&
        this.ctx.state.instances.every((instance) => instance.id === goneInstanceId || instance.imageId !== i.id),
    );
    if (unused.length === 0) return;
    for (const image of unused) await rm(this.ctx.layout.imageDir(image.id), { recursive: true, force: true });
    this.ctx.state.images = this.ctx.state.images.filter((i) => !unused.includes(i));
    await this.ctx.save();
  }

  /** After a restart, images whose making was interrupted cannot finish: say so. */
  async recoverInterrupted(): Promise<void> {
    for (const image of this.ctx.state.images) {
      if (image.state === 'pending' && !image.public) {
        image.state = 'failed';
        image.description = 'the broker stopped while this image was being made; delete it and make it again';
        await rm(join(this.ctx.layout.imageDir(image.id), 'disk.qcow2.partial'), { force: true });
      }
    }
    await this.collectGarbage();
  }

  #find(id: string): ImageRecord | undefined {
    return this.ctx.state.images.find((i) => i.id === id && i.deregistered !== true);
  }

  #checkNameFree(name: string): void {
    if (this.ctx.state.images.some((i) => i.name === name && i.deregistered !== true)) throw alreadyExists('image', name);
  }
}
