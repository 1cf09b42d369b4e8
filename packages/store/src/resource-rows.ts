import type { ResourceRecord } from '@skyport/core';
import type { ResourceKind, Tags } from '@skyport/model';
import type { Kysely, Selectable } from 'kysely';
import { insertRows } from './bulk-insert.js';
import { chunksOf, rowsPerStatement } from './chunks.js';
import { parseJson } from './json.js';
import type { Database, Dialect, ResourcesTable, ResourceTagsTable } from './schema.js';

export function resourceFromRow(row: Selectable<ResourcesTable>): ResourceRecord {
  return {
    id: row.id,
    providerId: row.provider_id,
    kind: row.kind as ResourceKind,
    nativeId: row.native_id,
    name: row.name,
    state: row.state,
    tags: parseJson<Tags>(row.tags),
    data: parseJson<Record<string, unknown>>(row.data),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    vanishedAt: row.vanished_at,
  };
}

/** One row per tag, in key order (the primary key's order). */
export function tagRows(resourceId: string, tags: Tags): ResourceTagsTable[] {
  return Object.keys(tags)
    .sort()
    .map((key) => ({ resource_id: resourceId, key, value: tags[key]! }));
}

export function insertTagRows(db: Kysely<Database>, dialect: Dialect, rows: readonly ResourceTagsTable[]): Promise<void> {
  return insertRows(db, dialect, 'resource_tags', ['resource_id', 'key', 'value'], rows);
}

/** Deletes the tag rows of many resources, a bounded number of ids per statement. */
export async function deleteTagRows(db: Kysely<Database>, dialect: Dialect, resourceIds: readonly string[]): Promise<void> {
  for (const chunk of chunksOf(resourceIds, rowsPerStatement(dialect, 1))) {
    await db.deleteFrom('resource_tags').where('resource_id', 'in', chunk).execute();
  }
}
