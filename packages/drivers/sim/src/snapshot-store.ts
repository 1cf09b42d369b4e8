/** Volume snapshots: progress grows linearly from start to completion, computed on read. */
import { randomBytes } from 'node:crypto';
import type { NativeSnapshot } from '@skyport/core';
import type { SimDb } from './sim-database.js';
import { invalidArgument, notFound } from './sim-errors.js';

interface SnapshotRow {
  id: string;
  name: string;
  volume_id: string;
  size_gib: number;
  tags: string;
  started_at: number;
  completes_at: number;
  created_at: string;
}

function toNative(r: SnapshotRow, now: number): NativeSnapshot {
  const done = now >= r.completes_at;
  const progress = done ? 100 : Math.floor(((now - r.started_at) / Math.max(1, r.completes_at - r.started_at)) * 100);
  return {
    nativeId: r.id,
    name: r.name,
    volumeId: r.volume_id,
    sizeGiB: r.size_gib,
    state: done ? 'completed' : 'pending',
    // A pending snapshot never claims 100%: that would read as done while the state says otherwise.
    progress: done ? 100 : Math.min(99, Math.max(0, progress)),
    tags: JSON.parse(r.tags) as Record<string, string>,
    createdAt: r.created_at,
  };
}

export class SnapshotStore {
  constructor(private readonly db: SimDb) {}

  list(now: number): NativeSnapshot[] {
    return (this.db.prepare('SELECT * FROM snapshots ORDER BY seq').all() as SnapshotRow[]).map((r) => toNative(r, now));
  }

  get(id: string, now: number): NativeSnapshot {
    const row = this.db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as SnapshotRow | undefined;
    if (row === undefined) throw notFound('Snapshot', id, 'snapshotId');
    return toNative(row, now);
  }

  /** The volume checks (exists, state) are the caller's. */
  create(name: string, volumeId: string, sizeGiB: number, tags: Record<string, string>, now: number, durationMs: number): NativeSnapshot {
    if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
      throw invalidArgument('name', `snapshot name ${JSON.stringify(name)} must be 1 to 255 characters`);
    }
    const id = `bak-${randomBytes(8).toString('hex')}`;
    this.db
      .prepare('INSERT INTO snapshots (id, name, volume_id, size_gib, tags, started_at, completes_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, name, volumeId, sizeGiB, JSON.stringify(tags), now, now + durationMs, new Date(now).toISOString());
    return this.get(id, now);
  }

  /** Deleting is immediate, pending or not: the provider simply abandons the copy. */
  delete(id: string): void {
    if (this.db.prepare('DELETE FROM snapshots WHERE id = ?').run(id).changes === 0) throw notFound('Snapshot', id, 'snapshotId');
  }
}
