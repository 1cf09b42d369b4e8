/**
 * Table shapes as Kysely sees them. Column names are snake_case as in the database; the stores
 * map rows to the camelCase records of the port themselves, so no naming plugin runs on hot
 * paths. JSON is stored as text and times as ISO-8601 text, which both dialects compare the
 * same way (lexically) as long as every writer uses `Date.toISOString()`.
 */
import type { ColumnType } from 'kysely';

export interface ProvidersTable {
  id: string;
  tenant_id: string;
  name: string;
  driver: string;
  endpoint: string | null;
  region: string | null;
  /** JSON object. */
  settings: string;
  sealed_credentials: string | null;
  status: string;
  status_reason: string | null;
  created_at: string;
  last_sync_at: string | null;
  last_sync_error: string | null;
}

export interface ResourcesTable {
  id: string;
  provider_id: string;
  kind: string;
  native_id: string;
  name: string;
  state: string | null;
  /** JSON object of string values, keys sorted. */
  tags: string;
  /** JSON object: the entity as the API shows it. */
  data: string;
  created_at: string;
  updated_at: string;
  vanished_at: string | null;
}

/** One row per tag of a resource, so tag filters can use an index instead of parsing JSON. */
export interface ResourceTagsTable {
  resource_id: string;
  key: string;
  value: string;
}

export interface OperationsTable {
  id: string;
  type: string;
  status: string;
  provider_id: string | null;
  target_kind: string | null;
  target_id: string | null;
  /** JSON object. */
  input: string;
  progress: number;
  message: string | null;
  /** JSON object or null. */
  result: string | null;
  /** JSON of a SkyportErrorJson or null. */
  error: string | null;
  attempts: number;
  locked_by: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  operation_id: string;
  created_at: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  token_hash: string;
  user_id: string;
  tenant_id: string;
  role: string;
  /** `api` or `session`. */
  kind: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TenantsTable {
  id: string;
  name: string;
  /** JSON object of limits; `{}` is unlimited. */
  quotas: string;
  created_at: string;
}

export interface UsersTable {
  id: string;
  name: string;
  password_hash: string | null;
  /** 0 or 1: an integer on both dialects, as SQLite has no boolean. */
  system_admin: number;
  /** JSON array of `{ tenantId, role }`. */
  memberships: string;
  created_at: string;
  deleted_at: string | null;
}

export interface AccessKeysTable {
  id: string;
  user_id: string;
  tenant_id: string;
  sealed_secret: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). */
export interface AuditLogTable {
  /** 1, 2, 3...; PostgreSQL returns its bigint as a string. Never updated. */
  seq: ColumnType<number | string, number, never>;
  at: string;
  tenant_id: string | null;
  actor_user_id: string;
  actor_name: string;
  via: string;
  credential_id: string | null;
  door: string;
  address: string | null;
  action: string;
  target_kind: string | null;
  target_id: string | null;
  result: string;
  error_code: string | null;
  /** JSON object or null. */
  details: string | null;
  prev_hash: string;
  hash: string;
}

/** Named expiring locks; times are ISO-8601 text like every other time here. */
export interface LeasesTable {
  name: string;
  holder: string;
  acquired_at: string;
  expires_at: string;
}

/** A migration plan; `spec` is JSON the core owns. */
export interface MigrationPlansTable {
  id: string;
  tenant_id: string;
  name: string;
  source_provider_id: string;
  target_provider_id: string;
  spec: string;
  created_at: string;
  updated_at: string;
  finalized_at: string | null;
}

export interface MigrationRunsTable {
  id: string;
  plan_id: string;
  seq: number;
  kind: string;
  /** JSON array of VM ids. */
  vm_ids: string;
  created_at: string;
  cancel_requested_at: string | null;
  finished_at: string | null;
}

export interface MigrationVmsTable {
  id: string;
  plan_id: string;
  seq: number;
  source_provider_id: string;
  target_provider_id: string;
  source_instance_id: string;
  source_name: string;
  target_name: string;
  status: string;
  job: string;
  step: string | null;
  attempt: number;
  run_id: string | null;
  /** JSON object. */
  progress: string;
  operation_id: string | null;
  target_instance_id: string | null;
  target_image_id: string | null;
  control: string | null;
  /** JSON of a SkyportErrorJson or null. */
  error: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Append-only by convention (the core never changes an entry); histories are replayed. */
export interface MigrationStepsTable {
  vm_id: string;
  seq: number;
  attempt: number;
  step: string;
  kind: string;
  event: string;
  output: string | null;
  error: string | null;
  at: string;
}

export interface Database {
  providers: ProvidersTable;
  resources: ResourcesTable;
  resource_tags: ResourceTagsTable;
  operations: OperationsTable;
  idempotency_keys: IdempotencyKeysTable;
  api_tokens: ApiTokensTable;
  tenants: TenantsTable;
  users: UsersTable;
  access_keys: AccessKeysTable;
  audit_log: AuditLogTable;
  migration_plans: MigrationPlansTable;
  migration_runs: MigrationRunsTable;
  migration_vms: MigrationVmsTable;
  migration_steps: MigrationStepsTable;
  leases: LeasesTable;
}

export type Dialect = 'sqlite' | 'postgres';
