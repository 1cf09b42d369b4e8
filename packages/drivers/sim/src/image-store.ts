/**
 * Images the account makes from its instances, beside the public catalogue in the same table.
 * A new image is `pending` while the disk is copied, then `available`. Deregistering hides
 * it from the API; the row stays so instances made from it keep what they read from it.
 */
import { randomBytes } from 'node:crypto';
import type { NativeImage } from '@skyport/core';
import type { Catalogue } from './sim-catalogue.js';
import type { SimDb } from './sim-database.js';
import { alreadyExists, invalidArgument } from './sim-errors.js';

export interface NewImage {
  readonly name: string;
  readonly description?: string;
  readonly architecture: 'x86_64' | 'aarch64';
  readonly os: string;
  readonly sizeGiB: number;
  readonly sourceInstanceId: string;
  readonly tags: Record<string, string>;
}

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

  create(image: NewImage, now: number, copyMs: number): NativeImage {
    checkName(image.name);
    if (image.description !== undefined && (typeof image.description !== 'string' || image.description.length > 255)) {
      throw invalidArgument('description', 'an image description must be a string of at most 255 characters');
    }
    if (this.catalogue.imageNameTaken(image.name)) throw alreadyExists('Image', image.name);
    const id = `img-${randomBytes(8).toString('hex')}`;
    this.db
      .prepare(
        `INSERT INTO images (id, name, description, architecture, os, size_gib, state, public, tags, created_at, source_instance_id, available_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)`,
      )
      .run(id, image.name, image.description ?? null, image.architecture, image.os, image.sizeGiB, JSON.stringify(image.tags), new Date(now).toISOString(), image.sourceInstanceId, now + copyMs);
    return this.catalogue.image(id, now);
  }

  /** Hides an image from the API; the catalogue's public images are the provider's, not the account's. */
  deregister(id: string, now: number): void {
    const image = this.catalogue.image(id, now);
    if (image.public) {
      throw invalidArgument('imageId', `image ${id} (${image.name}) is a public image of the sim's catalogue; only images made from instances can be deleted`, { imageId: id });
    }
    this.db.prepare('UPDATE images SET deregistered_at = ? WHERE id = ?').run(now, id);
  }
}
