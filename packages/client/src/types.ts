/**
 * The wire contract of the REST API as TypeScript types.
 *
 * Entities come from @skyport/model, which is isomorphic. The request and view shapes
 * below are copies of the ones in @skyport/core's `broker.ts`: the client must not depend
 * on the core (it carries server-side ports and must stay safe for the browser bundle), and
 * these shapes are what the API's TypeBox schemas accept and return, so they are the
 * contract rather than an implementation detail. Change them together with the schemas in
 * @skyport/api, whose `type-checks.ts` ties those schemas to the core's types.
 */
import type {
  Capabilities,
  DriverBehaviour,
  Instance,
  InstanceState,
  KeyPair,
  MigrationMappings,
  MigrationOptions,
  MigrationVmOverride,
  OperationStatus,
  Provider,
  Role,
  Tags,
} from '@skyport/model';

export type { ExportSummary } from '@skyport/model';

/** A page of a list; `nextCursor` is present when more items follow. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

export interface DriverConfigField {
  readonly name: string;
  readonly description: string;
  /** Secret fields are credentials: write-only, encrypted at rest. */
  readonly secret: boolean;
  readonly required: boolean;
}

export interface DriverInfo {
  readonly name: string;
  readonly description: string;
  readonly capabilities: Capabilities;
  readonly behaviour: DriverBehaviour;
  readonly configFields: readonly DriverConfigField[];
}

/** A provider with what its driver can do. Credentials are never returned. */
export interface ProviderView extends Provider {
  readonly capabilities: Capabilities;
  readonly behaviour: DriverBehaviour;
}

export interface AddProviderRequest {
  readonly name: string;
  readonly driver: string;
  readonly endpoint?: string;
  readonly region?: string;
  /** Write-only. */
  readonly credentials?: Readonly<Record<string, string>>;
  readonly settings?: Readonly<Record<string, unknown>>;
}

export interface ProviderTestResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface SyncStatus {
  readonly providerId: string;
  readonly lastSyncAt?: string;
  readonly lastSyncError?: string;
  /** Milliseconds until the next poll. */
  readonly nextPollInMs: number;
  readonly intervalMs: number;
}

export interface CreateInstanceRequest {
  readonly providerId: string;
  readonly name: string;
  readonly imageId: string;
  /** Id or name of one of the provider's hardware profiles. */
  readonly hardwareProfileId: string;
  readonly cpus?: number;
  readonly memoryMiB?: number;
  readonly diskGiB?: number;
  readonly locationId?: string;
  readonly keyName?: string;
  readonly userData?: string;
  /** Security groups of the same provider (default: the provider's default group). */
  readonly securityGroupIds?: readonly string[];
  readonly tags?: Tags;
}

export interface CreateSecurityGroupRequest {
  /** Provider id or name. */
  readonly providerId: string;
  readonly name: string;
  readonly description: string;
  readonly tags?: Tags;
}

/** An image made from an instance's disk. */
export interface CreateImageRequest {
  readonly instanceId: string;
  readonly name: string;
  readonly description?: string;
  readonly tags?: Tags;
}

export interface CreateKeyPairRequest {
  readonly providerId: string;
  readonly name: string;
  /** Import this OpenSSH public key instead of generating a pair. */
  readonly publicKey?: string;
}

export interface CreatedKeyPairView {
  readonly keyPair: KeyPair;
  /** Only when the provider generated the pair; shown once. */
  readonly privateKey?: string;
}

export interface CreateVolumeRequest {
  readonly providerId: string;
  readonly name: string;
  readonly sizeGiB: number;
  readonly locationId?: string;
  readonly snapshotId?: string;
  readonly tags?: Tags;
}

export interface CreateSnapshotRequest {
  readonly volumeId: string;
  readonly name: string;
  readonly tags?: Tags;
}

export interface TagChange {
  readonly set?: Tags;
  readonly remove?: readonly string[];
}

/** A key makes a retried create safe: same key + same request = same operation. */
export interface CreateOptions {
  readonly idempotencyKey?: string;
}

// ---- Tenancy: tenants, users, credentials, audit (copies of the core's shapes) ----

/** Limits of a tenant; an absent limit is unlimited. */
export interface Quotas {
  readonly instances?: number;
  readonly vcpus?: number;
  readonly memoryMiB?: number;
  readonly volumeGiB?: number;
}

export interface QuotaUsage {
  readonly tenantId: string;
  readonly quotas: Quotas;
  readonly used: { readonly instances: number; readonly vcpus: number; readonly memoryMiB: number; readonly volumeGiB: number };
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly quotas: Quotas;
  readonly createdAt: string;
}

export interface CreateTenantRequest {
  readonly name: string;
  readonly quotas?: Quotas;
}

export interface Membership {
  /** Tenant id (a create also takes the tenant's name). */
  readonly tenantId: string;
  readonly role: Role;
}

export interface User {
  readonly id: string;
  readonly name: string;
  readonly systemAdmin: boolean;
  readonly memberships: readonly Membership[];
  readonly createdAt: string;
}

export interface CreateUserRequest {
  readonly name: string;
  /** Without one the user cannot log in until a password is set (`users.setPassword`). */
  readonly password?: string;
  readonly systemAdmin?: boolean;
  readonly memberships: readonly Membership[];
}

/** An API token as listed: never the token itself. */
export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly lastUsedAt?: string;
}

export interface CreateTokenRequest {
  readonly name: string;
  /** At most the caller's own role; defaults to it. */
  readonly role?: Role;
  /** 60 s or more. */
  readonly expiresInSeconds?: number;
}

export interface CreatedToken {
  /** Shown once: the broker keeps only its hash. */
  readonly token: string;
  readonly view: ApiTokenView;
}

/** An EC2 access key as listed: never the secret. */
export interface AccessKeyView {
  readonly accessKeyId: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

export interface CreatedAccessKey {
  readonly accessKeyId: string;
  /** Shown once. */
  readonly secretAccessKey: string;
}

/** One entry of the audit log, as `GET /audit` lists it. */
export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly tenantId: string | null;
  readonly actor: { readonly userId: string; readonly userName: string; readonly via: string; readonly credentialId?: string };
  readonly door: string;
  readonly address?: string;
  /** What was done, e.g. `instances.create`, `tokens.revoke`, `session.login`. */
  readonly action: string;
  readonly target?: { readonly kind: string; readonly id: string };
  readonly result: 'success' | 'failure';
  readonly errorCode?: string;
  readonly hash: string;
}

/**
 * One line of `GET /audit/export`: the stored record with everything its hash covers
 * (`prevHash`, `details`), so the chain can be checked again outside the broker.
 */
export interface AuditRecord {
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
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly entries: number;
  /** The first entry whose hash or link does not match, when not ok. */
  readonly brokenAt?: number;
  readonly reason?: string;
}

export interface AuditListQuery {
  /** 1..1000, default 100. */
  readonly limit?: number;
  readonly cursor?: string;
}

/** What `POST /sessions` answers: a session token to send as a bearer token until `expiresAt`. */
export interface LoginResult {
  readonly token: string;
  readonly expiresAt: string;
  readonly userId: string;
  /** The tenant the session acts in (the user's first membership). */
  readonly tenantId: string;
}

// ---- Client-side shapes of query parameters (not in the core: they are URL encodings) ----

/** Filters and paging every inventory list takes. `K` narrows the fields returned. */
export interface ListQuery<T, K extends keyof T = keyof T> {
  /** Provider ids or names. */
  readonly provider?: string | readonly string[];
  /** Exact name, or a prefix when it ends with `*`. */
  readonly name?: string;
  /** Every entry must match: a string is `key=value`, `null` means "has the key". */
  readonly tags?: Readonly<Record<string, string | null>>;
  /** 1..1000, default 100. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** Only these top-level fields (the id is always returned). */
  readonly fields?: readonly K[];
  /** Also resources the last sync no longer found. */
  readonly includeVanished?: boolean;
  /** `name`, `provider`, `id` (`state` for instances); a leading `-` sorts descending. */
  readonly sort?: string;
}

export interface InstanceListQuery<K extends keyof Instance = keyof Instance> extends ListQuery<Instance, K> {
  readonly state?: InstanceState | readonly InstanceState[];
}

export interface OperationListQuery {
  readonly status?: OperationStatus | readonly OperationStatus[];
  /** Provider id. */
  readonly provider?: string;
  /** Id of the resource acted on. */
  readonly target?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** How long a wait may last on the server (0..600 s, default 30) and how to give up early. */
export interface WaitOptions {
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
}

export interface EventStreamOptions {
  /** Only these event types (`operation.updated`, `resource.updated`, ...). */
  readonly types?: readonly string[];
  /** Only events of this provider (id or name). */
  readonly provider?: string;
  /**
   * Called once the broker has accepted the stream (it subscribes before answering), so
   * from then on no change is missed: a page can mark itself live, or re-read what it shows.
   */
  readonly onOpen?: () => void;
}

export interface Health {
  readonly status: 'ok';
  readonly version: string;
}

/** The error body every non-2xx answer of the API carries. */
export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
  readonly retryable?: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly requestId?: string;
}

// ---- Appliances (OVA import and export) ----

export interface ImportImageRequest {
  /** Provider id or name; it must have the `imageImport` capability. */
  readonly provider: string;
  /** Name of the new image; further disks become `<name>-disk2`, ... */
  readonly name: string;
  readonly description?: string;
  /** Accept what only a deployment target or an extension objects to, as warnings. */
  readonly lax?: boolean;
  /** The file's name as the user had it, for messages. */
  readonly fileName?: string;
}

export interface ExportRequest {
  /** OVF 1.0 (default) or 2.0. */
  readonly ovfVersion?: '1.0' | '2.0';
}

/** An export's file as it starts to arrive. */
export interface ExportDownload {
  readonly fileName: string;
  readonly sizeBytes: number;
  /** Hex SHA-256 of the whole OVA, from `Repr-Digest`. */
  readonly sha256?: string;
  readonly body: ReadableStream<Uint8Array>;
}

/** A new migration plan; mappings left out are proposed by the broker. */
export interface CreateMigrationPlanRequest {
  readonly name: string;
  /** Provider id or name. */
  readonly sourceProviderId: string;
  readonly targetProviderId: string;
  /** Source instances; or `selector`, or both. */
  readonly instanceIds?: readonly string[];
  /** Every source instance with these tags (`null`: the key, any value), chosen now. */
  readonly selector?: { readonly tags: Readonly<Record<string, string | null>> };
  readonly mappings?: MigrationMappings;
  /** Per source instance id. */
  readonly overrides?: Readonly<Record<string, MigrationVmOverride>>;
  readonly options?: Partial<MigrationOptions>;
}

/** A change to a plan before it runs; each part given replaces the plan's (options merge). */
export interface UpdateMigrationPlanRequest {
  readonly name?: string;
  readonly mappings?: MigrationMappings;
  readonly overrides?: Readonly<Record<string, MigrationVmOverride>>;
  readonly options?: Partial<MigrationOptions>;
}

/** Which VMs a retry or rollback is for; all it applies to when absent. */
export interface MigrationVmSelection {
  readonly vmIds?: readonly string[];
}
