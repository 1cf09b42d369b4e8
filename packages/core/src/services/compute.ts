import {
  SkyportError,
  allowsAction,
  isInstanceState,
  newId,
  resolveHardware,
  statesAllowing,
  type HardwareProfile,
  type Instance,
  type InstanceAction,
  type InstanceState,
  type KeyPair,
  type Snapshot,
  type TaggableKind,
  type Tags,
  type Volume,
} from '@skyport/model';
import type { Broker, CreateInstanceRequest, CreateKeyPairRequest, CreateOptions, CreateSnapshotRequest, CreateVolumeRequest, TagChange } from '../broker.js';
import type { BrokerContext } from '../context.js';
import type { InstanceActionInput, InstanceCreateInput, SnapshotCreateInput, VolumeActionInput, VolumeCreateInput } from '../operations/handlers.js';
import type { ResourceRecord } from '../ports/index.js';
import type { Connection } from '../provider-connections.js';
import { freshInstance } from './fresh-instance.js';
import { idempotent } from './idempotent.js';
import { listKind, recordByIdOrName, recordOf, referencedRecord } from './queries.js';
import { requireName, requireTags, unsupported } from './validation.js';
import { enforceQuota } from './quotas.js';

const MAX_USER_DATA_BYTES = 16 * 1024;
/** EC2 allows five groups per network interface; more is almost always a mistake. */
const MAX_SECURITY_GROUPS = 5;

/** The groups an instance is created in: each must exist in the instance's provider, once. */
async function securityGroupRecords(ctx: BrokerContext, conn: Connection, ids: readonly string[]): Promise<ResourceRecord[]> {
  if (!conn.factory.capabilities.securityGroups) throw unsupported(conn.record.name, 'security groups');
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_SECURITY_GROUPS) {
    throw new SkyportError('InvalidArgument', `securityGroupIds: give 1 to ${MAX_SECURITY_GROUPS} security group ids, or leave the field out for the provider's default group`, {
      details: { field: 'securityGroupIds', min: 1, max: MAX_SECURITY_GROUPS },
    });
  }
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw new SkyportError('InvalidArgument', `securityGroupIds: ${duplicate} is listed twice`, { details: { field: 'securityGroupIds', id: duplicate } });
  return Promise.all(ids.map((id, i) => referencedRecord(ctx, 'securityGroup', id, conn.record.id, `securityGroupIds[${i}]`)));
}

export function instanceService(ctx: BrokerContext, hurry: (providerId: string) => void): Omit<Broker['instances'], 'export'> {
  return {
    list: (query) => listKind<Instance>(ctx, 'instance', query),
    get: async (id) => (await recordOf(ctx, 'instance', id)).data as unknown as Instance,

    async create(request: CreateInstanceRequest, options?: CreateOptions) {
      const conn = await ctx.connections.get(request.providerId);
      const { record: provider, factory } = conn;
      const caps = factory.capabilities.instances;
      requireName('name', request.name);
      requireTags('tags', request.tags);
      const image = await referencedRecord(ctx, 'image', request.imageId, provider.id, 'imageId');
      if (image.state !== 'available') throw new SkyportError('InvalidState', `imageId: image ${request.imageId} is ${image.state}, not available`, { details: { field: 'imageId', state: image.state } });
      const profileRecord = await recordByIdOrName(ctx, 'hardwareProfile', request.hardwareProfileId, provider.id, 'hardwareProfileId');
      const overrides = { cpus: request.cpus, memoryMiB: request.memoryMiB, diskGiB: request.diskGiB };
      const hasOverrides = Object.values(overrides).some((v) => v !== undefined);
      if (hasOverrides && !caps.profileOverrides) throw unsupported(provider.name, 'hardware profile overrides (cpus, memoryMiB, diskGiB)');
      const hardware = resolveHardware(profileRecord.data as unknown as HardwareProfile, {
        ...(request.cpus === undefined ? {} : { cpus: request.cpus }),
        ...(request.memoryMiB === undefined ? {} : { memoryMiB: request.memoryMiB }),
        ...(request.diskGiB === undefined ? {} : { diskGiB: request.diskGiB }),
      });
      const location = request.locationId === undefined ? undefined : await referencedRecord(ctx, 'location', request.locationId, provider.id, 'locationId');
      if (request.keyName !== undefined) {
        if (!caps.keyPair) throw unsupported(provider.name, 'key pairs on instances');
        const keys = await ctx.store.resources.list({ kind: 'keyPair', providerIds: [provider.id], name: request.keyName.replace(/\*/g, ''), limit: 1 });
        if (keys.items.length === 0) throw new SkyportError('NotFound', `keyName: no key pair named "${request.keyName}" in provider ${provider.name}; create or import it first`, { details: { field: 'keyName' } });
      }
      const groups = request.securityGroupIds === undefined ? undefined : await securityGroupRecords(ctx, conn, request.securityGroupIds);
      if (request.userData !== undefined) {
        if (!caps.userData) throw unsupported(provider.name, 'user-data');
        if (Buffer.byteLength(request.userData) > MAX_USER_DATA_BYTES) {
          throw new SkyportError('InvalidArgument', `userData is ${Buffer.byteLength(request.userData)} bytes; at most ${MAX_USER_DATA_BYTES} are allowed`, { details: { field: 'userData', max: MAX_USER_DATA_BYTES } });
        }
      }
      return idempotent(ctx, `instance.create`, options, request, async () => {
        const input: InstanceCreateInput = {
          request: {
            name: request.name,
            imageId: image.nativeId,
            hardwareProfileId: profileRecord.nativeId,
            ...hardware,
            ...(location === undefined ? {} : { locationId: location.nativeId }),
            ...(request.keyName === undefined ? {} : { keyName: request.keyName }),
            ...(request.userData === undefined ? {} : { userData: request.userData }),
            ...(groups === undefined ? {} : { securityGroupIds: groups.map((g) => g.nativeId) }),
            ...(request.tags === undefined ? {} : { tags: request.tags }),
          },
        };
        hurry(provider.id);
        return { type: 'instance.create', providerId: provider.id, targetKind: 'instance', targetId: newId('instance'), input: { ...input }, message: `queued: create ${request.name} on ${provider.name}` };
      }, () => (ctx.scope ? enforceQuota(ctx, ctx.scope.tenantId, { instances: 1, vcpus: hardware.cpus, memoryMiB: hardware.memoryMiB }) : Promise.resolve()));
    },

    async act(id: string, action: InstanceAction, options?: { readonly force?: boolean }) {
      const record = await recordOf(ctx, 'instance', id);
      const { record: provider, factory } = await ctx.connections.get(record.providerId);
      if ((action === 'start' || action === 'stop') && !factory.capabilities.instances.stopStart) throw unsupported(provider.name, 'stopping and starting instances');
      if (action === 'reboot' && !factory.capabilities.instances.reboot) throw unsupported(provider.name, 'rebooting instances');
      // Decide on the provider's current state, not a possibly stale cache.
      const current = await freshInstance(ctx, record);
      if (!allowsAction(current.state, action)) {
        const allowed = statesAllowing(action);
        throw new SkyportError('InvalidState', `cannot ${action} instance ${id}: it is ${current.state}; ${action} needs it to be ${allowed.join(' or ') || 'in no state (final)'}`, {
          details: { currentState: current.state, allowedStates: allowed, action },
        });
      }
      const input: InstanceActionInput = { nativeId: record.nativeId, ...(options?.force === undefined ? {} : { force: options.force }) };
      hurry(provider.id);
      return ctx.operations.enqueue({ type: `instance.${action}`, providerId: provider.id, targetKind: 'instance', targetId: id, input: { ...input }, message: `queued: ${action} ${record.name}` });
    },

    async waitFor(id: string, states: readonly InstanceState[], timeoutMs: number) {
      for (const s of states) {
        if (!isInstanceState(s)) throw new SkyportError('InvalidArgument', `state "${String(s)}" is not an instance state`, { details: { field: 'state', value: s } });
      }
      const record = await recordOf(ctx, 'instance', id);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = await freshInstance(ctx, record);
        if (states.includes(current.state)) return current;
        if (Date.now() >= deadline) {
          throw new SkyportError('Timeout', `instance ${id} is still ${current.state} after ${Math.round(timeoutMs / 1000)} s; waited for ${states.join(' or ')}`, {
            details: { currentState: current.state, wantedStates: states },
          });
        }
        await ctx.clock.sleep(Math.min(ctx.tuning.operationPollMs, Math.max(0, deadline - Date.now())));
      }
    },

    async consoleOutput(id) {
      const record = await recordOf(ctx, 'instance', id);
      const { record: provider, factory, driver } = await ctx.connections.get(record.providerId);
      if (!factory.capabilities.instances.console || !driver.getConsoleOutput) throw unsupported(provider.name, 'console output');
      return { output: await driver.getConsoleOutput(record.nativeId), timestamp: ctx.clock.now().toISOString() };
    },

    async countByState(providerId) {
      const id = providerId === undefined ? undefined : (await ctx.connections.record(providerId)).id;
      return ctx.store.resources.countByState('instance', id);
    },
  };
}

export function keyPairService(ctx: BrokerContext): Broker['keyPairs'] {
  return {
    list: (query) => listKind<KeyPair>(ctx, 'keyPair', query),
    get: async (id) => (await recordOf(ctx, 'keyPair', id)).data as unknown as KeyPair,
    async create(request: CreateKeyPairRequest) {
      const { record: provider, factory, driver } = await ctx.connections.get(request.providerId);
      requireName('name', request.name);
      const caps = factory.capabilities.keyPairs;
      if (request.publicKey !== undefined ? !caps?.import : !caps?.create) throw unsupported(provider.name, request.publicKey !== undefined ? 'importing key pairs' : 'creating key pairs');
      const existing = await ctx.store.resources.list({ kind: 'keyPair', providerIds: [provider.id], name: request.name, limit: 1 });
      if (existing.items.length > 0) throw new SkyportError('AlreadyExists', `a key pair named "${request.name}" already exists in provider ${provider.name}`, { details: { field: 'name' } });
      if (request.publicKey !== undefined) {
        const native = await driver.importKeyPair(request.name, request.publicKey);
        return { keyPair: (await ctx.inventory.put(provider.id, 'keyPair', native)).data as unknown as KeyPair };
      }
      const created = await driver.createKeyPair(request.name);
      const record = await ctx.inventory.put(provider.id, 'keyPair', created.keyPair);
      return { keyPair: record.data as unknown as KeyPair, privateKey: created.privateKey };
    },
    async delete(id) {
      const record = await recordOf(ctx, 'keyPair', id);
      const { driver } = await ctx.connections.get(record.providerId);
      await driver.deleteKeyPair(record.nativeId);
      await ctx.inventory.remove(record);
    },
  };
}

export function volumeService(ctx: BrokerContext, hurry: (providerId: string) => void): Broker['volumes'] {
  const enqueue = (record: ResourceRecord, action: 'attach' | 'detach' | 'delete', input: VolumeActionInput) => {
    hurry(record.providerId);
    return ctx.operations.enqueue({ type: `volume.${action}`, providerId: record.providerId, targetKind: 'volume', targetId: record.id, input: { ...input }, message: `queued: ${action} ${record.name}` });
  };
  const requireState = (record: ResourceRecord, action: string, allowed: string[]) => {
    if (!allowed.includes(record.state ?? '')) {
      throw new SkyportError('InvalidState', `cannot ${action} volume ${record.id}: it is ${record.state}; ${action} needs it to be ${allowed.join(' or ')}`, {
        details: { currentState: record.state, allowedStates: allowed, action },
      });
    }
  };
  return {
    list: (query) => listKind<Volume>(ctx, 'volume', query),
    get: async (id) => (await recordOf(ctx, 'volume', id)).data as unknown as Volume,
    async create(request: CreateVolumeRequest, options?: CreateOptions) {
      const { record: provider, factory } = await ctx.connections.get(request.providerId);
      const caps = factory.capabilities.volumes;
      if (!caps) throw unsupported(provider.name, 'volumes');
      requireName('name', request.name);
      requireTags('tags', request.tags);
      if (!Number.isInteger(request.sizeGiB) || request.sizeGiB < 1 || request.sizeGiB > caps.maxSizeGiB) {
        throw new SkyportError('InvalidArgument', `sizeGiB ${request.sizeGiB} is not allowed: it must be a whole number from 1 to ${caps.maxSizeGiB}`, { details: { field: 'sizeGiB', min: 1, max: caps.maxSizeGiB } });
      }
      const location = request.locationId === undefined ? undefined : await referencedRecord(ctx, 'location', request.locationId, provider.id, 'locationId');
      const snapshot = request.snapshotId === undefined ? undefined : await referencedRecord(ctx, 'snapshot', request.snapshotId, provider.id, 'snapshotId');
      return idempotent(ctx, 'volume.create', options, request, async () => {
        const input: VolumeCreateInput = {
          request: {
            name: request.name,
            sizeGiB: request.sizeGiB,
            ...(location === undefined ? {} : { locationId: location.nativeId }),
            ...(snapshot === undefined ? {} : { snapshotId: snapshot.nativeId }),
            ...(request.tags === undefined ? {} : { tags: request.tags }),
          },
        };
        hurry(provider.id);
        return { type: 'volume.create', providerId: provider.id, targetKind: 'volume', targetId: newId('volume'), input: { ...input }, message: `queued: create volume ${request.name}` };
      }, () => (ctx.scope ? enforceQuota(ctx, ctx.scope.tenantId, { volumeGiB: request.sizeGiB }) : Promise.resolve()));
    },
    async attach(id, instanceId, device) {
      const record = await recordOf(ctx, 'volume', id);
      requireState(record, 'attach', ['available']);
      const instance = await referencedRecord(ctx, 'instance', instanceId, record.providerId, 'instanceId');
      const { factory } = await ctx.connections.get(record.providerId);
      const allowed = factory.capabilities.volumes?.attachWhileRunning ? ['running', 'stopped'] : ['stopped'];
      if (!allowed.includes(instance.state ?? '')) {
        throw new SkyportError('InvalidState', `cannot attach to instance ${instanceId}: it is ${instance.state}; attaching needs it to be ${allowed.join(' or ')}`, {
          details: { currentState: instance.state, allowedStates: allowed },
        });
      }
      return enqueue(record, 'attach', { nativeId: record.nativeId, instanceNativeId: instance.nativeId, ...(device === undefined ? {} : { device }) });
    },
    async detach(id) {
      const record = await recordOf(ctx, 'volume', id);
      requireState(record, 'detach', ['in-use']);
      return enqueue(record, 'detach', { nativeId: record.nativeId });
    },
    async delete(id) {
      const record = await recordOf(ctx, 'volume', id);
      requireState(record, 'delete', ['available', 'error']);
      return enqueue(record, 'delete', { nativeId: record.nativeId });
    },
  };
}

export function snapshotService(ctx: BrokerContext, hurry: (providerId: string) => void): Broker['snapshots'] {
  return {
    list: (query) => listKind<Snapshot>(ctx, 'snapshot', query),
    get: async (id) => (await recordOf(ctx, 'snapshot', id)).data as unknown as Snapshot,
    async create(request: CreateSnapshotRequest, options?: CreateOptions) {
      const volume = await recordOf(ctx, 'volume', request.volumeId);
      const { record: provider, factory } = await ctx.connections.get(volume.providerId);
      if (!factory.capabilities.snapshots?.volume) throw unsupported(provider.name, 'volume snapshots');
      requireName('name', request.name);
      requireTags('tags', request.tags);
      return idempotent(ctx, 'snapshot.create', options, request, async () => {
        const input: SnapshotCreateInput = { request: { name: request.name, volumeId: volume.nativeId, ...(request.tags === undefined ? {} : { tags: request.tags }) } };
        hurry(provider.id);
        return { type: 'snapshot.create', providerId: provider.id, targetKind: 'snapshot', targetId: newId('snapshot'), input: { ...input }, message: `queued: snapshot ${volume.name}` };
      });
    },
    async delete(id) {
      const record = await recordOf(ctx, 'snapshot', id);
      hurry(record.providerId);
      return ctx.operations.enqueue({ type: 'snapshot.delete', providerId: record.providerId, targetKind: 'snapshot', targetId: id, input: { nativeId: record.nativeId }, message: `queued: delete ${record.name}` });
    },
  };
}

export function tagService(ctx: BrokerContext): Broker['tags'] {
  return {
    async update(kind: TaggableKind, id: string, change: TagChange): Promise<Tags> {
      const record = await recordOf(ctx, kind, id);
      const { record: provider, factory, driver } = await ctx.connections.get(record.providerId);
      if (!factory.capabilities.tags?.kinds.includes(kind)) throw unsupported(provider.name, `tags on ${kind}s`);
      requireTags('set', change.set);
      const next: Record<string, string> = { ...record.tags, ...(change.set ?? {}) };
      for (const key of change.remove ?? []) delete next[key];
      const max = factory.capabilities.tags.maxPerResource;
      if (Object.keys(next).length > max) {
        throw new SkyportError('InvalidArgument', `${kind} ${id} would have ${Object.keys(next).length} tags; provider ${provider.name} allows at most ${max}`, { details: { max } });
      }
      await driver.updateTags(kind, record.nativeId, { ...(change.set === undefined ? {} : { set: change.set }), ...(change.remove === undefined ? {} : { remove: change.remove }) });
      await ctx.inventory.patch(record, { tags: next, data: { ...record.data, tags: next } });
      return next;
    },
  };
}
