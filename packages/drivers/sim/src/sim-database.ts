/**
 * The sim's own storage: one SQLite file per provider in its data folder, so a broker restart
 * finds the same cloud. WAL lets a reader (a broker sync) proceed while a write commits.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SkyportError } from '@skyport/model';

export type SimDb = Database.Database;

const SCHEMA_VERSION = 3;

/** The first schema, which MIGRATIONS build on. `seq` keeps insertion order for listing; `id` is the provider-visible id. */
export const SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE locations (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL, parent TEXT, available INTEGER NOT NULL);
CREATE TABLE flavors (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, architecture TEXT NOT NULL, cpus TEXT NOT NULL, memory_mib TEXT NOT NULL, disk_gib TEXT NOT NULL);
CREATE TABLE images (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, description TEXT, architecture TEXT NOT NULL, os TEXT NOT NULL,
  size_gib INTEGER NOT NULL, state TEXT NOT NULL, public INTEGER NOT NULL, tags TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE instances (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, image_id TEXT NOT NULL, flavor_id TEXT NOT NULL,
  cpus INTEGER NOT NULL, memory_mib INTEGER NOT NULL, disk_gib INTEGER NOT NULL, zone TEXT NOT NULL, key_name TEXT, user_data TEXT,
  tags TEXT NOT NULL, timeline TEXT NOT NULL, gone_at INTEGER, created_at TEXT NOT NULL);
CREATE INDEX instances_gone ON instances (gone_at) WHERE gone_at IS NOT NULL;
CREATE TABLE key_pairs (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE, fingerprint TEXT NOT NULL,
  public_key TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE volumes (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, size_gib INTEGER NOT NULL, zone TEXT NOT NULL,
  snapshot_id TEXT, tags TEXT NOT NULL, timeline TEXT NOT NULL, instance_id TEXT, device TEXT, gone_at INTEGER, created_at TEXT NOT NULL);
CREATE INDEX volumes_instance ON volumes (instance_id) WHERE instance_id IS NOT NULL;
CREATE INDEX volumes_gone ON volumes (gone_at) WHERE gone_at IS NOT NULL;
CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, volume_id TEXT NOT NULL, size_gib INTEGER NOT NULL,
  tags TEXT NOT NULL, started_at INTEGER NOT NULL, completes_at INTEGER NOT NULL, created_at TEXT NOT NULL);
`;

/**
 * Upgrades, keyed by the version they lead to; each runs once, in order, in the transaction
 * that opens the file, so a sim.db from an older broker keeps its resources.
 * 2: security groups (instances list theirs as comma-separated ids: cheaper to split than to
 * parse JSON when listing 100k rows); images made from instances (`available_at` ends their
 * `pending`; a deregistered image stays readable for the instances made from it).
 * 3: disk files (import/export): the image whose disk file an image or instance reads
 * (`disk_image_id`, null = itself) and, on that image, the file, its format and virtual size.
 */
const MIGRATIONS: Readonly<Record<number, string>> = {
  2: `
CREATE TABLE IF NOT EXISTS security_groups (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL,
  ingress TEXT NOT NULL, egress TEXT NOT NULL, tags TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
ALTER TABLE instances ADD COLUMN security_groups TEXT NOT NULL DEFAULT '';
ALTER TABLE images ADD COLUMN source_instance_id TEXT;
ALTER TABLE images ADD COLUMN available_at INTEGER;
ALTER TABLE images ADD COLUMN deregistered_at INTEGER;
`,
  3: `
ALTER TABLE images ADD COLUMN disk_image_id TEXT;
ALTER TABLE images ADD COLUMN disk_file TEXT;
ALTER TABLE images ADD COLUMN disk_format TEXT;
ALTER TABLE images ADD COLUMN virtual_size INTEGER;
`,
};

export function openSimDatabase(dataDir: string): SimDb {
  const file = join(dataDir, 'sim.db');
  let db: SimDb;
  try {
    mkdirSync(dataDir, { recursive: true });
    db = new Database(file);
  } catch (error) {
    throw new SkyportError('ProviderUnavailable', `the sim cannot open its database ${file}: ${(error as Error).message}`, {
      providerCode: 'StorageUnavailable',
      cause: error,
    });
  }
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash may lose the last commit.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new SkyportError('ProviderUnavailable', `${file} has schema version ${version}; this sim understands versions up to ${SCHEMA_VERSION}`, {
      providerCode: 'StorageVersionMismatch',
    });
  }
  if (version < SCHEMA_VERSION) {
    try {
      db.transaction(() => {
        if (version === 0) db.exec(SCHEMA_V1);
        for (let next = Math.max(version, 1) + 1; next <= SCHEMA_VERSION; next++) db.exec(MIGRATIONS[next] ?? '');
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    } catch (error) {
      db.close();
      throw new SkyportError('ProviderUnavailable', `the sim cannot upgrade ${file} from schema version ${version} to ${SCHEMA_VERSION}: ${(error as Error).message}`, {
        providerCode: 'StorageUpgradeFailed',
        cause: error,
      });
    }
  }
  return db;
}

export function readMeta(db: SimDb, key: string): string | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

export function writeMeta(db: SimDb, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
