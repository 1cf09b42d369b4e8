/** The typed client: one method per route of the REST API. */
import type {
  BrokerEvent,
  CapabilityDescription,
  HardwareProfile,
  Image,
  Instance,
  InstanceState,
  InstanceStateInfo,
  KeyPair,
  Location,
  MigrationPlan,
  MigrationPreflight,
  MigrationStepEntry,
  Operation,
  Principal,
  SecurityGroup,
  SecurityGroupRule,
  Snapshot,
  TaggableKind,
  Tags,
  Volume,
} from '@skyport/model';
import { SkyportError } from '@skyport/model';
import { Transport, type TransportOptions } from './http.js';
import { searchParams, tagParams } from './query.js';
import { readEventStream } from './sse.js';
import { readJsonLines } from './json-lines.js';
import type {
  AccessKeyView,
  AddProviderRequest,
  ApiTokenView,
  AuditEntry,
  AuditListQuery,
  AuditRecord,
  AuditVerification,
  CreateTenantRequest,
  CreateTokenRequest,
  CreateUserRequest,
  CreatedAccessKey,
  CreatedToken,
  CreateImageRequest,
  CreateInstanceRequest,
  CreateKeyPairRequest,
  CreateMigrationPlanRequest,
  UpdateMigrationPlanRequest,
  ExportSummary,
  MigrationVmSelection,
  CreateOptions,
  CreateSecurityGroupRequest,
  CreateSnapshotRequest,
  CreateVolumeRequest,
  CreatedKeyPairView,
  ExportDownload,
  ExportRequest,
  ImportImageRequest,
  DriverInfo,
  EventStreamOptions,
  Health,
  InstanceListQuery,
  ListQuery,
  LoginResult,
  OperationListQuery,
  Page,
  ProviderTestResult,
  ProviderView,
  QuotaUsage,
  Quotas,
  SyncStatus,
  TagChange,
  Tenant,
  User,
  WaitOptions,
} from './types.js';

export type ClientOptions = TransportOptions;

/**
 * `list` of an inventory kind. With `fields`, items have only those fields and the id. Two
 * signatures because TypeScript infers from the last one when the method is passed on
 * (`paginate(client.volumes.list, ...)`), and that one must not be generic.
 */
export interface ListMethod<T extends { id: string }, Q extends ListQuery<T, keyof T> = ListQuery<T>> {
  <K extends keyof T>(query: Q & { readonly fields: readonly K[] }): Promise<Page<Pick<T, K | 'id'>>>;
  (query?: Q): Promise<Page<T>>;
}

export interface SkyportClient {
  /** The broker's address as given (without `/api/v1`). */
  readonly baseUrl: string;
  /** Whether the broker answers, and its version. Needs no token. */
  health(): Promise<Health>;
  /** The normalized instance state machine. */
  instanceStates(): Promise<InstanceStateInfo[]>;
  /** The capability catalogue. */
  capabilities(): Promise<CapabilityDescription[]>;
  readonly drivers: { list(): Promise<DriverInfo[]> };
  readonly providers: {
    list(): Promise<ProviderView[]>;
    add(request: AddProviderRequest): Promise<ProviderView>;
    /** By id or name. */
    get(idOrName: string): Promise<ProviderView>;
    /** Forgets the provider and its inventory; cloud resources are left untouched. */
    remove(idOrName: string): Promise<void>;
    test(idOrName: string): Promise<ProviderTestResult>;
    /** Syncs the inventory now and resolves when done. */
    sync(idOrName: string): Promise<SyncStatus>;
    syncStatus(idOrName: string): Promise<SyncStatus>;
  };
  readonly locations: { list: ListMethod<Location>; get(id: string): Promise<Location> };
  readonly hardwareProfiles: { list: ListMethod<HardwareProfile>; get(id: string): Promise<HardwareProfile> };
  readonly images: {
    list: ListMethod<Image>;
    get(id: string): Promise<Image>;
    /** Makes an image of an instance's disk; the operation's `targetId` is the new image. */
    create(request: CreateImageRequest, options?: CreateOptions): Promise<Operation>;
    /** Deregisters an image; instances made from it keep running. */
    delete(id: string): Promise<Operation>;
    /** Uploads an OVA (the body is sent as it is, streamed) and starts its import; the operation's `targetId` is the new image. */
    import(request: ImportImageRequest, ova: ReadableStream<Uint8Array> | Blob | Uint8Array, options?: CreateOptions & { readonly signal?: AbortSignal }): Promise<Operation>;
    /** Starts exporting an image as an OVA; download it with `exports.download(operation id)` once done. */
    export(id: string, request?: ExportRequest): Promise<Operation>;
  };
  readonly securityGroups: {
    list: ListMethod<SecurityGroup>;
    get(id: string): Promise<SecurityGroup>;
    create(request: CreateSecurityGroupRequest): Promise<SecurityGroup>;
    delete(id: string): Promise<void>;
    /** Adds rules; resolves to the group after the change. */
    authorize(id: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<SecurityGroup>;
    /** Removes rules (matched by protocol, ports and CIDR); resolves to the group after the change. */
    revoke(id: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<SecurityGroup>;
  };
  readonly instances: {
    list: ListMethod<Instance, InstanceListQuery>;
    get(id: string): Promise<Instance>;
    create(request: CreateInstanceRequest, options?: CreateOptions): Promise<Operation>;
    start(id: string): Promise<Operation>;
    stop(id: string, options?: { readonly force?: boolean }): Promise<Operation>;
    reboot(id: string): Promise<Operation>;
    destroy(id: string): Promise<Operation>;
    /** Resolves when the instance is in one of `states` (default: any stable state); `Timeout` otherwise. */
    waitFor(id: string, states?: readonly InstanceState[], options?: WaitOptions): Promise<Instance>;
    console(id: string): Promise<{ readonly output: string; readonly timestamp: string }>;
    /** Instances per state (every state present), optionally of one provider. */
    counts(provider?: string): Promise<Record<InstanceState, number>>;
    /** Starts exporting a stopped instance as an OVA; download it with `exports.download(operation id)` once done. */
    export(id: string, request?: ExportRequest): Promise<Operation>;
  };
  /** OVAs made by exports, named by the export operation's id. */
  readonly exports: {
    /** Finished exports that can still be downloaded, newest first. */
    list(): Promise<ExportSummary[]>;
    /** Starts the download; read `body` to the end (or cancel it). */
    download(operationId: string, signal?: AbortSignal): Promise<ExportDownload>;
    delete(operationId: string): Promise<void>;
  };
  readonly keyPairs: {
    list: ListMethod<KeyPair>;
    get(id: string): Promise<KeyPair>;
    /** Generates a pair (the private key is in the answer, once) or imports `publicKey`. */
    create(request: CreateKeyPairRequest): Promise<CreatedKeyPairView>;
    delete(id: string): Promise<void>;
  };
  readonly volumes: {
    list: ListMethod<Volume>;
    get(id: string): Promise<Volume>;
    create(request: CreateVolumeRequest, options?: CreateOptions): Promise<Operation>;
    attach(id: string, instanceId: string, device?: string): Promise<Operation>;
    detach(id: string): Promise<Operation>;
    delete(id: string): Promise<Operation>;
  };
  readonly snapshots: {
    list: ListMethod<Snapshot>;
    get(id: string): Promise<Snapshot>;
    create(request: CreateSnapshotRequest, options?: CreateOptions): Promise<Operation>;
    delete(id: string): Promise<Operation>;
  };
  readonly tags: {
    /** Applies a change; resolves to the resource's tags after it. */
    update(kind: TaggableKind, id: string, change: TagChange): Promise<Tags>;
  };
  /** Migration plans (docs/migration.md): created, checked, run, watched, cancelled, retried, rolled back, finalized. */
  readonly migrations: {
    list(): Promise<MigrationPlan[]>;
    get(id: string): Promise<MigrationPlan>;
    create(request: CreateMigrationPlanRequest): Promise<MigrationPlan>;
    /** Changes a draft plan; 409 once it has run. */
    update(id: string, change: UpdateMigrationPlanRequest): Promise<MigrationPlan>;
    delete(id: string): Promise<void>;
    /** Per VM: the target it will get, and blockers and warnings. Changes nothing. */
    preflight(id: string): Promise<MigrationPreflight>;
    run(id: string): Promise<MigrationPlan>;
    /** Holds VMs not started; moving ones stop after their current step. */
    pause(id: string): Promise<MigrationPlan>;
    resume(id: string): Promise<MigrationPlan>;
    cancel(id: string): Promise<MigrationPlan>;
    retry(id: string, selection?: MigrationVmSelection): Promise<MigrationPlan>;
    rollback(id: string, selection?: MigrationVmSelection): Promise<MigrationPlan>;
    finalize(id: string): Promise<MigrationPlan>;
    /** A VM's step history, oldest first. */
    steps(id: string, vmId: string): Promise<MigrationStepEntry[]>;
    /** Resolves when no VM of the plan is moving; `Timeout` otherwise. */
    waitFor(id: string, options?: WaitOptions): Promise<MigrationPlan>;
  };
  readonly operations: {
    list(query?: OperationListQuery): Promise<Page<Operation>>;
    get(id: string): Promise<Operation>;
    /** Resolves when the operation is done (succeeded, failed or cancelled); `Timeout` otherwise. */
    waitFor(id: string, options?: WaitOptions): Promise<Operation>;
  };
  /**
   * Follows the event stream, calling `onEvent` for each event, until `signal` aborts
   * (resolves) or the stream ends (resolves; reconnecting is up to the caller). Errors
   * before the stream opens reject as SkyportError.
   */
  events(options: EventStreamOptions, onEvent: (event: BrokerEvent, meta: { readonly id: string }) => void, signal?: AbortSignal): Promise<void>;
  /** The caller as the broker sees it: user, tenant, role, and how it authenticated. */
  whoami(): Promise<Principal>;
  /**
   * Password login; sends no token, even if the client has one. The answer's token is a
   * session (a bearer token until `expiresAt`) in the user's first tenant: make a client
   * with it to act as the user. With `cookie`, the broker also sets the portal's session
   * cookies (HttpOnly session, readable CSRF value) for a browser page on its origin.
   */
  login(userName: string, password: string, options?: { readonly cookie?: boolean; readonly tenant?: string }): Promise<LoginResult>;
  /** Ends the password session this client's token is (revokes it on the broker). */
  logout(): Promise<void>;
  readonly tenants: {
    /** Every tenant for system administrators; the caller's own otherwise. */
    list(): Promise<Tenant[]>;
    /** By id or name. */
    get(idOrName: string): Promise<Tenant>;
    /** System administrators only. */
    create(request: CreateTenantRequest): Promise<Tenant>;
    /** Replaces the quotas: a limit left out becomes unlimited. */
    setQuotas(idOrName: string, quotas: Quotas): Promise<Tenant>;
    /** Use against the quotas of the named tenant, or of the caller's own when none is named. */
    usage(idOrName?: string): Promise<QuotaUsage>;
  };
  readonly users: {
    /** Users of the caller's tenant (all users for system administrators); admins only. */
    list(): Promise<User[]>;
    /** By id or name. */
    get(idOrName: string): Promise<User>;
    /** Memberships take tenant ids or names. */
    create(request: CreateUserRequest): Promise<User>;
    /** Your own, or (admins) another user's. */
    setPassword(idOrName: string, password: string): Promise<void>;
    /** Also revokes the user's tokens and access keys. */
    delete(idOrName: string): Promise<void>;
  };
  readonly tokens: {
    /** Your own tokens in the current tenant (all of the tenant's for admins); never the tokens themselves. */
    list(): Promise<ApiTokenView[]>;
    /** A token for yourself in the current tenant, at most your role; `token` is shown once. */
    create(request: CreateTokenRequest): Promise<CreatedToken>;
    /** Works on session tokens too (the id is `whoami().credentialId`): that is logging out. */
    revoke(id: string): Promise<void>;
  };
  readonly accessKeys: {
    list(): Promise<AccessKeyView[]>;
    /** An EC2 access key for yourself; the secret is shown once. */
    create(): Promise<CreatedAccessKey>;
    delete(accessKeyId: string): Promise<void>;
  };
  readonly audit: {
    /** Newest first; the caller's tenant (every tenant for system administrators). Admins only. */
    list(query?: AuditListQuery): Promise<Page<AuditEntry>>;
    /** Walks the whole hash chain on the broker. */
    verify(): Promise<AuditVerification>;
    /** The whole log, oldest first, as the NDJSON text the broker sends (system administrators). */
    export(): Promise<string>;
    /** The same log as records, parsed line by line as the answer arrives. */
    exportRecords(signal?: AbortSignal): AsyncGenerator<AuditRecord, void, undefined>;
  };
}

/** Any kind's list query, as `listQuery` encodes it (field names only). */
type AnyListQuery = Omit<ListQuery<Record<string, unknown>>, 'fields'> & { readonly fields?: readonly PropertyKey[] };

const TAG_PATHS: Readonly<Record<TaggableKind, string>> = {
  instance: 'instances',
  volume: 'volumes',
  snapshot: 'snapshots',
  image: 'images',
  keyPair: 'key-pairs',
  securityGroup: 'security-groups',
};

/** A client for the broker at `options.baseUrl`, authenticating with `options.token`. */
export function createClient(options: ClientOptions): SkyportClient {
  const http = new Transport(options);
  const id = (value: string) => encodeURIComponent(value);
  const idempotency = (options?: CreateOptions) =>
    options?.idempotencyKey === undefined ? {} : { headers: { 'idempotency-key': options.idempotencyKey } };

  function listQuery(query: AnyListQuery = {}, extra: Record<string, string | readonly string[] | undefined> = {}) {
    return searchParams({
      provider: query.provider,
      name: query.name,
      tag: tagParams(query.tags),
      limit: query.limit,
      cursor: query.cursor,
      fields: query.fields === undefined ? undefined : query.fields.map(String).join(','),
      includeVanished: query.includeVanished,
      sort: query.sort,
      ...extra,
    });
  }

  function inventory<T extends { id: string }>(path: string) {
    return {
      list: ((query?: AnyListQuery) => http.json('GET', `/${path}`, { query: listQuery(query) })) as ListMethod<T>,
      get: (resourceId: string) => http.json<T>('GET', `/${path}/${id(resourceId)}`),
    };
  }

  const wait = (options: WaitOptions = {}, extra: Record<string, string | undefined> = {}) => ({
    query: searchParams({ ...extra, timeout: options.timeoutSeconds }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });

  return {
    baseUrl: http.baseUrl,
    health: () => http.json('GET', '/health'),
    instanceStates: async () => (await http.json<{ items: InstanceStateInfo[] }>('GET', '/instance-states')).items,
    capabilities: async () => (await http.json<{ items: CapabilityDescription[] }>('GET', '/capabilities')).items,
    drivers: {
      list: async () => (await http.json<{ items: DriverInfo[] }>('GET', '/drivers')).items,
    },
    providers: {
      list: async () => (await http.json<{ items: ProviderView[] }>('GET', '/providers')).items,
      add: (request) => http.json('POST', '/providers', { body: request }),
      get: (idOrName) => http.json('GET', `/providers/${id(idOrName)}`),
      remove: (idOrName) => http.json('DELETE', `/providers/${id(idOrName)}`),
      test: (idOrName) => http.json('POST', `/providers/${id(idOrName)}/test`),
      sync: (idOrName) => http.json('POST', `/providers/${id(idOrName)}/sync`),
      syncStatus: (idOrName) => http.json('GET', `/providers/${id(idOrName)}/sync`),
    },
    locations: inventory<Location>('locations'),
    hardwareProfiles: inventory<HardwareProfile>('hardware-profiles'),
    images: {
      ...inventory<Image>('images'),
      create: (request, options) => http.json('POST', '/images', { body: request, ...idempotency(options) }),
      delete: (imageId) => http.json('DELETE', `/images/${id(imageId)}`),
      import: (request, ova, options) =>
        http.json('POST', '/images/import', {
          query: searchParams({ provider: request.provider, name: request.name, description: request.description, lax: request.lax, fileName: request.fileName }),
          raw: { data: ova, contentType: 'application/x-tar' },
          ...idempotency(options),
          ...(options?.signal === undefined ? {} : { signal: options.signal }),
        }),
      export: (imageId, request = {}) => http.json('POST', `/images/${id(imageId)}/export`, { body: request }),
    },
    securityGroups: {
      ...inventory<SecurityGroup>('security-groups'),
      create: (request) => http.json('POST', '/security-groups', { body: request }),
      delete: (groupId) => http.json('DELETE', `/security-groups/${id(groupId)}`),
      authorize: (groupId, direction, rules) => http.json('POST', `/security-groups/${id(groupId)}/${direction}`, { body: { rules } }),
      revoke: (groupId, direction, rules) => http.json('POST', `/security-groups/${id(groupId)}/${direction}/revoke`, { body: { rules } }),
    },
    instances: {
      list: ((query: AnyListQuery & Pick<InstanceListQuery, 'state'> = {}) => {
        const state = query.state === undefined ? undefined : ([] as InstanceState[]).concat(query.state).join(',');
        return http.json('GET', '/instances', { query: listQuery(query, { state }) });
      }) as ListMethod<Instance, InstanceListQuery>,
      get: (instanceId) => http.json('GET', `/instances/${id(instanceId)}`),
      create: (request, options) => http.json('POST', '/instances', { body: request, ...idempotency(options) }),
      start: (instanceId) => http.json('POST', `/instances/${id(instanceId)}/start`),
      stop: (instanceId, options) =>
        http.json('POST', `/instances/${id(instanceId)}/stop`, options?.force === undefined ? {} : { body: { force: options.force } }),
      reboot: (instanceId) => http.json('POST', `/instances/${id(instanceId)}/reboot`),
      destroy: (instanceId) => http.json('DELETE', `/instances/${id(instanceId)}`),
      waitFor: (instanceId, states, options) =>
        http.json('GET', `/instances/${id(instanceId)}/wait`, wait(options, { state: states?.join(',') })),
      console: (instanceId) => http.json('GET', `/instances/${id(instanceId)}/console`),
      counts: (provider) => http.json('GET', '/instances/counts', { query: searchParams({ provider }) }),
      export: (instanceId, request = {}) => http.json('POST', `/instances/${id(instanceId)}/export`, { body: request }),
    },
    exports: {
      list: async () => (await http.json<{ items: ExportSummary[] }>('GET', '/exports')).items,
      download: async (operationId, signal) => {
        const response = await http.send('GET', `/exports/${id(operationId)}`, 'application/x-tar', signal === undefined ? {} : { signal });
        if (response.body === null) throw new SkyportError('Internal', `the download of export ${operationId} has no body`);
        return {
          fileName: fileNameOf(response.headers.get('content-disposition')) ?? `${operationId}.ova`,
          sizeBytes: Number(response.headers.get('content-length') ?? 'NaN'),
          ...digestOf(response.headers.get('repr-digest')),
          body: response.body,
        };
      },
      delete: (operationId) => http.json('DELETE', `/exports/${id(operationId)}`),
    },
    keyPairs: {
      ...inventory<KeyPair>('key-pairs'),
      create: (request) => http.json('POST', '/key-pairs', { body: request }),
      delete: (keyPairId) => http.json('DELETE', `/key-pairs/${id(keyPairId)}`),
    },
    volumes: {
      ...inventory<Volume>('volumes'),
      create: (request, options) => http.json('POST', '/volumes', { body: request, ...idempotency(options) }),
      attach: (volumeId, instanceId, device) =>
        http.json('POST', `/volumes/${id(volumeId)}/attach`, { body: device === undefined ? { instanceId } : { instanceId, device } }),
      detach: (volumeId) => http.json('POST', `/volumes/${id(volumeId)}/detach`),
      delete: (volumeId) => http.json('DELETE', `/volumes/${id(volumeId)}`),
    },
    snapshots: {
      ...inventory<Snapshot>('snapshots'),
      create: (request, options) => http.json('POST', '/snapshots', { body: request, ...idempotency(options) }),
      delete: (snapshotId) => http.json('DELETE', `/snapshots/${id(snapshotId)}`),
    },
    tags: {
      update: async (kind, resourceId, change) =>
        (await http.json<{ tags: Tags }>('PATCH', `/${TAG_PATHS[kind]}/${id(resourceId)}/tags`, { body: change })).tags,
    },
    migrations: {
      list: async () => (await http.json<{ items: MigrationPlan[] }>('GET', '/migrations')).items,
      get: (planId) => http.json('GET', `/migrations/${id(planId)}`),
      create: (request) => http.json('POST', '/migrations', { body: request }),
      update: (planId, change) => http.json('PATCH', `/migrations/${id(planId)}`, { body: change }),
      delete: (planId) => http.json('DELETE', `/migrations/${id(planId)}`),
      preflight: (planId) => http.json('GET', `/migrations/${id(planId)}/preflight`),
      run: (planId) => http.json('POST', `/migrations/${id(planId)}/run`),
      pause: (planId) => http.json('POST', `/migrations/${id(planId)}/pause`),
      resume: (planId) => http.json('POST', `/migrations/${id(planId)}/resume`),
      cancel: (planId) => http.json('POST', `/migrations/${id(planId)}/cancel`),
      retry: (planId, selection) => http.json('POST', `/migrations/${id(planId)}/retry`, selection === undefined ? {} : { body: selection }),
      rollback: (planId, selection) => http.json('POST', `/migrations/${id(planId)}/rollback`, selection === undefined ? {} : { body: selection }),
      finalize: (planId) => http.json('POST', `/migrations/${id(planId)}/finalize`),
      steps: async (planId, vmId) => (await http.json<{ items: MigrationStepEntry[] }>('GET', `/migrations/${id(planId)}/vms/${id(vmId)}/steps`)).items,
      waitFor: (planId, options) => http.json('GET', `/migrations/${id(planId)}/wait`, wait(options)),
    },
    operations: {
      list: (query = {}) =>
        http.json('GET', '/operations', {
          query: searchParams({
            status: query.status === undefined ? undefined : ([] as string[]).concat(query.status).join(','),
            provider: query.provider,
            target: query.target,
            limit: query.limit,
            cursor: query.cursor,
          }),
        }),
      get: (operationId) => http.json('GET', `/operations/${id(operationId)}`),
      waitFor: (operationId, options) => http.json('GET', `/operations/${id(operationId)}/wait`, wait(options)),
    },
    events: async (options, onEvent, signal) => {
      const query = searchParams({ types: options.types === undefined ? undefined : options.types.join(','), provider: options.provider });
      const response = await http.send('GET', '/events', 'text/event-stream', { query, ...(signal === undefined ? {} : { signal }) });
      options.onOpen?.();
      if (response.body === null) return;
      try {
        await readEventStream(response.body, (message) => onEvent(JSON.parse(message.data) as BrokerEvent, { id: message.id }));
      } catch (error) {
        if (signal?.aborted === true) return;
        throw error;
      }
    },
    whoami: () => http.json('GET', '/whoami'),
    login: (userName, password, options) =>
      http.json('POST', '/sessions', {
        body: { userName, password, ...(options?.cookie === true ? { cookie: true } : {}), ...(options?.tenant === undefined ? {} : { tenant: options.tenant }) },
        anonymous: true,
      }),
    logout: async () => {
      await http.json('DELETE', '/sessions/current');
    },
    tenants: {
      list: async () => (await http.json<{ items: Tenant[] }>('GET', '/tenants')).items,
      get: (idOrName) => http.json('GET', `/tenants/${id(idOrName)}`),
      create: (request) => http.json('POST', '/tenants', { body: request }),
      setQuotas: (idOrName, quotas) => http.json('PUT', `/tenants/${id(idOrName)}/quotas`, { body: quotas }),
      usage: async (idOrName) => {
        // The API has usage per named tenant only; "mine" is the tenant the caller acts in.
        const tenant = idOrName ?? (await http.json<Principal>('GET', '/whoami')).tenantId;
        return http.json('GET', `/tenants/${id(tenant)}/usage`);
      },
    },
    users: {
      list: async () => (await http.json<{ items: User[] }>('GET', '/users')).items,
      get: (idOrName) => http.json('GET', `/users/${id(idOrName)}`),
      create: (request) => http.json('POST', '/users', { body: request }),
      setPassword: (idOrName, password) => http.json('PUT', `/users/${id(idOrName)}/password`, { body: { password } }),
      delete: (idOrName) => http.json('DELETE', `/users/${id(idOrName)}`),
    },
    tokens: {
      list: async () => (await http.json<{ items: ApiTokenView[] }>('GET', '/tokens')).items,
      create: (request) => http.json('POST', '/tokens', { body: request }),
      revoke: (tokenId) => http.json('DELETE', `/tokens/${id(tokenId)}`),
    },
    accessKeys: {
      list: async () => (await http.json<{ items: AccessKeyView[] }>('GET', '/access-keys')).items,
      create: () => http.json('POST', '/access-keys'),
      delete: (accessKeyId) => http.json('DELETE', `/access-keys/${id(accessKeyId)}`),
    },
    audit: {
      list: (query = {}) => http.json('GET', '/audit', { query: searchParams({ limit: query.limit, cursor: query.cursor }) }),
      verify: () => http.json('GET', '/audit/verify'),
      export: async () => (await http.send('GET', '/audit/export', 'application/x-ndjson')).text(),
      exportRecords: async function* (signal) {
        const response = await http.send('GET', '/audit/export', 'application/x-ndjson', signal === undefined ? {} : { signal });
        if (response.body === null) return;
        yield* readJsonLines<AuditRecord>(response.body);
      },
    },
  };
}

/** `attachment; filename="web-1.ova"` → `web-1.ova` (only a plain name: never a path). */
function fileNameOf(disposition: string | null): string | undefined {
  const name = /filename="([^"]+)"/.exec(disposition ?? '')?.[1];
  return name === undefined ? undefined : name.replace(/^.*[\\/]/, '');
}

/** `sha-256=:<base64>:` → `{ sha256: <hex> }`. */
function digestOf(header: string | null): { sha256?: string } {
  const base64 = /sha-256=:([A-Za-z0-9+/=]+):/.exec(header ?? '')?.[1];
  if (base64 === undefined) return {};
  const bytes = atob(base64);
  return { sha256: Array.from(bytes, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('') };
}
