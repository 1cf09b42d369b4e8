import type { SimDb } from './sim-database.js';
import { notFound, type SimResourceKind } from './sim-errors.js';
import { applyTagChange, type TagChange } from './tag-rules.js';

/** `visible`: the rows the API still shows (expired and deregistered ones are gone for it). */
const TABLES = {
  Instance: { table: 'instances', visible: '(gone_at IS NULL OR gone_at > @now)' },
  Volume: { table: 'volumes', visible: '(gone_at IS NULL OR gone_at > @now)' },
  Snapshot: { table: 'snapshots', visible: undefined },
  Image: { table: 'images', visible: 'deregistered_at IS NULL' },
  SecurityGroup: { table: 'security_groups', visible: undefined },
} as const satisfies Partial<Record<SimResourceKind, { table: string; visible: string | undefined }>>;

export type TaggableSimKind = keyof typeof TABLES;

/** Reads, changes and writes one resource's tags (the caller runs it inside a transaction). */
export function updateRowTags(db: SimDb, kind: TaggableSimKind, id: string, change: TagChange, now: number): void {
  const { table, visible } = TABLES[kind];
  // Resources past their retention are gone for the API even before the purge removes the row.
  const sql = `SELECT tags FROM ${table} WHERE id = @id${visible === undefined ? '' : ` AND ${visible}`}`;
  const row = db.prepare(sql).get({ id, ...(sql.includes('@now') ? { now } : {}) }) as { tags: string } | undefined;
  if (row === undefined) throw notFound(kind, id);
  const next = applyTagChange(JSON.parse(row.tags) as Record<string, string>, change);
  db.prepare(`UPDATE ${table} SET tags = ? WHERE id = ?`).run(JSON.stringify(next), id);
}
