/**
 * The use cases every front end (REST, EC2, CLI through REST, portal through REST) calls.
 * Front ends validate the shape of a request; the broker validates its meaning (ids exist,
 * states allow the action, values fit the hardware profile) and throws SkyportError.
 */
import type {
  BrokerEvent,
  ExportSummary,
  Capabilities,
  DriverBehaviour,
  HardwareProfile,
  Image,
  Instance,
  InstanceAction,
  InstanceState,
  KeyPair,
  Location,
  MigrationMappings,
  MigrationOptions,
  MigrationPlan,
  MigrationPreflight,
  MigrationStepEntry,
  MigrationVmOverride,
  Operation,
  OperationStatus,
  Principal,
  Provider,
  Role,
  ResourceKind,
  SecurityGroup,
  SecurityGroupRule,
  Snapshot,
  TaggableKind,
  Tags,
  Volume,
} from '@skyport/model';
import type { Readable } from 'node:stream';
import type { DriverConfigField, Page, ResourceSort } from './ports/index.js';

export interface DriverInfo {
  readonly name: string;
  readonly description: string;
  readonly capabilities: Capabilities;
  readonly behaviour: DriverBehaviour;
  readonly configFields: readonly DriverConfigField[];
}

/** A provider with what its driver can do, as the API shows it. */
export interface ProviderView extends Provider {
  readonly capabilities: Capabilities;
  readonly behaviour: DriverBehaviour;
}

export interface AddProviderRequest {
  readonly name: string;
  readonly driver: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: Readonly<Record<string, string>>;
  readonly settings?: Readonly<Record<string, unknown>>;
}

export interface AddProviderOptions {
  /**
   * Store the provider even when its connection test fails with ProviderUnavailable (software
   * missing, host unreachable; never for bad credentials): it is added as `unavailable` with the
   * reason, and its poller keeps retrying. For the clouds the broker sets up by itself.
   */
  readonly keepIfUnavailable?: boolean;
}

export interface ProviderTestResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface ListQuery {
  readonly providerIds?: readonly string[];
  readonly states?: readonly string[];
  /** Exact name, or a prefix when it ends with `*`. */
  readonly name?: string;
  /** `key=value` or `key` (exists). */
  readonly tags?: Readonly<Record<string, string | null>>;
  readonly includeVanished?: boolean;
  readonly limit?: number;
  readonly cursor?: string;
  /** By id when absent; `state` only for kinds that have one. */
  readonly sort?: ResourceSort;
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
  /** Broker ids of security groups in the same provider. */
  readonly securityGroupIds?: readonly string[];
  readonly tags?: Tags;
}

export interface CreateSecurityGroupRequest {
  readonly providerId: string;
  readonly name: string;
  readonly description: string;
  readonly tags?: Tags;
}

export interface CreateImageRequest {
  readonly instanceId: string;
  readonly name: string;
  readonly description?: string;
  readonly tags?: Tags;
}

/** An OVA to import as images of a provider (the first disk is the image; others get `-diskN`). */
export interface ImportOvaRequest {
  readonly providerId: string;
  readonly name: string;
  /** Default: the appliance, its hardware and the nearest hardware profile, in words. */
  readonly description?: string;
  readonly tags?: Tags;
  /** Accept what only a deployment target or an extension objects to (like `ovftool --lax`). */
  readonly lax?: boolean;
  /** The OVA's bytes as they arrive; the broker writes them under `<dataDir>/uploads/`. */
  readonly body?: AsyncIterable<Uint8Array>;
  /** Or a file already in `<dataDir>/uploads/` (relative to it); the import consumes it. */
  readonly path?: string;
  /** The announced size (Content-Length), refused at once when over the limit. */
  readonly sizeBytes?: number;
  /** The file's name as the user had it, for messages and the default description. */
  readonly fileName?: string;
}

export interface ExportOptions {
  /** OVF 1.0 (default: what every consumer reads) or 2.0. */
  readonly ovfVersion?: '1.0' | '2.0';
}

/** A finished export, ready to download. */
export interface ExportFile {
  /** The export operation's id, which names the export. */
  readonly operationId: string;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly ovfVersion: '1.0' | '2.0';
  /** When the broker removes it. */
  readonly expiresAt: string;
  /** The OVA's bytes. */
  open(): Readable;
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

/** Options for creates: a key makes retries safe (same key + same request = same operation). */
export interface CreateOptions {
  readonly idempotencyKey?: string;
}

export interface ListOperationsQuery {
  readonly statuses?: readonly OperationStatus[];
  readonly providerId?: string;
  readonly targetId?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface CreateMigrationPlanRequest {
  readonly name: string;
  /** Provider id or name. */
  readonly sourceProviderId: string;
  readonly targetProviderId: string;
  /** Source instances (broker ids); or `selector`, or both. */
  readonly instanceIds?: readonly string[];
  /** Every instance of the source carrying these tags (`null`: the key, any value), chosen now. */
  readonly selector?: { readonly tags: Readonly<Record<string, string | null>> };
  readonly mappings?: MigrationMappings;
  /** Per source instance id. */
  readonly overrides?: Readonly<Record<string, MigrationVmOverride>>;
  readonly options?: Partial<MigrationOptions>;
}

/** What `migrations.update` changes; each part given replaces the plan's. */
export interface UpdateMigrationPlanRequest {
  readonly name?: string;
  /** Replaces the plan's mappings (what is left out is proposed again, as on create). */
  readonly mappings?: MigrationMappings;
  /** Per source instance id; replaces every override. */
  readonly overrides?: Readonly<Record<string, MigrationVmOverride>>;
  /** Merged over the plan's options. */
  readonly options?: Partial<MigrationOptions>;
}

/** Which VMs of a plan an action is for; all that the action applies to when absent. */
export interface MigrationVmSelection {
  readonly vmIds?: readonly string[];
}

export interface SyncStatus {
  readonly providerId: string;
  readonly lastSyncAt?: string;
  readonly lastSyncError?: string;
  /** Milliseconds until the next poll. */
  readonly nextPollInMs: number;
  readonly intervalMs: number;
}

export interface Broker {
  readonly drivers: {
    list(): DriverInfo[];
  };
  readonly providers: {
    add(request: AddProviderRequest, options?: AddProviderOptions): Promise<ProviderView>;
    list(): Promise<ProviderView[]>;
    /** By id or by name. */
    get(idOrName: string): Promise<ProviderView>;
    test(idOrName: string): Promise<ProviderTestResult>;
    /** Removes the provider and forgets its inventory; cloud resources are left untouched. */
    remove(idOrName: string): Promise<void>;
    /** Polls the provider now and waits for the sync to finish. */
    sync(idOrName: string): Promise<SyncStatus>;
    syncStatus(idOrName: string): Promise<SyncStatus>;
  };
  readonly locations: { list(query?: ListQuery): Promise<Page<Location>>; get(id: string): Promise<Location> };
  readonly hardwareProfiles: { list(query?: ListQuery): Promise<Page<HardwareProfile>>; get(id: string): Promise<HardwareProfile> };
  readonly images: {
    list(query?: ListQuery): Promise<Page<Image>>;
    get(id: string): Promise<Image>;
    /** Image from an instance (`imageFromInstance` capability); the operation's target is the new image. */
    createFromInstance(request: CreateImageRequest, options?: CreateOptions): Promise<Operation>;
    /** Deregisters the image at its provider. */
    delete(id: string): Promise<Operation>;
    /** Imports an OVA (`imageImport` capability); the operation's target is the new image. */
    importOva(request: ImportOvaRequest, options?: CreateOptions): Promise<Operation>;
    /** Exports an available image as an OVA (`diskExport`); download it with `exports.get(operation id)`. */
    export(id: string, options?: ExportOptions): Promise<Operation>;
  };
  readonly securityGroups: {
    list(query?: ListQuery): Promise<Page<SecurityGroup>>;
    get(id: string): Promise<SecurityGroup>;
    create(request: CreateSecurityGroupRequest): Promise<SecurityGroup>;
    delete(id: string): Promise<void>;
    authorize(id: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<SecurityGroup>;
    revoke(id: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<SecurityGroup>;
  };
  readonly instances: {
    list(query?: ListQuery): Promise<Page<Instance>>;
    get(id: string): Promise<Instance>;
    create(request: CreateInstanceRequest, options?: CreateOptions): Promise<Operation>;
    /** Validates the action against the current state (409 otherwise) and starts it. */
    act(id: string, action: InstanceAction, options?: { readonly force?: boolean }): Promise<Operation>;
    /** Resolves when the instance is in one of `states`; `Timeout` after `timeoutMs`. */
    waitFor(id: string, states: readonly InstanceState[], timeoutMs: number): Promise<Instance>;
    consoleOutput(id: string): Promise<{ readonly output: string; readonly timestamp: string }>;
    countByState(providerId?: string): Promise<Record<string, number>>;
    /** Exports a stopped instance as an OVA (`diskExport`); download it with `exports.get(operation id)`. */
    export(id: string, options?: ExportOptions): Promise<Operation>;
  };
  /** OVAs made by exports, named by their operation id; kept until deleted or expired. */
  readonly exports: {
    /** The tenant's exports that can still be downloaded, newest first. */
    list(): Promise<ExportSummary[]>;
    get(operationId: string): Promise<ExportFile>;
    delete(operationId: string): Promise<void>;
  };
  readonly keyPairs: {
    list(query?: ListQuery): Promise<Page<KeyPair>>;
    get(id: string): Promise<KeyPair>;
    create(request: CreateKeyPairRequest): Promise<CreatedKeyPairView>;
    delete(id: string): Promise<void>;
  };
  readonly volumes: {
    list(query?: ListQuery): Promise<Page<Volume>>;
    get(id: string): Promise<Volume>;
    create(request: CreateVolumeRequest, options?: CreateOptions): Promise<Operation>;
    attach(id: string, instanceId: string, device?: string): Promise<Operation>;
    detach(id: string): Promise<Operation>;
    delete(id: string): Promise<Operation>;
  };
  readonly snapshots: {
    list(query?: ListQuery): Promise<Page<Snapshot>>;
    get(id: string): Promise<Snapshot>;
    create(request: CreateSnapshotRequest, options?: CreateOptions): Promise<Operation>;
    delete(id: string): Promise<Operation>;
  };
  readonly tags: {
    /** Applies a change to any taggable resource; returns the resource's tags after it. */
    update(kind: TaggableKind, id: string, change: TagChange): Promise<Tags>;
  };
  readonly operations: {
    list(query?: ListOperationsQuery): Promise<Page<Operation>>;
    get(id: string): Promise<Operation>;
    /** Resolves when the operation is done; `Timeout` after `timeoutMs`. */
    waitFor(id: string, timeoutMs: number): Promise<Operation>;
  };
  /** Migration plans: move instances between providers, VM by VM, surviving crashes (docs/migration.md). */
  readonly migrations: {
    list(): Promise<MigrationPlan[]>;
    get(id: string): Promise<MigrationPlan>;
    /** Stores a plan (nothing runs yet); mappings the request leaves out are proposed by the broker. */
    create(request: CreateMigrationPlanRequest): Promise<MigrationPlan>;
    /** Changes a plan that has not run yet (a draft); refused once a run started. */
    update(id: string, change: UpdateMigrationPlanRequest): Promise<MigrationPlan>;
    /** Forgets a plan that is not running; what it migrated stays where it is. */
    delete(id: string): Promise<void>;
    /** Checks every VM now: blockers stop a run, warnings are for a person to read. Changes nothing. */
    preflight(id: string): Promise<MigrationPreflight>;
    /** Starts the plan's first run (refused while preflight finds blockers). */
    run(id: string): Promise<MigrationPlan>;
    /** VMs not started yet are held; moving ones stop after the step in progress. Nothing is undone. */
    pause(id: string): Promise<MigrationPlan>;
    /** Paused VMs go on from where they stopped (same attempt, same history). */
    resume(id: string): Promise<MigrationPlan>;
    /** Stops the VMs still moving or paused; each is rolled back (source restarted). Cut-over VMs stay. */
    cancel(id: string): Promise<MigrationPlan>;
    /** A new run of the failed and cancelled VMs only; a failed VM that was not rolled back resumes where it stopped. */
    retry(id: string, selection?: MigrationVmSelection): Promise<MigrationPlan>;
    /** Undoes cut-over or failed VMs: target instance and image removed, source restarted. */
    rollback(id: string, selection?: MigrationVmSelection): Promise<MigrationPlan>;
    /** Ends the plan: each cut-over source is deleted or kept, per `options.sourceAfterFinalize`. */
    finalize(id: string): Promise<MigrationPlan>;
    /** A VM's step history, oldest first. */
    steps(id: string, vmId: string): Promise<MigrationStepEntry[]>;
    /** Resolves when no VM of the plan is moving; `Timeout` after `timeoutMs`. */
    waitFor(id: string, timeoutMs: number): Promise<MigrationPlan>;
  };
  readonly events: {
    subscribe(listener: (event: BrokerEvent) => void): () => void;
  };
  /** Tenants, users, credentials and the audit log, as far as the caller's role allows. */
  readonly tenants: {
    list(): Promise<Tenant[]>;
    get(idOrName: string): Promise<Tenant>;
    create(request: CreateTenantRequest): Promise<Tenant>;
    setQuotas(idOrName: string, quotas: Quotas): Promise<Tenant>;
    /** Current use against the quotas of the caller's tenant (or the named one, for system admins). */
    usage(idOrName?: string): Promise<QuotaUsage>;
  };
  readonly users: {
    list(): Promise<User[]>;
    get(idOrName: string): Promise<User>;
    create(request: CreateUserRequest): Promise<User>;
    setPassword(idOrName: string, password: string): Promise<void>;
    delete(idOrName: string): Promise<void>;
  };
  readonly tokens: {
    /** The caller's own tokens (all tokens of the tenant for admins). */
    list(): Promise<ApiTokenView[]>;
    /** A token for the caller, in its current tenant; the token is shown once. */
    create(request: CreateTokenRequest): Promise<CreatedToken>;
    revoke(id: string): Promise<void>;
    /** Logs out: revokes the password session the caller is using. */
    endSession(): Promise<void>;
  };
  readonly accessKeys: {
    list(): Promise<AccessKeyView[]>;
    /** An EC2 access key pair for the caller; the secret is shown once. */
    create(): Promise<CreatedAccessKey>;
    delete(accessKeyId: string): Promise<void>;
  };
  readonly audit: {
    /** Newest first, within the caller's tenant (all tenants for system admins). */
    list(query?: { readonly limit?: number; readonly cursor?: string }): Promise<Page<AuditEntry>>;
    /** Walks the whole hash chain; any edited, inserted or deleted entry breaks it. */
    verify(): Promise<AuditVerification>;
    /** Every entry, oldest first, as JSON lines. */
    export(): AsyncIterable<string>;
  };
  /** The caller, as the broker sees it. */
  whoami(): Principal;
}

/** What createBroker returns: authentication for the doors, and a Broker per caller. */
export interface BrokerService {
  /** The use cases as `principal` may perform them: scoped to its tenant, checked against its role. */
  as(principal: Principal): Broker;
  readonly auth: {
    /** A bearer token (API token or portal session); `Unauthenticated` if unknown, expired or revoked. */
    authenticateToken(token: string, context: RequestContext): Promise<Principal>;
    /** Password login; returns a session token (expiring) for the portal and CLI. */
    login(
      userName: string,
      password: string,
      context: RequestContext,
      /** The tenant to act in (id or name); the user's first membership when absent. */
      tenant?: string,
    ): Promise<{ readonly principal: Principal; readonly token: string; readonly expiresAt: string }>;

    /** The principal and secret of an EC2 access key, so the EC2 door can verify a SigV4 signature. */
    accessKey(accessKeyId: string, context: RequestContext): Promise<{ readonly principal: Principal; readonly secretAccessKey: string }>;
  };
  /** Starts pollers and job workers. */
  start(): Promise<void>;
  /** Stops pollers and workers, waits for running jobs to checkpoint, closes drivers. */
  stop(): Promise<void>;
}

/** Where a call comes from, recorded in the audit log and used for rate limits. */
export interface RequestContext {
  readonly door: 'rest' | 'ec2' | 'sse' | 'portal' | 'cli';
  readonly address?: string;
}

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
  readonly password?: string;
  readonly systemAdmin?: boolean;
  readonly memberships: readonly Membership[];
}

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
  readonly expiresInSeconds?: number;
}

export interface CreatedToken {
  readonly token: string;
  readonly view: ApiTokenView;
}

export interface AccessKeyView {
  readonly accessKeyId: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly createdAt: string;
  readonly lastUsedAt?: string;
}

export interface CreatedAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly tenantId: string | null;
  readonly actor: { readonly userId: string; readonly userName: string; readonly via: string; readonly credentialId?: string };
  readonly door: string;
  readonly address?: string;
  /** What was done: `<group>.<method>` of the Broker (`instances.create`, `providers.add`, `tokens.revoke`), or `session.login`/`session.logout`. */
  readonly action: string;
  readonly target?: { readonly kind: string; readonly id: string };
  readonly result: 'success' | 'failure';
  readonly errorCode?: string;
  readonly hash: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly entries: number;
  /** The first entry whose hash or link does not match, when not ok. */
  readonly brokenAt?: number;
  readonly reason?: string;
}

export type ResourceKindOf<T> = T extends Instance ? 'instance' : ResourceKind;
