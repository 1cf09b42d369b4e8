/**
 * Images the account makes from its instances or imports, beside the public catalogue in the
 * same table. A new image from an instance is `pending` while the disk is copied, then
 * `available`; an imported one is available once its file is stored. Deregistering hides it
 * from the API; the row stays so instances made from it keep what they read from it.
 *
 * Disks: every image reads the disk file of its "base" image (`disk_image_id`, null = itself):
 * an image made from an instance shares the disk of the instance's image, since the sim runs
 * no guest that could have changed it.
 */
import { randomBytes } from 'node:crypto';
import type { NativeImage } from '@skyport/core';
import type { DiskFormat } from '@skyport/model';
import type { StoredDisk } from './disk-store.js';
import type { Catalogue } from './sim-catalogue.js';
import type { SimDb } from './sim-database.js';
import { alreadyExists, invalidArgument, notFound } from './sim-errors.js';

export interface NewImage {
  readonly name: string;
  readonly description?: string;
  readonly architecture: 'x86_64' | 'aarch64';
  readonly os: string;
  readonly sizeGiB: number;
  readonly sourceInstanceId: string;
  readonly tags: Record<string, string>;
  /** The image whose disk this one reads. */
  readonly diskImageId: string;
}

export interface ImportedImage {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly architecture: 'x86_64' | 'aarch64';
  readonly os: string;
  readonly tags: Record<string, string>;
  readonly disk: StoredDisk;
}

/** The base image of a disk and what is known of its file. */
export interface DiskBase {
  readonly imageId: string;
  readonly name: string;
  readonly sizeGiB: number;
  readonly disk?: StoredDisk;
}

interface DiskRow {
  id: string;
  name: string;
  size_gib: number;
  disk_image_id: string | null;
  disk_file: string | null;
  disk_format: DiskFormat | null;
  virtual_size: number | null;
}

const GIB = 1024 ** 3;

function checkName(name: unknown): asserts name is string {
  // EC2's AMI name rule, roughly: 3-128 characters, letters, digits and ( ) [ ] . / - ' @ _ space.
  if (typeof name !== 'string' || !/^[A-Za-z0-9()[\]./\-'@_ ]{3,128}$/.test(name)) {
    throw invalidArgument('name', `image name ${JSON.stringify(name)} must be 3 to 128 characters: letters, digits, spaces and ( ) [ ] . / - ' @ _`);
  }
}

export class ImageStore {
  constructor(
    private readonly db: SimDb,
    private readonly catalogue: Catalogue,
  ) {}

  /** Checks what a new image may be called and described; throws the sim's errors. */
  checkNew(name: unknown, description: unknown): void {
    checkName(name);
    if (description !== undefined && (typeof description !== 'string' || description.length > 255)) {
      throw invalidArgument('description', 'an image description must be a string of at most 255 characters');
    }
    if (this.catalogue.imageNameTaken(name)) throw alreadyExists('Image', name);
  }

  static newId(): string {
    return `img-${randomBytes(8).toString('hex')}`;
  }

  create(image: NewImage, now: number, copyMs: number): NativeImage {
    this.checkNew(image.name, image.description);
    const id = ImageStore.newId();
    this.db
      .prepare(
        `INSERT INTO images (id, name, description, architecture, os, size_gib, state, public, tags, created_at, source_instance_id, available_at, disk_image_id)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)`,
      )
      .run(id, image.name, image.description ?? null, image.architecture, image.os, image.sizeGiB, JSON.stringify(image.tags), new Date(now).toISOString(), image.sourceInstanceId, now + copyMs, image.diskImageId);
    return this.catalogue.image(id, now);
  }

  /** Registers an image whose disk file is already stored; it is available at once. */
  registerImported(image: ImportedImage, now: number): NativeImage {
    this.checkNew(image.name, image.description);
    const sizeGiB = Math.max(1, Math.ceil(image.disk.virtualSizeBytes / GIB));
    this.db
      .prepare(
        `INSERT INTO images (id, name, description, architecture, os, size_gib, state, public, tags, created_at, disk_file, disk_format, virtual_size)
         VALUES (?, ?, ?, ?, ?, ?, 'available', 0, ?, ?, ?, ?, ?)`,
      )
      .run(image.id, image.name, image.description ?? null, image.architecture, image.os, sizeGiB, JSON.stringify(image.tags), new Date(now).toISOString(), image.disk.file, image.disk.format, image.disk.virtualSizeBytes);
    return this.catalogue.image(image.id, now);
  }

  /** The image whose disk `imageId` reads (deregistered images included: instances still use them). */
  baseOf(imageId: string): DiskBase {
    const row = this.#diskRow(imageId);
    const base = row.disk_image_id === null ? row : this.#diskRow(row.disk_image_id);
    return {
      imageId: base.id,
      name: base.name,
      sizeGiB: base.size_gib,
      ...(base.disk_file === null || base.disk_format === null ? {} : { disk: { file: base.disk_file, format: base.disk_format, virtualSizeBytes: base.virtual_size ?? base.size_gib * GIB } }),
    };
  }

  /** Records a disk generated for a base image. */
  setDisk(imageId: string, disk: StoredDisk): void {
    this.db.prepare('UPDATE images SET disk_file = ?, disk_format = ?, virtual_size = ? WHERE id = ?').run(disk.file, disk.format, disk.virtualSizeBytes, imageId);
  }

  /**
   * The file of base image `imageId` once nothing can read it any more (no registered image
   * and no visible instance uses it); its record is cleared so the caller can delete it.
   */
  releaseUnusedDisk(imageId: string, now: number): string | undefined {
    const base = this.#diskRow(imageId);
    if (base.disk_file === null) return undefined;
    const users = this.db
      .prepare(
        `SELECT 1 FROM images WHERE (id = @id OR disk_image_id = @id) AND deregistered_at IS NULL
         UNION ALL
         SELECT 1 FROM instances i JOIN images m ON m.id = i.image_id
          WHERE (m.id = @id OR m.disk_image_id = @id) AND (i.gone_at IS NULL OR i.gone_at > @now)
         LIMIT 1`,
      )
      .get({ id: imageId, now });
    if (users !== undefined) return undefined;
    this.db.prepare('UPDATE images SET disk_file = NULL, disk_format = NULL, virtual_size = NULL WHERE id = ?').run(imageId);
    return base.disk_file;
  }

  #diskRow(imageId: string): DiskRow {
    const row = this.db.prepare('SELECT id, name, size_gib, disk_image_id, disk_file, disk_format, virtual_size FROM images WHERE id = ?').get(imageId) as DiskRow | undefined;
    if (row === undefined) throw notFound('Image', imageId, 'imageId');
    return row;
  }

  /** Hides an image from the API; the catalogue's public images are the provider's, not the account's. */
  deregister(id: string, now: number): void {
    const image = this.catalogue.image(id, now);
    if (image.public) {
      throw invalidArgument('imageId', `image ${id} (${image.name}) is a public image of the sim's catalogue; only images made from instances or imported can be deleted`, { imageId: id });
    }
    this.db.prepare('UPDATE images SET deregistered_at = ? WHERE id = ?').run(now, id);
  }
}
