/**
 * The OpenStack driver: Nova for servers, flavors, key pairs, console and attachments; Glance
 * for images and their data; Cinder for volumes and snapshots; Neutron for security groups.
 * Requests go through OpenStackClient (token, microversion, errors, paging). Where OpenStack
 * would accept something the model forbids (duplicate names, over-long tag lists) or answer
 * with a vague 400 (an unknown flavor), the driver checks first and says exactly what is wrong.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { imageInfo } from '@skyport/disk';
import { SkyportError, isSkyportError, normalizeRules, sameRule, type DiskFormat, type SecurityGroupRule, type TaggableKind, type Tags } from '@skyport/model';
import { OPENSTACK_CAPABILITIES, OPENSTACK_DISK_FORMATS, MAX_TAGS_PER_RESOURCE, MAX_VOLUME_GIB } from './openstack-capabilities.js';
import { OpenStackClient, type RequestBody } from './openstack-client.js';
import { KeystoneSession } from './keystone-session.js';
import {
  cinderToSnapshot,
  cinderToVolume,
  flavorToProfile,
  glanceToImage,
  isoTime,
  neutronRule,
  neutronToSecurityGroup,
  rawServerState,
  ruleToNeutron,
  serverAddresses,
  serverState,
  tagToString,
  tagsFromList,
  type CinderSnapshot,
  type CinderVolume,
  type GlanceImage,
  type NeutronSecurityGroup,
  type NovaFlavor,
  type NovaKeyPair,
  type NovaServer,
} from './openstack-records.js';
import type { OpenStackSettings } from './openstack-settings.js';

const enc = encodeURIComponent;

/** How long deleting a volume waits for its snapshots that are being deleted. */
const SNAPSHOT_DELETE_WAIT_MS = 60_000;

/** Resolves `undefined` for a NotFound, rethrows anything else. */
async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (isSkyportError(error) && error.code === 'NotFound') return undefined;
    throw error;
  }
}

export class OpenStackCloudDriver implements CloudDriver {
  readonly client: OpenStackClient;
  readonly #keyCreatedAt = new Map<string, string>();
  readonly #flavorIds = new NameCache();
  readonly #groupIds = new NameCache();

  constructor(
    private readonly config: DriverConfig,
    private readonly settings: OpenStackSettings,
    fetchImpl: typeof fetch = fetch,
  ) {
    this.client = new OpenStackClient(new KeystoneSession(settings, fetchImpl), settings, fetchImpl);
  }

  async testConnection(): Promise<void> {
    await this.client.session.renew();
    // One cheap authenticated read proves the compute endpoint and the token work together.
    await this.client.call('compute', 'GET', '/flavors', { query: { limit: 1 }, what: 'flavors' });
  }

  // ---- catalogue ------------------------------------------------------------------------

  async listLocations(): Promise<NativeLocation[]> {
    const token = await this.client.session.token();
    const { body } = await this.client.call<{ availabilityZoneInfo: { zoneName: string; zoneState?: { available?: boolean } }[] }>('compute', 'GET', '/os-availability-zone', {
      what: 'availability zones',
    });
    const zones = (body.availabilityZoneInfo ?? []).filter((z) => z.zoneName !== 'internal' && z.zoneName !== token.region);
    return [
      { nativeId: token.region, name: token.region, kind: 'region', available: true },
      ...zones.map((z): NativeLocation => ({ nativeId: z.zoneName, name: z.zoneName, kind: 'zone', parent: token.region, available: z.zoneState?.available ?? true })),
    ];
  }

  async listHardwareProfiles(): Promise<NativeHardwareProfile[]> {
    return (await this.#flavors()).map(flavorToProfile);
  }

  async #flavors(): Promise<NovaFlavor[]> {
    const flavors = await this.client.list<NovaFlavor>('compute', '/flavors/detail', 'flavors', { what: 'flavors' });
    return flavors.filter((f) => f['OS-FLV-DISABLED:disabled'] !== true);
  }

  async listImages(): Promise<NativeImage[]> {
    return (await this.client.list<GlanceImage>('image', '/images', 'images', { what: 'images' })).map(glanceToImage);
  }

  // ---- instances ------------------------------------------------------------------------

  async listInstances(): Promise<NativeInstance[]> {
    const servers = await this.client.list<NovaServer>('compute', '/servers/detail', 'servers', { what: 'servers' });
    const context = await this.#serverContext(servers);
    return servers.map((s) => this.#toInstance(s, context));
  }

  async getInstance(nativeId: string): Promise<NativeInstance | undefined> {
    const server = await this.#server(nativeId);
    if (server === undefined) return undefined;
    return this.#toInstance(server, await this.#serverContext([server]));
  }

  async #server(id: string): Promise<NovaServer | undefined> {
    const result = await orUndefined(this.client.call<{ server: NovaServer }>('compute', 'GET', `/servers/${enc(id)}`, { what: `server ${id}` }));
    return result?.body.server;
  }

  async #requireServer(id: string): Promise<NovaServer> {
    const server = await this.#server(id);
    if (server === undefined) throw new SkyportError('NotFound', `server ${id} does not exist in OpenStack project of provider ${this.config.name}`, { providerCode: 'itemNotFound' });
    return server;
  }

  /**
   * Flavor ids (2.47+ servers carry only the flavor's name) and security group ids (servers
   * carry names). Both change rarely, so they are remembered for a while and read again when a
   * server names one that is not known yet.
   */
  async #serverContext(servers: readonly NovaServer[]): Promise<{ flavorIds: Map<string, string>; groupIds: Map<string, string> }> {
    const flavorNames = servers.filter((s) => s.flavor.id === undefined).map((s) => s.flavor.original_name ?? '');
    const groupNames = servers.flatMap((s) => (s.security_groups ?? []).map((g) => g.name));
    const [flavorIds, groupIds] = await Promise.all([
      this.#flavorIds.lookup(flavorNames, async () => (await this.client.list<NovaFlavor>('compute', '/flavors/detail', 'flavors', { what: 'flavors' })).map((f) => [f.name, f.id])),
      this.#groupIds.lookup(groupNames, async () => (await this.#securityGroups()).map((g) => [g.name, g.id])),
    ]);
    return { flavorIds, groupIds };
  }

  #toInstance(s: NovaServer, context: { flavorIds: Map<string, string>; groupIds: Map<string, string> }, requestedGroups?: readonly string[]): NativeInstance {
    const flavorId = s.flavor.id ?? context.flavorIds.get(s.flavor.original_name ?? '') ?? s.flavor.original_name ?? '';
    const groups = (s.security_groups ?? []).map((g) => context.groupIds.get(g.name) ?? g.name);
    const uniqueGroups = [...new Set(groups)];
    const zone = s['OS-EXT-AZ:availability_zone'];
    const fault = s.fault?.message;
    return {
      nativeId: s.id,
      name: s.name,
      state: serverState(s.status, s['OS-EXT-STS:task_state']),
      rawState: rawServerState(s),
      ...(fault === undefined ? {} : { stateReason: fault }),
      imageId: typeof s.image === 'string' ? s.image : (s.image.id ?? ''),
      hardwareProfileId: flavorId,
      cpus: s.flavor.vcpus ?? 1,
      memoryMiB: s.flavor.ram ?? 1,
      diskGiB: Math.max(1, s.flavor.disk ?? 1),
      ...(zone ? { locationId: zone } : {}),
      ...(s.key_name ? { keyName: s.key_name } : {}),
      // A server still building may not list its groups yet; the request named them.
      ...(uniqueGroups.length > 0 ? { securityGroupIds: uniqueGroups } : requestedGroups !== undefined && requestedGroups.length > 0 ? { securityGroupIds: [...requestedGroups] } : {}),
      addresses: serverAddresses(s),
      tags: { ...s.metadata },
      createdAt: s.created,
    };
  }

  async createInstance(request: DriverCreateInstanceRequest): Promise<NativeInstance> {
    if (request.name.trim() === '') throw new SkyportError('InvalidArgument', 'name: an instance needs a name', { details: { field: 'name' } });
    this.#checkTagCount(request.tags ?? {}, 'instance');
    // Nova answers a vague 400 for unknown references; look each up so the error names it.
    const flavor = await orUndefined(this.client.call<{ flavor: NovaFlavor }>('compute', 'GET', `/flavors/${enc(request.hardwareProfileId)}`, { what: `flavor ${request.hardwareProfileId}` }));
    if (flavor === undefined) throw new SkyportError('NotFound', `hardware profile (flavor) ${request.hardwareProfileId} does not exist; list the provider's hardware profiles`, { providerCode: 'itemNotFound', details: { field: 'hardwareProfileId' } });
    const f = flavor.body.flavor;
    for (const [field, asked, has] of [['cpus', request.cpus, f.vcpus], ['memoryMiB', request.memoryMiB, f.ram], ['diskGiB', request.diskGiB, Math.max(1, f.disk)]] as const) {
      if (asked !== has) {
        throw new SkyportError('Unsupported', `${field} ${asked} does not match flavor ${f.name} (${has}); OpenStack flavors are fixed sizes and cannot be overridden: choose the flavor that has the size you want`, {
          details: { field, allowed: [has] },
        });
      }
    }
    const image = await orUndefined(this.client.call('image', 'GET', `/images/${enc(request.imageId)}`, { what: `image ${request.imageId}` }));
    if (image === undefined) throw new SkyportError('NotFound', `image ${request.imageId} does not exist; list the provider's images`, { details: { field: 'imageId' } });
    let zone: string | undefined;
    if (request.locationId !== undefined) {
      const location = (await this.listLocations()).find((l) => l.nativeId === request.locationId);
      if (location === undefined) throw new SkyportError('NotFound', `location ${request.locationId} is neither this provider's region nor one of its availability zones`, { details: { field: 'locationId' } });
      if (location.kind === 'zone') zone = location.nativeId;
    }
    if (request.keyName !== undefined) {
      const key = await orUndefined(this.client.call('compute', 'GET', `/os-keypairs/${enc(request.keyName)}`, { what: `key pair ${request.keyName}` }));
      if (key === undefined) throw new SkyportError('NotFound', `key pair ${request.keyName} does not exist; create or import it first`, { details: { field: 'keyName' } });
    }
    for (const groupId of request.securityGroupIds ?? []) {
      const group = await orUndefined(this.client.call('network', 'GET', `/security-groups/${enc(groupId)}`, { what: `security group ${groupId}` }));
      if (group === undefined) throw new SkyportError('NotFound', `security group ${groupId} does not exist`, { details: { field: 'securityGroupIds' } });
    }
    const server = {
      name: request.name,
      imageRef: request.imageId,
      flavorRef: request.hardwareProfileId,
      networks: this.settings.networkId === undefined ? 'auto' : [{ uuid: this.settings.networkId }],
      ...(zone === undefined ? {} : { availability_zone: zone }),
      ...(request.keyName === undefined ? {} : { key_name: request.keyName }),
      ...(request.userData === undefined ? {} : { user_data: Buffer.from(request.userData, 'utf8').toString('base64') }),
      // Nova takes a group's id in `name` when Neutron provides security groups.
      ...(request.securityGroupIds === undefined || request.securityGroupIds.length === 0 ? {} : { security_groups: request.securityGroupIds.map((id) => ({ name: id })) }),
      ...(request.tags === undefined || Object.keys(request.tags).length === 0 ? {} : { metadata: request.tags }),
    };
    const { body } = await this.client.call<{ server: { id: string } }>('compute', 'POST', '/servers', { json: { server }, what: `new server ${request.name}` });
    const created = await this.#requireServer(body.server.id);
    return this.#toInstance(created, await this.#serverContext([created]), request.securityGroupIds);
  }

  async #action(id: string, action: string, payload: unknown): Promise<unknown> {
    const { body } = await this.client.call('compute', 'POST', `/servers/${enc(id)}/action`, { json: { [action]: payload }, what: `server ${id}` });
    return body;
  }

  async startInstance(nativeId: string): Promise<void> {
    await this.#action(nativeId, 'os-start', null);
  }

  async stopInstance(nativeId: string): Promise<void> {
    await this.#action(nativeId, 'os-stop', null);
  }

  async rebootInstance(nativeId: string): Promise<void> {
    await this.#action(nativeId, 'reboot', { type: 'SOFT' });
  }

  async destroyInstance(nativeId: string): Promise<void> {
    await this.client.call('compute', 'DELETE', `/servers/${enc(nativeId)}`, { what: `server ${nativeId}` });
  }

  async getConsoleOutput(nativeId: string): Promise<string> {
    const body = (await this.#action(nativeId, 'os-getConsoleOutput', { length: 1000 })) as { output?: string } | undefined;
    return body?.output ?? '';
  }

  // ---- key pairs ------------------------------------------------------------------------

  async listKeyPairs(): Promise<NativeKeyPair[]> {
    const items = await this.client.list<{ keypair: NovaKeyPair }>('compute', '/os-keypairs', 'keypairs', { what: 'key pairs' });
    const out: NativeKeyPair[] = [];
    for (const { keypair } of items) out.push(this.#toKeyPair(keypair, await this.#keyCreated(keypair.name)));
    return out;
  }

  /** The list omits `created_at`; one read per key pair, remembered (it never changes). */
  async #keyCreated(name: string): Promise<string> {
    const known = this.#keyCreatedAt.get(name);
    if (known !== undefined) return known;
    const found = await orUndefined(this.client.call<{ keypair: NovaKeyPair }>('compute', 'GET', `/os-keypairs/${enc(name)}`, { what: `key pair ${name}` }));
    const createdAt = found?.body.keypair.created_at;
    const iso = createdAt === undefined ? new Date().toISOString() : isoTime(createdAt);
    this.#keyCreatedAt.set(name, iso);
    return iso;
  }

  #toKeyPair(k: NovaKeyPair, createdAt: string): NativeKeyPair {
    return { nativeId: k.name, name: k.name, fingerprint: k.fingerprint, ...(k.public_key === undefined ? {} : { publicKey: k.public_key.trim() }), tags: {}, createdAt };
  }

  #checkKeyName(name: string): void {
    if (name.trim() === '' || name.length > 255) throw new SkyportError('InvalidArgument', `key pair name "${name}" is not allowed: use 1-255 characters`, { details: { field: 'name' } });
  }

  async createKeyPair(name: string): Promise<CreatedKeyPair> {
    this.#checkKeyName(name);
    const { body } = await this.client.call<{ keypair: NovaKeyPair }>('compute', 'POST', '/os-keypairs', {
      json: { keypair: { name, type: 'ssh' } },
      what: `key pair ${name}`,
      conflict: 'AlreadyExists',
    });
    const privateKey = body.keypair.private_key;
    if (privateKey === undefined) throw new SkyportError('ProviderError', `OpenStack created key pair ${name} without returning its private key (Nova 2.92+ no longer generates keys)`);
    return { keyPair: this.#toKeyPair(body.keypair, await this.#keyCreated(name)), privateKey };
  }

  async importKeyPair(name: string, publicKey: string): Promise<NativeKeyPair> {
    this.#checkKeyName(name);
    const { body } = await this.client.call<{ keypair: NovaKeyPair }>('compute', 'POST', '/os-keypairs', {
      json: { keypair: { name, type: 'ssh', public_key: publicKey } },
      what: `key pair ${name}`,
      conflict: 'AlreadyExists',
    });
    return this.#toKeyPair(body.keypair, await this.#keyCreated(name));
  }

  async deleteKeyPair(nativeId: string): Promise<void> {
    await this.client.call('compute', 'DELETE', `/os-keypairs/${enc(nativeId)}`, { what: `key pair ${nativeId}` });
    this.#keyCreatedAt.delete(nativeId);
  }

  // ---- volumes and snapshots --------------------------------------------------------------

  async listVolumes(): Promise<NativeVolume[]> {
    return (await this.client.list<CinderVolume>('volume', '/volumes/detail', 'volumes', { what: 'volumes' })).map(cinderToVolume);
  }

  async #volume(id: string): Promise<CinderVolume> {
    return (await this.client.call<{ volume: CinderVolume }>('volume', 'GET', `/volumes/${enc(id)}`, { what: `volume ${id}` })).body.volume;
  }

  async createVolume(request: DriverCreateVolumeRequest): Promise<NativeVolume> {
    if (!Number.isInteger(request.sizeGiB) || request.sizeGiB < 1 || request.sizeGiB > MAX_VOLUME_GIB) {
      throw new SkyportError('InvalidArgument', `sizeGiB ${request.sizeGiB} is not allowed: a volume is 1 to ${MAX_VOLUME_GIB} GiB`, { details: { field: 'sizeGiB', min: 1, max: MAX_VOLUME_GIB } });
    }
    this.#checkTagCount(request.tags ?? {}, 'volume');
    let zone: string | undefined;
    if (request.locationId !== undefined) {
      const location = (await this.listLocations()).find((l) => l.nativeId === request.locationId);
      if (location === undefined) throw new SkyportError('NotFound', `location ${request.locationId} is neither this provider's region nor one of its availability zones`, { details: { field: 'locationId' } });
      if (location.kind === 'zone') zone = location.nativeId;
    }
    const volume = {
      name: request.name,
      size: request.sizeGiB,
      ...(zone === undefined ? {} : { availability_zone: zone }),
      ...(request.snapshotId === undefined ? {} : { snapshot_id: request.snapshotId }),
      ...(request.tags === undefined || Object.keys(request.tags).length === 0 ? {} : { metadata: request.tags }),
    };
    const { body } = await this.client.call<{ volume: CinderVolume }>('volume', 'POST', '/volumes', { json: { volume }, what: `new volume ${request.name}` });
    return cinderToVolume(body.volume);
  }

  async attachVolume(volumeId: string, instanceId: string, device?: string): Promise<void> {
    await this.client.call('compute', 'POST', `/servers/${enc(instanceId)}/os-volume_attachments`, {
      json: { volumeAttachment: { volumeId, ...(device === undefined ? {} : { device }) } },
      what: `volume ${volumeId} on server ${instanceId}`,
    });
  }

  async detachVolume(volumeId: string): Promise<void> {
    const volume = await this.#volume(volumeId);
    const attachment = volume.attachments?.[0];
    if (attachment === undefined) throw new SkyportError('InvalidState', `volume ${volumeId} is ${volume.status} and attached to no server; only an attached volume can be detached`, { details: { state: volume.status } });
    await this.client.call('compute', 'DELETE', `/servers/${enc(attachment.server_id)}/os-volume_attachments/${enc(volumeId)}`, { what: `volume ${volumeId} on server ${attachment.server_id}` });
  }

  async deleteVolume(volumeId: string): Promise<void> {
    const volume = await this.#volume(volumeId);
    if ((volume.attachments ?? []).length > 0 || volume.status === 'in-use') {
      throw new SkyportError('InvalidState', `volume ${volumeId} is in-use (attached to server ${volume.attachments?.[0]?.server_id ?? '?'}); detach it before deleting it`, { details: { state: volume.status } });
    }
    await this.#waitForSnapshotsGone(volumeId);
    await this.client.call('volume', 'DELETE', `/volumes/${enc(volumeId)}`, { what: `volume ${volumeId}`, badRequest: 'InvalidState' });
  }

  /**
   * Cinder keeps a volume while any snapshot of it exists, including ones still being deleted.
   * Live snapshots are the caller's to remove; ones on their way out are waited for briefly.
   */
  async #waitForSnapshotsGone(volumeId: string): Promise<void> {
    const deadline = Date.now() + SNAPSHOT_DELETE_WAIT_MS;
    for (;;) {
      const snapshots = (await this.client.list<CinderSnapshot>('volume', '/snapshots/detail', 'snapshots', { what: 'snapshots' })).filter((s) => s.volume_id === volumeId);
      const live = snapshots.filter((s) => s.status !== 'deleting');
      if (live.length > 0) {
        throw new SkyportError('InvalidState', `volume ${volumeId} has snapshots (${live.map((s) => s.id).join(', ')}); delete them before deleting the volume`, { details: { snapshots: live.map((s) => s.id) } });
      }
      if (snapshots.length === 0) return;
      if (Date.now() > deadline) throw new SkyportError('InvalidState', `volume ${volumeId} still has snapshots being deleted (${snapshots.map((s) => s.id).join(', ')}); try again shortly`, { retryable: true });
      await sleep(Math.min(this.settings.imagePollMs, 1000));
    }
  }

  async listSnapshots(): Promise<NativeSnapshot[]> {
    return (await this.client.list<CinderSnapshot>('volume', '/snapshots/detail', 'snapshots', { what: 'snapshots' })).map(cinderToSnapshot);
  }

  async createSnapshot(request: DriverCreateSnapshotRequest): Promise<NativeSnapshot> {
    this.#checkTagCount(request.tags ?? {}, 'snapshot');
    const snapshot = {
      name: request.name,
      volume_id: request.volumeId,
      // Cinder refuses in-use volumes without force; the model allows snapshots of attached volumes.
      force: true,
      ...(request.tags === undefined || Object.keys(request.tags).length === 0 ? {} : { metadata: request.tags }),
    };
    const { body } = await this.client.call<{ snapshot: CinderSnapshot }>('volume', 'POST', '/snapshots', { json: { snapshot }, what: `snapshot of volume ${request.volumeId}` });
    return cinderToSnapshot(body.snapshot);
  }

  async deleteSnapshot(nativeId: string): Promise<void> {
    // Cinder refuses to delete a snapshot still being created; it is done in seconds, so wait.
    const deadline = Date.now() + SNAPSHOT_DELETE_WAIT_MS;
    for (;;) {
      const { body } = await this.client.call<{ snapshot: CinderSnapshot }>('volume', 'GET', `/snapshots/${enc(nativeId)}`, { what: `snapshot ${nativeId}` });
      if (body.snapshot.status === 'deleting') throw new SkyportError('NotFound', `snapshot ${nativeId} is already being deleted`, { providerCode: 'deleting' });
      if (body.snapshot.status !== 'creating') break;
      if (Date.now() > deadline) throw new SkyportError('InvalidState', `snapshot ${nativeId} is still being created; delete it once it is available`, { retryable: true });
      await sleep(Math.min(this.settings.imagePollMs, 1000));
    }
    await this.client.call('volume', 'DELETE', `/snapshots/${enc(nativeId)}`, { what: `snapshot ${nativeId}`, badRequest: 'InvalidState' });
  }

  // ---- security groups --------------------------------------------------------------------

  async #securityGroups(query: Record<string, string> = {}): Promise<NeutronSecurityGroup[]> {
    const token = await this.client.session.token();
    // Admins see every project's groups; the broker shows the provider's own project.
    return this.client.list<NeutronSecurityGroup>('network', '/security-groups', 'security_groups', { query: { project_id: token.projectId, ...query }, what: 'security groups' });
  }

  async #group(id: string): Promise<NeutronSecurityGroup> {
    return (await this.client.call<{ security_group: NeutronSecurityGroup }>('network', 'GET', `/security-groups/${enc(id)}`, { what: `security group ${id}` })).body.security_group;
  }

  async listSecurityGroups(): Promise<NativeSecurityGroup[]> {
    return (await this.#securityGroups()).map(neutronToSecurityGroup);
  }

  async createSecurityGroup(request: DriverCreateSecurityGroupRequest): Promise<NativeSecurityGroup> {
    if (request.name.trim() === '' || request.name.length > 255) throw new SkyportError('InvalidArgument', `security group name "${request.name}" is not allowed: use 1-255 characters`, { details: { field: 'name' } });
    this.#checkTagCount(request.tags ?? {}, 'securityGroup');
    // Neutron allows two groups of one name; Nova then cannot tell them apart. Refuse it here.
    if ((await this.#securityGroups({ name: request.name })).some((g) => g.name === request.name)) {
      throw new SkyportError('AlreadyExists', `a security group named "${request.name}" already exists in this project`, { details: { field: 'name' } });
    }
    const { body } = await this.client.call<{ security_group: NeutronSecurityGroup }>('network', 'POST', '/security-groups', {
      json: { security_group: { name: request.name, description: request.description } },
      what: `new security group ${request.name}`,
    });
    let group = body.security_group;
    const tags = Object.entries(request.tags ?? {}).map(([k, v]) => tagToString(k, v));
    if (tags.length > 0) {
      const tagged = await this.client.call<{ tags: string[] }>('network', 'PUT', `/security-groups/${enc(group.id)}/tags`, { json: { tags }, what: `tags of security group ${group.id}` });
      group = { ...group, tags: tagged.body.tags };
    }
    return neutronToSecurityGroup(group);
  }

  async deleteSecurityGroup(nativeId: string): Promise<void> {
    await this.client.call('network', 'DELETE', `/security-groups/${enc(nativeId)}`, { what: `security group ${nativeId}` });
  }

  async authorizeSecurityGroup(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void> {
    const normalized = normalizeRules(rules);
    await this.#group(nativeId);
    // One bulk request: Neutron creates all the rules or none.
    await this.client.call('network', 'POST', '/security-group-rules', {
      json: { security_group_rules: normalized.map((r) => ruleToNeutron(nativeId, direction, r)) },
      what: `rules of security group ${nativeId}`,
      conflict: 'AlreadyExists',
    });
  }

  async revokeSecurityGroup(nativeId: string, direction: 'ingress' | 'egress', rules: readonly SecurityGroupRule[]): Promise<void> {
    const normalized = normalizeRules(rules);
    const group = await this.#group(nativeId);
    const existing = (group.security_group_rules ?? []).filter((r) => r.direction === direction);
    const ids: string[] = [];
    for (const rule of normalized) {
      const match = existing.find((r) => {
        const mapped = neutronRule(r);
        return mapped !== undefined && sameRule(mapped, rule);
      });
      if (match === undefined) {
        throw new SkyportError('NotFound', `security group ${nativeId} has no ${direction} rule ${rule.protocol} ${rule.fromPort ?? ''}-${rule.toPort ?? ''} ${rule.cidr}; nothing was revoked`, { details: { rule } });
      }
      ids.push(match.id);
    }
    for (const id of ids) await this.client.call('network', 'DELETE', `/security-group-rules/${enc(id)}`, { what: `rule ${id} of security group ${nativeId}` });
  }

  // ---- images --------------------------------------------------------------------------------

  async #image(id: string): Promise<GlanceImage> {
    return (await this.client.call<GlanceImage>('image', 'GET', `/images/${enc(id)}`, { what: `image ${id}` })).body;
  }

  /** Polls Glance until the image is active; a killed image is an error. */
  async #waitActive(id: string, signal?: AbortSignal): Promise<GlanceImage> {
    const deadline = Date.now() + this.settings.imageTimeoutMs;
    for (;;) {
      const image = await this.#image(id);
      if (image.status === 'active') return image;
      if (image.status === 'killed' || image.status === 'deleted' || image.status === 'deactivated') {
        throw new SkyportError('ProviderError', `image ${id} ended ${image.status} at the provider instead of active`, { providerCode: image.status });
      }
      if (Date.now() > deadline) throw new SkyportError('Timeout', `image ${id} is still ${image.status} after ${this.settings.imageTimeoutMs} ms`);
      await sleep(this.settings.imagePollMs, undefined, signal === undefined ? {} : { signal });
    }
  }

  async #refuseTakenImageName(name: string): Promise<void> {
    const same = await this.client.list<GlanceImage>('image', '/images', 'images', { query: { name }, what: `images named ${name}` });
    if (same.some((i) => i.name === name)) throw new SkyportError('AlreadyExists', `an image named "${name}" already exists in this project; choose another name`, { details: { field: 'name' } });
  }

  async importImage(request: DriverImportImageRequest): Promise<NativeImage> {
    if (request.name.trim() === '') throw new SkyportError('InvalidArgument', 'name: an image needs a name', { details: { field: 'name' } });
    if (!(OPENSTACK_DISK_FORMATS as readonly string[]).includes(request.format)) {
      throw new SkyportError('InvalidArgument', `format ${request.format} cannot be imported; use one of ${OPENSTACK_DISK_FORMATS.join(', ')}`, { details: { field: 'format' } });
    }
    this.#checkTagCount(request.tags ?? {}, 'image');
    // Checked locally first: Glance would store any bytes under any format name.
    await imageInfo(request.path, request.format);
    const totalBytes = (await stat(request.path)).size;
    await this.#refuseTakenImageName(request.name);
    const { body: created } = await this.client.call<GlanceImage>('image', 'POST', '/images', {
      json: {
        name: request.name,
        disk_format: request.format,
        container_format: 'bare',
        visibility: 'private',
        architecture: request.architecture,
        ...(request.os === undefined ? {} : { os_distro: request.os }),
        ...(request.description === undefined ? {} : { description: request.description }),
        tags: Object.entries(request.tags ?? {}).map(([k, v]) => tagToString(k, v)),
      },
      what: `new image ${request.name}`,
    });
    try {
      await this.client.call('image', 'PUT', `/images/${enc(created.id)}/file`, {
        body: () => {
          let done = 0;
          const counter = new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              done += chunk.length;
              request.onProgress?.(done, totalBytes);
              callback(null, chunk);
            },
          });
          const stream = createReadStream(request.path).pipe(counter);
          return { data: Readable.toWeb(stream) as unknown as RequestBody, contentType: 'application/octet-stream', length: totalBytes };
        },
        what: `data of image ${created.id}`,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
      if (totalBytes === 0) request.onProgress?.(0, 0);
      return glanceToImage(await this.#waitActive(created.id, request.signal));
    } catch (error) {
      await orUndefined(this.client.call('image', 'DELETE', `/images/${enc(created.id)}`, { what: `unfinished image ${created.id}` })).catch(() => undefined);
      throw error;
    }
  }

  async createImageFromInstance(instanceNativeId: string, name: string, options: { readonly description?: string; readonly tags?: Tags } = {}): Promise<NativeImage> {
    if (name.trim() === '') throw new SkyportError('InvalidArgument', 'name: an image needs a name', { details: { field: 'name' } });
    this.#checkTagCount(options.tags ?? {}, 'image');
    await this.#requireServer(instanceNativeId);
    await this.#refuseTakenImageName(name);
    const body = (await this.#action(instanceNativeId, 'createImage', {
      name,
      metadata: options.description === undefined ? {} : { description: options.description },
    })) as { image_id?: string } | undefined;
    const imageId = body?.image_id;
    if (imageId === undefined) throw new SkyportError('ProviderError', `Nova accepted createImage for server ${instanceNativeId} without naming the image`);
    for (const [k, v] of Object.entries(options.tags ?? {})) {
      await this.client.call('image', 'PUT', `/images/${enc(imageId)}/tags/${enc(tagToString(k, v))}`, { what: `tags of image ${imageId}` });
    }
    return glanceToImage(await this.#image(imageId));
  }

  async deleteImage(nativeId: string): Promise<void> {
    await this.client.call('image', 'DELETE', `/images/${enc(nativeId)}`, { what: `image ${nativeId}` });
  }

  async exportDisk(kind: 'image' | 'instance', nativeId: string, options: { readonly signal?: AbortSignal } = {}): Promise<ExportedDisk> {
    if (kind === 'image') {
      const image = await this.#image(nativeId);
      if (image.status !== 'active') throw new SkyportError('InvalidState', `image ${nativeId} is ${image.status}; only an active image can be exported`, { details: { state: image.status } });
      return this.#download(image, options.signal);
    }
    const server = await this.#requireServer(nativeId);
    const state = serverState(server.status, server['OS-EXT-STS:task_state']);
    if (state !== 'stopped') throw new SkyportError('InvalidState', `instance ${nativeId} is ${state} (${rawServerState(server)}); stop it before exporting its disk`, { details: { state } });
    // Nova hands out a server's disk only as an image: snapshot it, download, delete the snapshot.
    const body = (await this.#action(nativeId, 'createImage', { name: `skyport-export-${nativeId}-${Date.now()}`, metadata: {} })) as { image_id?: string } | undefined;
    const imageId = body?.image_id;
    if (imageId === undefined) throw new SkyportError('ProviderError', `Nova accepted createImage for server ${nativeId} without naming the image`);
    try {
      const image = await this.#waitActive(imageId, options.signal);
      if (image.size === 0) throw new SkyportError('Unsupported', `server ${nativeId} boots from a volume; its image ${imageId} holds no disk data to export`);
      return await this.#download(image, options.signal);
    } finally {
      await orUndefined(this.client.call('image', 'DELETE', `/images/${enc(imageId)}`, { what: `export snapshot ${imageId}` }));
    }
  }

  async #download(image: GlanceImage, signal?: AbortSignal): Promise<ExportedDisk> {
    const format = image.disk_format ?? '';
    if (!(OPENSTACK_DISK_FORMATS as readonly string[]).includes(format)) {
      throw new SkyportError('Unsupported', `image ${image.id} is in format ${format || 'unknown'}; disks can be exported in ${OPENSTACK_DISK_FORMATS.join(', ')}`);
    }
    const dir = join(this.config.dataDir, 'exports');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${image.id}-${randomUUID()}.${format}`);
    const release = async () => rm(path, { force: true });
    try {
      const { response } = await this.client.call('image', 'GET', `/images/${enc(image.id)}/file`, { raw: true, what: `data of image ${image.id}`, ...(signal === undefined ? {} : { signal }) });
      if (response?.body === null || response?.body === undefined) throw new SkyportError('ProviderError', `image ${image.id} has no data`);
      await pipeline(Readable.fromWeb(response.body as WebReadableStream), createWriteStream(path), ...(signal === undefined ? [] : [{ signal }]));
      // The bytes came from outside: the same checks as an import, and the guest-visible size.
      const info = await imageInfo(path, format as DiskFormat);
      return { path, format: format as DiskFormat, virtualSizeBytes: info.virtualSizeBytes, release };
    } catch (error) {
      await release();
      throw error;
    }
  }

  // ---- tags ----------------------------------------------------------------------------------

  #checkTagCount(tags: Tags, kind: TaggableKind): void {
    if (Object.keys(tags).length > MAX_TAGS_PER_RESOURCE) {
      throw new SkyportError('QuotaExceeded', `${Object.keys(tags).length} tags on one ${kind}; at most ${MAX_TAGS_PER_RESOURCE} are allowed`, { details: { max: MAX_TAGS_PER_RESOURCE } });
    }
    for (const [key, value] of Object.entries(tags)) {
      if (key === '' || key.length > 255 || value.length > 255 || key.includes('/')) {
        throw new SkyportError('InvalidArgument', `tag "${key}" is not allowed: keys of 1-255 characters without "/", values up to 255`, { details: { field: `tags.${key}` } });
      }
    }
  }

  async updateTags(kind: TaggableKind, nativeId: string, change: { readonly set?: Tags; readonly remove?: readonly string[] }): Promise<void> {
    if (!OPENSTACK_CAPABILITIES.tags?.kinds.includes(kind)) throw new SkyportError('Unsupported', `${kind} tags are not supported by OpenStack providers`);
    const set = change.set ?? {};
    const remove = change.remove ?? [];
    this.#checkTagCount(set, kind);
    const after = (current: Tags) => {
      const next: Record<string, string> = { ...current };
      for (const key of remove) delete next[key];
      Object.assign(next, set);
      this.#checkTagCount(next, kind);
      return next;
    };
    switch (kind) {
      case 'instance':
        return this.#updateMetadata('compute', `/servers/${enc(nativeId)}/metadata`, `server ${nativeId}`, set, remove, after);
      case 'volume':
        return this.#updateMetadata('volume', `/volumes/${enc(nativeId)}/metadata`, `volume ${nativeId}`, set, remove, after);
      case 'snapshot':
        return this.#updateMetadata('volume', `/snapshots/${enc(nativeId)}/metadata`, `snapshot ${nativeId}`, set, remove, after);
      case 'image': {
        const image = await this.#image(nativeId);
        const current = tagsFromList(image.tags);
        after(current);
        for (const tag of image.tags ?? []) {
          const key = Object.keys(tagsFromList([tag]))[0] ?? tag;
          if (remove.includes(key) || (key in set && tagsFromList([tag])[key] !== set[key])) {
            await this.client.call('image', 'DELETE', `/images/${enc(nativeId)}/tags/${enc(tag)}`, { what: `tag ${tag} of image ${nativeId}` });
          }
        }
        for (const [k, v] of Object.entries(set)) {
          if (current[k] !== v) await this.client.call('image', 'PUT', `/images/${enc(nativeId)}/tags/${enc(tagToString(k, v))}`, { what: `tags of image ${nativeId}` });
        }
        return;
      }
      case 'securityGroup': {
        const group = await this.#group(nativeId);
        const next = after(tagsFromList(group.tags));
        await this.client.call('network', 'PUT', `/security-groups/${enc(nativeId)}/tags`, {
          json: { tags: Object.entries(next).map(([k, v]) => tagToString(k, v)) },
          what: `tags of security group ${nativeId}`,
        });
        return;
      }
      default:
        throw new SkyportError('Unsupported', `${kind} tags are not supported by OpenStack providers`);
    }
  }

  /** Nova and Cinder metadata: POST merges keys, DELETE removes one. */
  async #updateMetadata(
    service: 'compute' | 'volume',
    path: string,
    what: string,
    set: Tags,
    remove: readonly string[],
    after: (current: Tags) => Tags,
  ): Promise<void> {
    const { body } = await this.client.call<{ metadata: Tags }>(service, 'GET', path, { what });
    const current = body.metadata ?? {};
    after(current);
    if (Object.keys(set).length > 0) await this.client.call(service, 'POST', path, { json: { metadata: set }, what });
    for (const key of remove) {
      if (key in current && !(key in set)) await this.client.call(service, 'DELETE', `${path}/${enc(key)}`, { what: `${what} metadata ${key}` });
    }
  }

  async close(): Promise<void> {
    // Nothing held open: fetch keeps no sockets the driver owns.
  }
}

/** Names to ids, read in full when stale (older than a minute) or when a name is missing. */
class NameCache {
  #ids = new Map<string, string>();
  #readAt = 0;

  async lookup(names: readonly string[], read: () => Promise<[string, string][]>): Promise<Map<string, string>> {
    if (names.length === 0) return this.#ids;
    if (Date.now() - this.#readAt > 60_000 || names.some((n) => !this.#ids.has(n))) {
      this.#ids = new Map(await read());
      this.#readAt = Date.now();
    }
    return this.#ids;
  }
}
