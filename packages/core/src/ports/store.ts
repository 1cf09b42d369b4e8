/**
 * Persistence port. Implemented with Kysely over SQLite (embedded) and PostgreSQL (scale-out)
 * by @skyport/store; both pass the same contract tests. All times are ISO-8601 strings.
 */
import type { MigrationVmStatus, OperationStatus, ProviderStatus, ResourceKind, Role, SkyportErrorJson, Tags } from '@skyport/model';

export interface ProviderRecord {
  readonly id: string;
  /** The tenant that owns the provider and, through it, every resource in it. */
  readonly tenantId: string;
  /** Unique across tenants: it names the provider's data folder and EC2 region. */
  readonly name: string;
  readonly driver: string;
  readonly endpoint: string | null;
  readonly region: string | null;
  readonly settings: Readonly<Record<string, unknown>>;
  /** Credentials as sealed by the Vault; never returned by any API. */
  readonly sealedCredentials: string | null;
  readonly status: ProviderStatus;
  readonly statusReason: string | null;
  readonly createdAt: string;
  readonly lastSyncAt: string | null;
  readonly lastSyncError: string | null;
}

/** One cached provider resource. `data` is the broker-side entity as the API shows it. */
export interface ResourceRecord {
  readonly id: string;
  readonly providerId: string;
  readonly kind: ResourceKind;
  readonly nativeId: string;
  readonly name: string;
  /** Normalized state, for filtering; null for kinds without state. */
  readonly state: string | null;
  readonly tags: Tags;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Set when a sync no longer found the resource at the provider. */
  readonly vanishedAt: string | null;
}

export interface ResourceQuery {
  readonly kind: ResourceKind;
  readonly providerIds?: readonly string[];
  readonly states?: readonly string[];
  /** Exact name, or a prefix when it ends with `*`. */
  readonly name?: string;
  /** Every entry must match: a string value means key=value, `null` means the key exists. */
  readonly tags?: Readonly<Record<string, string | null>>;
  readonly includeVanished?: boolean;
  /** 1..1000 */
  readonly limit: number;
  /** Opaque cursor from a previous page (`nextCursor`), taken with the same sort. */
  readonly cursor?: string;
  /** Order of the list; by id ascending when absent. Ties are broken by id. */
  readonly sort?: ResourceSort;
}

/** Inventory columns a list can be ordered by (each has an index ending in id). */
export const RESOURCE_SORT_FIELDS = ['id', 'name', 'state', 'providerId'] as const;
export type ResourceSortField = (typeof RESOURCE_SORT_FIELDS)[number];

export interface ResourceSort {
  readonly field: ResourceSortField;
  readonly descending?: boolean;
}

export interface Page<T> {
  readonly items: T[];
  /** Present when more items follow. */
  readonly nextCursor?: string;
}

export interface SyncResult {
  readonly created: string[];
  readonly updated: string[];
  readonly vanished: string[];
}

export interface ResourceStore {
  get(id: string): Promise<ResourceRecord | undefined>;
  getByNativeId(providerId: string, kind: ResourceKind, nativeId: string): Promise<ResourceRecord | undefined>;
  /** Broker ids already assigned to these native ids (missing ones are absent from the map). */
  idsForNativeIds(providerId: string, kind: ResourceKind, nativeIds: readonly string[]): Promise<Map<string, string>>;
  list(query: ResourceQuery): Promise<Page<ResourceRecord>>;
  /** Counts per state of one kind, optionally per provider (dashboards). */
  countByState(kind: ResourceKind, providerId?: string): Promise<Record<string, number>>;
  /** Inserts or replaces one record (after a user action), clearing `vanishedAt`. */
  put(record: ResourceRecord): Promise<void>;
  /**
   * Replaces everything known of one kind in one provider by a fresh listing: inserts new
   * records, updates changed ones (by `data`, `tags`, `state` or `name`), marks records not in
   * the listing as vanished at `syncedAt`. Unchanged records keep their `updatedAt`.
   */
  sync(providerId: string, kind: ResourceKind, records: readonly ResourceRecord[], syncedAt: string): Promise<SyncResult>;
  delete(id: string): Promise<void>;
  /** Removes every resource of a provider (when the provider is removed). */
  deleteByProvider(providerId: string): Promise<void>;
}

export interface ProviderStore {
  insert(record: ProviderRecord): Promise<void>;
  get(id: string): Promise<ProviderRecord | undefined>;
  getByName(name: string): Promise<ProviderRecord | undefined>;
  /** All providers, or those of one tenant. */
  list(tenantId?: string): Promise<ProviderRecord[]>;
  update(id: string, patch: Partial<Omit<ProviderRecord, 'id' | 'createdAt'>>): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface OperationRecord {
  readonly id: string;
  readonly type: string;
  readonly status: OperationStatus;
  readonly providerId: string | null;
  readonly targetKind: ResourceKind | null;
  readonly targetId: string | null;
  /** What the job needs to run (the validated request). */
  readonly input: Readonly<Record<string, unknown>>;
  readonly progress: number;
  readonly message: string | null;
  readonly result: Readonly<Record<string, unknown>> | null;
  readonly error: SkyportErrorJson | null;
  readonly attempts: number;
  /** Who runs it now (a worker id), while `running`. */
  readonly lockedBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

export interface OperationQuery {
  readonly statuses?: readonly OperationStatus[];
  /** Operation types (`image.export`); any when absent. */
  readonly types?: readonly string[];
  readonly providerId?: string;
  readonly targetId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface OperationStore {
  insert(record: OperationRecord): Promise<void>;
  get(id: string): Promise<OperationRecord | undefined>;
  /** Newest first. */
  list(query: OperationQuery): Promise<Page<OperationRecord>>;
  /**
   * With `expect`, a fenced write: it applies only while the operation is still held by that
   * claim (same `lockedBy` and `attempts`), else throws InvalidState with `details.claimLost`.
   * A worker whose claim was taken over (its job expired) thereby stops at its next step.
   */
  update(id: string, patch: Partial<Omit<OperationRecord, 'id' | 'createdAt'>>, expect?: ClaimFence): Promise<OperationRecord>;
  /** Atomically moves the oldest `queued` operation to `running` for `workerId`; undefined if none. */
  claimNext(workerId: string, now: string): Promise<OperationRecord | undefined>;
  /**
   * Atomically moves one operation to `running` for `workerId` (attempts + 1) when it is
   * `queued`; with `takeOver`, also when it is `running` under another claim (whose job the
   * queue engine declared dead). Undefined when it is finished, or held and not taken over.
   */
  claim(id: string, workerId: string, now: string, options?: { readonly takeOver?: boolean }): Promise<OperationRecord | undefined>;
  /** Puts `running` operations of the given workers (or all, when omitted) back to `queued`. */
  requeueRunning(workerIds?: readonly string[]): Promise<number>;
}

/** Who holds an operation: the claim's worker id and attempt number. */
export interface ClaimFence {
  readonly lockedBy: string;
  readonly attempts: number;
}

export interface IdempotencyRecord {
  readonly scope: string;
  readonly key: string;
  /** Hash of the request body, to refuse a reused key with another request. */
  readonly requestHash: string;
  readonly operationId: string;
  readonly createdAt: string;
}

export interface IdempotencyStore {
  get(scope: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Inserts unless present; returns the record that is stored (the existing one on a race). */
  putIfAbsent(record: IdempotencyRecord): Promise<IdempotencyRecord>;
  /** Forgets keys older than `before`. */
  expire(before: string): Promise<number>;
}

export interface ApiTokenRecord {
  readonly id: string;
  readonly name: string;
  /** SHA-256 of the token, hex; the token itself is shown once and never stored. */
  readonly tokenHash: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly role: Role;
  /** `api`: created by a user; `session`: issued by a password login. */
  readonly kind: 'api' | 'session';
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface ApiTokenStore {
  insert(record: ApiTokenRecord): Promise<void>;
  get(id: string): Promise<ApiTokenRecord | undefined>;
  findByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  /** Newest first; revoked tokens included (they show as revoked). */
  list(filter?: { readonly userId?: string; readonly tenantId?: string }): Promise<ApiTokenRecord[]>;
  touch(id: string, at: string): Promise<void>;
  revoke(id: string, at: string): Promise<void>;
  /** Revokes every token of a user (when the user is deleted). */
  revokeByUser(userId: string, at: string): Promise<void>;
}

/** Limits per tenant; absent means unlimited. */
export interface QuotaRecord {
  readonly instances?: number;
  readonly vcpus?: number;
  readonly memoryMiB?: number;
  readonly volumeGiB?: number;
}

export interface TenantRecord {
  readonly id: string;
  /** Unique. */
  readonly name: string;
  readonly quotas: QuotaRecord;
  readonly createdAt: string;
}

export interface TenantStore {
  insert(record: TenantRecord): Promise<void>;
  get(id: string): Promise<TenantRecord | undefined>;
  getByName(name: string): Promise<TenantRecord | undefined>;
  list(): Promise<TenantRecord[]>;
  update(id: string, patch: Partial<Pick<TenantRecord, 'quotas' | 'name'>>): Promise<void>;
}

export interface UserRecord {
  readonly id: string;
  /** Unique. */
  readonly name: string;
  /** `scrypt$N$r$p$salt$hash` (base64url), or null for users who only use tokens. */
  readonly passwordHash: string | null;
  readonly systemAdmin: boolean;
  readonly memberships: readonly { readonly tenantId: string; readonly role: Role }[];
  readonly createdAt: string;
  readonly deletedAt: string | null;
}

export interface UserStore {
  insert(record: UserRecord): Promise<void>;
  get(id: string): Promise<UserRecord | undefined>;
  getByName(name: string): Promise<UserRecord | undefined>;
  /** Users not deleted; with a tenant, only its members. */
  list(tenantId?: string): Promise<UserRecord[]>;
  update(id: string, patch: Partial<Pick<UserRecord, 'passwordHash' | 'memberships' | 'systemAdmin' | 'deletedAt'>>): Promise<void>;
}

export interface AccessKeyRecord {
  /** The access key id (`AKSP...`), public. */
  readonly id: string;
  readonly userId: string;
  readonly tenantId: string;
  /** The secret access key sealed by the Vault (SigV4 needs the secret itself, not a hash). */
  readonly sealedSecret: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface AccessKeyStore {
  insert(record: AccessKeyRecord): Promise<void>;
  get(id: string): Promise<AccessKeyRecord | undefined>;
  list(filter?: { readonly userId?: string; readonly tenantId?: string }): Promise<AccessKeyRecord[]>;
  touch(id: string, at: string): Promise<void>;
  revoke(id: string, at: string): Promise<void>;
  /** Re-seals every secret (master key rotation), in one transaction. */
  reseal(reseal: (sealed: string) => string): Promise<number>;
}

export interface AuditRecord {
  /** 1, 2, 3... with no gaps: a missing number is a deleted entry. */
  readonly seq: number;
  readonly at: string;
  readonly tenantId: string | null;
  readonly actorUserId: string;
  readonly actorName: string;
  readonly via: string;
  readonly credentialId: string | null;
  readonly door: string;
  readonly address: string | null;
  readonly action: string;
  readonly targetKind: string | null;
  readonly targetId: string | null;
  readonly result: 'success' | 'failure';
  readonly errorCode: string | null;
  readonly details: Readonly<Record<string, unknown>> | null;
  /** Hash of the previous entry ('' for the first). */
  readonly prevHash: string;
  /** SHA-256 over prevHash and this entry's fields, hex. */
  readonly hash: string;
}

export interface AuditStore {
  /**
   * Appends one entry atomically: inside one transaction, serialized across processes, reads
   * the last entry and inserts `build(last)`. The table refuses updates and deletes.
   */
  append(build: (last: { readonly seq: number; readonly hash: string } | undefined) => AuditRecord): Promise<AuditRecord>;
  /** Newest first; optionally one tenant's entries. Cursor = opaque. */
  list(query: { readonly tenantId?: string; readonly limit: number; readonly cursor?: string }): Promise<Page<AuditRecord>>;
  /** Oldest first, entries with seq > afterSeq (for verification and export). */
  scan(afterSeq: number, limit: number): Promise<AuditRecord[]>;
}

/** A named, expiring lock (e.g. which broker polls a provider). */
export interface LeaseRecord {
  readonly name: string;
  readonly holder: string;
  readonly acquiredAt: string;
  readonly expiresAt: string;
}

/**
 * Leases let several brokers share one duty: one holder at a time, taken over when the holder
 * stops renewing (it died). Times come from the store's clock; brokers' clocks must agree to
 * well under a lease's ttl (NTP).
 */
export interface LeaseStore {
  /** Takes the lease when it is free, expired, or already `holder`'s (then extends it). True when `holder` now holds it. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease while `holder` still holds it (even if just expired, as long as nobody took it); false when lost. */
  renew(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up at once (a clean shutdown), so another broker need not wait for expiry. */
  release(name: string, holder: string): Promise<void>;
  get(name: string): Promise<LeaseRecord | undefined>;
  /** Leases whose names start with `prefix`, expired ones included. */
  list(prefix: string): Promise<LeaseRecord[]>;
}

export interface MigrationPlanRecord {
  readonly id: string;
  /** The tenant that owns the plan (and both its providers). */
  readonly tenantId: string;
  readonly name: string;
  readonly sourceProviderId: string;
  readonly targetProviderId: string;
  /** What the plan asks for (selector, mappings, proposals, overrides, options): opaque to the store. */
  readonly spec: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finalizedAt: string | null;
}

export interface MigrationRunRecord {
  readonly id: string;
  readonly planId: string;
  /** 1, 2, ... per plan. */
  readonly seq: number;
  readonly kind: 'run' | 'retry';
  readonly vmIds: readonly string[];
  readonly createdAt: string;
  readonly cancelRequestedAt: string | null;
  readonly finishedAt: string | null;
}

/** One VM of a plan: where it is, what the next worker does with it, and its live progress. */
export interface MigrationVmRecord {
  readonly id: string;
  readonly planId: string;
  /** Order within the plan. */
  readonly seq: number;
  /** Copies of the plan's providers, so concurrency limits are counted with one query. */
  readonly sourceProviderId: string;
  readonly targetProviderId: string;
  readonly sourceInstanceId: string;
  readonly sourceName: string;
  readonly targetName: string;
  readonly status: MigrationVmStatus;
  /** The job a worker runs for it: forward steps, compensations, or finalize. */
  readonly job: 'forward' | 'rollback' | 'finalize';
  readonly step: string | null;
  /** Step history entries of earlier attempts are kept but not replayed. */
  readonly attempt: number;
  readonly runId: string | null;
  /** The model's MigrationProgress. */
  readonly progress: Readonly<Record<string, unknown>>;
  readonly operationId: string | null;
  readonly targetInstanceId: string | null;
  readonly targetImageId: string | null;
  /** A request the worker holding the VM must notice between and during steps. */
  readonly control: 'cancel' | 'pause' | null;
  readonly error: SkyportErrorJson | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

/** One entry of a VM's step history (append-only). */
export interface MigrationStepRecord {
  readonly vmId: string;
  /** 1, 2, ... per VM, assigned by the store. */
  readonly seq: number;
  readonly attempt: number;
  readonly step: string;
  readonly kind: 'action' | 'compensation';
  readonly event: 'started' | 'checkpoint' | 'completed' | 'failed' | 'skipped';
  readonly output: Readonly<Record<string, unknown>> | null;
  readonly error: SkyportErrorJson | null;
  readonly at: string;
}

export interface MigrationVmQuery {
  readonly planId?: string;
  readonly statuses?: readonly MigrationVmStatus[];
}

/** VMs a worker holds, per provider and per plan, for concurrency limits. */
export interface MigrationLoad {
  readonly bySource: Readonly<Record<string, number>>;
  readonly byTarget: Readonly<Record<string, number>>;
  readonly byPlan: Readonly<Record<string, number>>;
}

export type MigrationVmPatch = Partial<Omit<MigrationVmRecord, 'id' | 'planId' | 'seq' | 'sourceProviderId' | 'targetProviderId' | 'sourceInstanceId' | 'createdAt'>>;

export interface MigrationStore {
  /** Inserts a plan and its VMs in one transaction. */
  insertPlan(plan: MigrationPlanRecord, vms: readonly MigrationVmRecord[]): Promise<void>;
  getPlan(id: string): Promise<MigrationPlanRecord | undefined>;
  /** Newest first; one tenant's, or all. */
  listPlans(tenantId?: string): Promise<MigrationPlanRecord[]>;
  updatePlan(id: string, patch: Partial<Pick<MigrationPlanRecord, 'name' | 'spec' | 'updatedAt' | 'finalizedAt'>>): Promise<MigrationPlanRecord>;
  /** Removes a plan with its runs, VMs and step histories, in one transaction. */
  deletePlan(id: string): Promise<void>;

  /** Inserts a run; AlreadyExists when the plan already has a run with that seq (two runs raced). */
  insertRun(run: MigrationRunRecord): Promise<void>;
  /** By seq. */
  listRuns(planId: string): Promise<MigrationRunRecord[]>;
  updateRun(id: string, patch: Partial<Pick<MigrationRunRecord, 'cancelRequestedAt' | 'finishedAt'>>): Promise<MigrationRunRecord>;

  getVm(id: string): Promise<MigrationVmRecord | undefined>;
  /** By plan and seq. */
  listVms(query: MigrationVmQuery): Promise<MigrationVmRecord[]>;
  /**
   * Changes one VM. With `expect`, only while it is in one of `expect.statuses` (and holds
   * `expect.operationId`, when given): a compare-and-set that returns undefined when another
   * worker or request changed the VM first. NotFound for an unknown VM.
   */
  updateVm(id: string, patch: MigrationVmPatch, expect?: { readonly statuses?: readonly MigrationVmStatus[]; readonly operationId?: string | null }): Promise<MigrationVmRecord | undefined>;
  /** VMs in the given statuses, counted per source provider, target provider and plan. */
  load(statuses: readonly MigrationVmStatus[]): Promise<MigrationLoad>;

  /** Appends to a VM's history, numbering the entry after the VM's last one. */
  appendStep(entry: Omit<MigrationStepRecord, 'seq'>): Promise<MigrationStepRecord>;
  /** Oldest first. */
  listSteps(vmId: string): Promise<MigrationStepRecord[]>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly providers: ProviderStore;
  readonly resources: ResourceStore;
  readonly operations: OperationStore;
  readonly idempotency: IdempotencyStore;
  readonly tokens: ApiTokenStore;
  readonly tenants: TenantStore;
  readonly users: UserStore;
  readonly accessKeys: AccessKeyStore;
  readonly audit: AuditStore;
  readonly migrations: MigrationStore;
  readonly leases: LeaseStore;
  /** Re-seals every provider's credentials (master key rotation), in one transaction. */
  resealProviderCredentials(reseal: (sealed: string) => string): Promise<number>;
  /** Brings the schema to the newest version; safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
