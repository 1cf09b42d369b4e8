import type { SimDb } from './sim-database.js';
import { notFound, type SimResourceKind } from './sim-errors.js';
import { applyTagChange, type TagChange } from './tag-rules.js';

const TABLES = {
  Instance: { table: 'instances', expires: true },
  Volume: { table: 'volumes', expires: true },
  Snapshot: { table: 'snapshots', expires: false },
  Image: { table: 'images', expires: false },
} as const satisfies Partial<Record<SimResourceKind, { table: string; expires: boolean }>>;

export type TaggableSimKind = keyof typeof TABLES;

/** Reads, changes and writes one resource's tags (the caller runs it inside a transaction). */
export function updateRowTags(db: SimDb, kind: TaggableSimKind, id: string, change: TagChange, now: number): void {
  const { table, expires } = TABLES[kind];
  // Resources past their retention are gone for the API even before the purge removes the row.
  const visible = expires ? ' AND (gone_at IS NULL OR gone_at > @now)' : '';
  const row = db.prepare(`SELECT tags FROM ${table} WHERE id = @id${visible}`).get({ id, ...(expires ? { now } : {}) }) as { tags: string } | undefined;
  if (row === undefined) throw notFound(kind, id);
  const next = applyTagChange(JSON.parse(row.tags) as Record<string, string>, change);
  db.prepare(`UPDATE ${table} SET tags = ? WHERE id = ?`).run(JSON.stringify(next), id);
}
