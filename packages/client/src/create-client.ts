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
  Operation,
  Snapshot,
  TaggableKind,
  Tags,
  Volume,
} from '@skyport/model';
import { Transport, type TransportOptions } from './http.js';
import { searchParams, tagParams } from './query.js';
import { readEventStream } from './sse.js';
import type {
  AddProviderRequest,
  CreateInstanceRequest,
  CreateKeyPairRequest,
  CreateOptions,
  CreateSnapshotRequest,
  CreateVolumeRequest,
  CreatedKeyPairView,
  DriverInfo,
  EventStreamOptions,
  Health,
  InstanceListQuery,
  ListQuery,
  OperationListQuery,
  Page,
  ProviderTestResult,
  ProviderView,
  SyncStatus,
  TagChange,
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
  readonly images: { list: ListMethod<Image>; get(id: string): Promise<Image> };
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
}

/** Any kind's list query, as `listQuery` encodes it (field names only). */
type AnyListQuery = Omit<ListQuery<Record<string, unknown>>, 'fields'> & { readonly fields?: readonly PropertyKey[] };

const TAG_PATHS: Readonly<Record<TaggableKind, string>> = {
  instance: 'instances',
  volume: 'volumes',
  snapshot: 'snapshots',
  image: 'images',
  keyPair: 'key-pairs',
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
    images: inventory<Image>('images'),
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
      if (response.body === null) return;
      try {
        await readEventStream(response.body, (message) => onEvent(JSON.parse(message.data) as BrokerEvent, { id: message.id }));
      } catch (error) {
        if (signal?.aborted === true) return;
        throw error;
      }
    },
  };
}
