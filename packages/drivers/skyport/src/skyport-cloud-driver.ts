/**
 * Another Skyport broker as a cloud. Every call goes through the remote's REST API with the
 * typed client (the same wire code the CLI and portal use); records are the remote's inventory
 * records with the remote broker's ids as native ids. Long actions answer 202 + operation
 * there: creates return once the remote has the new resource's record (so the caller sees it
 * `pending`), other actions once the remote operation has finished.
 */
import {
  SkyportError,
  isOperationDone,
  type Operation,
  type SecurityGroupRule,
  type TaggableKind,
  type Tags,
} from '@skyport/model';
import type {
  CloudDriver,
  CreatedKeyPair,
  DriverConfig,
  DriverCreateInstanceRequest,
  DriverCreateSecurityGroupRequest,
  DriverCreateSnapshotRequest,
  DriverCreateVolumeRequest,
  DriverImportImageRequest,
  ExportedDisk,
  NativeHardwareProfile,
  NativeImage,
  NativeInstance,
  NativeKeyPair,
  NativeLocation,
  NativeSecurityGroup,
  NativeSnapshot,
  NativeVolume,
} from '@skyport/core';
import { createClient, paginate, type ListQuery, type Page, type SkyportClient } from '@skyport/client';
import { operationError, remoteError } from './remote-errors.js';
import { parseEndpoint, type SkyportSettings } from './skyport-settings.js';
import { exportRemoteDisk, importDiskAsOva } from './remote-disks.js';
import { tagKeyToRemote, tagsFromRemote, tagsToRemote } from './reserved-tags.js';
import { SKYPORT_CAPABILITIES } from './skyport-capabilities.js';




/** The remote's `id` becomes the native id; its provider id and references stay as they are. */
function native<T extends { id: string; providerId: string }>(record: T): Omit<T, 'id' | 'providerId'> & { nativeId: string } {
  const { id, providerId: _remoteProvider, ...rest } = record;
  const tags = (rest as { tags?: Tags }).tags;
  return { ...rest, ...(tags === undefined ? {} : { tags: tagsFromRemote(tags) }), nativeId: id };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const LIST_PAGE = 1000;

export class SkyportCloudDriver implements CloudDriver {
  readonly #endpoint: string;
  readonly #client: SkyportClient;
  readonly #settings: SkyportSettings;
  readonly #dataDir: string;
  #providerId: Promise<string> | undefined;

  constructor(config: DriverConfig, settings: SkyportSettings, fetchImpl?: typeof globalThis.fetch) {
    this.#endpoint = parseEndpoint(config.endpoint);
    const token = config.credentials['token'];
    if (token === undefined || token === '') {
      throw new SkyportError('InvalidArgument', 'credentials.token must be an API token of the remote broker (operator role, to change things there)', { details: { field: 'credentials.token' } });
    }
    this.#client = createClient({ baseUrl: this.#endpoint, token, ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }) });
    this.#settings = settings;
    this.#dataDir = config.dataDir;
  }

  /** Runs one remote call, translating its failure at this edge. */
  async #remote<T>(what: string, fn: (client: SkyportClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#client);
    } catch (error) {
      throw remoteError(this.#endpoint, what, error);
    }
  }

  /** The remote provider's id, resolved once from its name (ids are what lists and creates take). */
  #remoteProviderId(): Promise<string> {
    this.#providerId ??= this.#remote(`looking up provider ${this.#settings.remoteProvider}`, (c) => c.providers.get(this.#settings.remoteProvider))
      .then((p) => p.id)
      .catch((error: unknown) => {
        this.#providerId = undefined;
        if (error instanceof SkyportError && error.code === 'NotFound') {
          throw new SkyportError('InvalidArgument', `remote broker ${this.#endpoint} has no provider "${this.#settings.remoteProvider}" visible to this token; set settings.remoteProvider to one of its providers`, {
            details: { field: 'settings.remoteProvider' },
            ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
            providerCode: 'NotFound',
          });
        }
        throw error;
      });
    return this.#providerId;
  }

  async #list<T extends { id: string; providerId: string }>(what: string, list: (client: SkyportClient) => (query?: ListQuery<T>) => Promise<Page<T>>): Promise<T[]> {
    const provider = await this.#remoteProviderId();
    return this.#remote(`listing ${what}`, async (client) => {
      const items: T[] = [];
      for await (const item of paginate(list(client), { provider: [provider], limit: LIST_PAGE } as ListQuery<T>)) items.push(item);
      return items;
    });
  }

  /** Undefined when the remote answers NotFound. */
  async #getOrUndefined<T>(what: string, fn: (client: SkyportClient) => Promise<T>): Promise<T | undefined> {
    try {
      return await this.#remote(what, fn);
    } catch (error) {
      if (error instanceof SkyportError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  /** Follows a remote operation to its end (long-polling `/wait`); a failed one throws its error. */
  async #finish(started: Operation, what: string): Promise<Operation> {
    const deadline = Date.now() + this.#settings.operationTimeoutMs;
    let operation = started;
    while (!isOperationDone(operation.status)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new SkyportError('Timeout', `remote broker ${this.#endpoint}: ${what} (operation ${operation.id}) did not finish within ${Math.round(this.#settings.operationTimeoutMs / 1000)} s; it may still finish there`, {
          details: { endpoint: this.#endpoint, operationId: operation.id },
        });
      }
      const id = operation.id;
      try {
        operation = await this.#client.operations.waitFor(id, { timeoutSeconds: Math.max(1, Math.min(30, Math.ceil(left / 1000))) });
      } catch (error) {
        // The remote's wait ran out (504 Timeout): look again.
        if (error instanceof SkyportError && error.code === 'Timeout') continue;
        throw remoteError(this.#endpoint, `waiting for ${what}`, error);
      }
    }
    if (operation.status !== 'succeeded') throw operationError(this.#endpoint, operation.id, operation.error, operation.status);
    return operation;
  }

  /**
   * For creates: waits until the remote's inventory holds the new resource (its operation
   * names it from the start), or the operation fails first.
   */
  async #created<T>(started: Operation, what: string, read: (id: string) => Promise<T | undefined>): Promise<T> {
    const id = started.targetId;
    if (id === undefined) throw new SkyportError('ProviderError', `remote broker ${this.#endpoint}: the ${what} operation ${started.id} names no target`, { details: { operationId: started.id } });
    const deadline = Date.now() + this.#settings.operationTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const found = await read(id);
      if (found !== undefined) return found;
      const operation = await this.#remote(`reading operation ${started.id}`, (c) => c.operations.get(started.id));
      if (isOperationDone(operation.status)) {
        if (operation.status !== 'succeeded') throw operationError(this.#endpoint, operation.id, operation.error, operation.status);
        const after = await read(id);
        if (after !== undefined) return after;
        throw new SkyportError('ProviderError', `remote broker ${this.#endpoint}: the ${what} operation ${operation.id} succeeded but ${id} is not in its inventory`, { details: { operationId: operation.id } });
      }
      if (Date.now() > deadline) throw new SkyportError('Timeout', `remote broker ${this.#endpoint}: ${what} ${id} did not appear within ${Math.round(this.#settings.operationTimeoutMs / 1000)} s`);
      await sleep(Math.min(this.#settings.pollMs, 25 * 2 ** attempt));
    }
  }

  async testConnection(): Promise<void> {
    this.#providerId = undefined;
    const id = await this.#remoteProviderId();
    const provider = await this.#remote(`reading provider ${this.#settings.remoteProvider}`, (c) => c.providers.get(id));
    if (provider.status === 'unavailable') {
      throw new SkyportError('ProviderUnavailable', `remote broker ${this.#endpoint}: its provider ${provider.name} is unavailable${provider.statusReason === undefined ? '' : `: ${provider.statusReason}`}`, {
        providerCode: 'ProviderUnavailable',
        details: { endpoint: this.#endpoint, remoteProvider: provider.name },
      });
    }
  }

  async listLocations(): Promise<NativeLocation[]> {
    return (await this.#list('locations', (c) => c.locations.list)).map((l) => native(l));
  }

  async listHardwareProfiles(): Promise<NativeHardwareProfile[]> {
    return (await this.#list('hardware profiles', (c) => c.hardwareProfiles.list)).map((p) => native(p));
  }

  async listImages(): Promise<NativeImage[]> {
    return (await this.#list('images', (c) => c.images.list)).map((i) => native(i));
  }

  async listInstances(): Promise<NativeInstance[]> {
    return (await this.#list('instances', (c) => c.instances.list)).map((i) => native(i));
  }

  async getInstance(nativeId: string): Promise<NativeInstance | undefined> {
    const instance = await this.#getOrUndefined(`reading instance ${nativeId}`, (c) => c.instances.get(nativeId));
    if (instance === undefined || instance.providerId !== (await this.#remoteProviderId())) return undefined;
    return native(instance);
  }

  async createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    const providerId = await this.#remoteProviderId();
    const started = await this.#remote(`creating instance ${request.name}`, (c) =>
      c.instances.create({
        providerId,
        name: request.name,
        imageId: request.imageId,
        hardwareProfileId: request.hardwareProfileId,
        cpus: request.cpus,
        memoryMiB: request.memoryMiB,
        diskGiB: request.diskGiB,
        ...(request.locationId === undefined ? {} : { locationId: request.locationId }),
        ...(request.keyName === undefined ? {} : { keyName: request.keyName }),
        ...(request.userData === undefined ? {} : { userData: request.userData }),
        ...(request.securityGroupIds === undefined ? {} : { securityGroupIds: request.securityGroupIds }),
        ...(request.tags === undefined ? {} : { tags: tagsToRemote(request.tags) }),
      }),
    );
    return this.#created(started, 'instance', (id) => this.getInstance(id));
  }

  async #instanceAction(action: 'start' | 'stop' | 'reboot' | 'destroy', nativeId: string, force?: boolean): Promise<void> {
    const what = `${action} of instance ${nativeId}`;
    const started = await this.#remote(what, (c) => {
      switch (action) {
        case 'start':
          return c.instances.start(nativeId);
        case 'stop':
          return c.instances.stop(nativeId, force === undefined ? undefined : { force });
        case 'reboot':
          return c.instances.reboot(nativeId);
        case 'destroy':
          return c.instances.destroy(nativeId);
      }
    });
    await this.#finish(started, what);
  }

  startInstance(nativeId: string): Promise<void> {
    return this.#instanceAction('start', nativeId);
  }

  stopInstance(nativeId: string, options?: { readonly force?: boolean }): Promise<void> {
    return this.#instanceAction('stop', nativeId, options?.force);
  }

  rebootInstance(nativeId: string): Promise<void> {
    return this.#instanceAction('reboot', nativeId);
  }

  destroyInstance(nativeId: string): Promise<void> {
    return this.#instanceAction('destroy', nativeId);
  }

  async getConsoleOutput(nativeId: string): Promise<string> {
    return (await this.#remote(`reading the console of instance ${nativeId}`, (c) => c.instances.console(nativeId))).output;
  }

  async listKeyPairs(): Promise<NativeKeyPair[]> {
    return (await this.#list('key pairs', (c) => c.keyPairs.list)).map((k) => native(k));
  }

  async createKeyPair(name: string): Promise<CreatedKeyPair> {
    const providerId = await this.#remoteProviderId();
    const created = await this.#remote(`creating key pair ${name}`, (c) => c.keyPairs.create({ providerId, name }));
    if (created.privateKey === undefined) throw new SkyportError('ProviderError', `remote broker ${this.#endpoint} created key pair ${name} without handing out its private key`);
    return { keyPair: native(created.keyPair), privateKey: created.privateKey };
  }

  async importKeyPair(name: string, publicKey: string): Promise<NativeKeyPair> {
    const providerId = await this.#remoteProviderId();
    return native((await this.#remote(`importing key pair ${name}`, (c) => c.keyPairs.create({ providerId, name, publicKey }))).keyPair);
  }

  async deleteKeyPair(nativeId: string): Promise<void> {
    await this.#remote(`deleting key pair ${nativeId}`, (c) => c.keyPairs.delete(nativeId));
  }

  async listVolumes(): Promise<NativeVolume[]> {
    return (await this.#list('volumes', (c) => c.volumes.list)).map((v) => native(v));
  }

  async #volume(nativeId: string): Promise<NativeVolume | undefined> {
    const volume = await this.#getOrUndefined(`reading volume ${nativeId}`, (c) => c.volumes.get(nativeId));
    return volume === undefined ? undefined : native(volume);
  }

  async createVolume(request: DriverCreateVolumeRequest): Promise<NativeVolume> {
    const providerId = await this.#remoteProviderId();
    const started = await this.#remote(`creating volume ${request.name}`, (c) =>
      c.volumes.create({
        providerId,
        name: request.name,
        sizeGiB: request.sizeGiB,
        ...(request.locationId === undefined ? {} : { locationId: request.locationId }),
        ...(request.snapshotId === undefined ? {} : { snapshotId: request.snapshotId }),
        ...(request.tags === undefined ? {} : { tags: tagsToRemote(request.tags) }),
      }),
    );
    return this.#created(started, 'volume', (id) => this.#volume(id));
  }

  async attachVolume(volumeId: string, instanceId: string, device?: string): Promise<void> {
    const what = `attaching volume ${volumeId} to instance ${instanceId}`;
    await this.#finish(await this.#remote(what, (c) => c.volumes.attach(volumeId, instanceId, device)), what);
  }

  async detachVolume(volumeId: string): Promise<void> {
    const what = `detaching volume ${volumeId}`;
    await this.#finish(await this.#remote(what, (c) => c.volumes.detach(volumeId)), what);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    const what = `deleting volume ${volumeId}`;
    await this.#finish(await this.#remote(what, (c) => c.volumes.delete(volumeId)), what);
  }

  async listSnapshots(): Promise<NativeSnapshot[]> {
    return (await this.#list('snapshots', (c) => c.snapshots.list)).map((s) => native(s));
  }

  async createSnapshot(request: DriverCreateSnapshotRequest): Promise<NativeSnapshot> {
    const started = await this.#remote(`creating snapshot ${request.name}`, (c) =>
      c.snapshots.create({ volumeId: request.volumeId, name: request.name, ...(request.tags === undefined ? {} : { tags: tagsToRemote(request.tags) }) }),
    );
    return this.#created(started, 'snapshot', async (id) => {
      const snapshot = await this.#getOrUndefined(`reading snapshot ${id}`, (c) => c.snapshots.get(id));
      return snapshot === undefined ? undefined : native(snapshot);
    });
  }

  async deleteSnapshot(nativeId: string): Promise<void> {
    const what = `deleting snapshot ${nativeId}`;
    await this.#finish(await this.#remote(what, (c) => c.snapshots.delete(nativeId)), what);
  }

  async listSecurityGroups(): Promise<NativeSecurityGroup[]> {
    return (await this.#list('security groups', (c) => c.securityGroups.list)).map((g) => native(g));
  }

  async createSecurityGroup(request: DriverCreateSecurityGroupRequest): Promise<NativeSecurityGroup> {
    const providerId = await this.#remoteProviderId();
    return native(
      await this.#remote(`creating security group ${request.name}`, (c) =>
        c.securityGroups.create({ providerId, name: request.name, description: request.description, ...(request.tags === undefined ? {} : { tags: tagsToRemote(request.tags) }) }),
      ),
    );
  }

  async deleteSecurityGroup(nativeId: string): Promise<void> {
    await this.#remote(`deleting security group ${nativeId}`, (c) => c.securityGroups.delete(nativeId));
  }

  async authorizeSecurityGroup(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void> {
    await this.#remote(`authorizing ${direction} rules of security group ${nativeId}`, (c) => c.securityGroups.authorize(nativeId, direction, rules));
  }

  async revokeSecurityGroup(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void> {
    await this.#remote(`revoking ${direction} rules of security group ${nativeId}`, (c) => c.securityGroups.revoke(nativeId, direction, rules));
  }

  async #image(nativeId: string): Promise<NativeImage | undefined> {
    const image = await this.#getOrUndefined(`reading image ${nativeId}`, (c) => c.images.get(nativeId));
    return image === undefined ? undefined : native(image);
  }

  async createImageFromInstance(instanceNativeId: string, name: string, options: { readonly description?: string; readonly tags?: Tags } = {}): Promise<NativeImage> {
    const started = await this.#remote(`creating image ${name}`, (c) =>
      c.images.create({
        instanceId: instanceNativeId,
        name,
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.tags === undefined ? {} : { tags: tagsToRemote(options.tags) }),
      }),
    );
    return this.#created(started, 'image', (id) => this.#image(id));
  }

  async deleteImage(nativeId: string): Promise<void> {
    const what = `deleting image ${nativeId}`;
    await this.#finish(await this.#remote(what, (c) => c.images.delete(nativeId)), what);
  }

  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    const provider = await this.#remoteProviderId();
    const id = await importDiskAsOva({
      request,
      dataDir: this.#dataDir,
      upload: (ova, size, onSent) =>
        this.#remote(`importing image ${request.name}`, (c) =>
          c.images.import({ provider, name: request.name, ...(request.description === undefined ? {} : { description: request.description }), fileName: `${request.name}.ova` }, countBytes(ova, size, onSent), {
            ...(request.signal === undefined ? {} : { signal: request.signal }),
          }),
        ),
      finish: async (started) => {
        const done = await this.#finish(started, `import of image ${request.name}`);
        if (done.targetId === undefined) throw new SkyportError('ProviderError', `remote broker ${this.#endpoint}: import operation ${done.id} names no image`);
        return done.targetId;
      },
    });
    if (request.tags !== undefined && Object.keys(request.tags).length > 0) await this.updateTags('image', id, { set: request.tags });
    const image = await this.#image(id);
    if (image === undefined) throw new SkyportError('ProviderError', `remote broker ${this.#endpoint}: imported image ${id} is not in its inventory`);
    return image;
  }

  async exportDisk(kind: 'image' | 'instance', nativeId: string, options: { readonly signal?: AbortSignal } = {}): Promise<ExportedDisk> {
    const what = `export of ${kind} ${nativeId}`;
    const started = await this.#remote(what, (c) => (kind === 'image' ? c.images.export(nativeId) : c.instances.export(nativeId)));
    const done = await this.#finish(started, what);
    try {
      return await exportRemoteDisk({
        dataDir: this.#dataDir,
        name: `${kind}-${nativeId}`,
        download: () => this.#remote(`downloading export ${done.id}`, (c) => c.exports.download(done.id, options.signal)),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } finally {
      // The local copy is ours now; the remote's is not needed any more.
      await this.#client.exports.delete(done.id).catch(() => undefined);
    }
  }

  async updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void> {
    const kinds = SKYPORT_CAPABILITIES.tags?.kinds ?? [];
    if (!kinds.includes(kind)) {
      throw new SkyportError('Unsupported', `the skyport driver does not tag ${kind} resources; it tags: ${kinds.join(', ')}`, { details: { kind, allowed: kinds } });
    }
    const remote = {
      ...(change.set === undefined ? {} : { set: tagsToRemote(change.set) }),
      ...(change.remove === undefined ? {} : { remove: change.remove.map(tagKeyToRemote) }),
    };
    await this.#remote(`tagging ${kind} ${nativeId}`, (c) => c.tags.update(kind, nativeId, remote));
  }

  async close(): Promise<void> {
    // Nothing is held open: every call is one fetch.
  }
}

/** Counts the bytes of a stream as they are read (the upload's progress). */
function countBytes(stream: ReadableStream<Uint8Array>, size: number, onSent: (sent: number, total: number) => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sent += chunk.byteLength;
        onSent(sent, size);
        controller.enqueue(chunk);
      },
    }),
  );
}


