/**
 * A small OpenStack state machine behind the replay server, so the conformance suite can run:
 * servers, images, volumes, snapshots, key pairs and security groups move through the states
 * the API reference documents, one step per `transitionMs`. Every response body is a recorded
 * example (fixtures/*.json) with only the fields that identify and describe this resource
 * replaced (id, name, status, sizes, links' ids); every other field stays as recorded.
 */
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { isCidr } from '@skyport/model';
import { ReplayServer, type ReplayAnswer, type ReplayRequest } from './replay-server.js';

type Json = Record<string, unknown>;

export interface ReplayCloudOptions {
  /** Time one state change takes (BUILD -> ACTIVE, creating -> available...). */
  readonly transitionMs?: number;
  /** Lifetime of issued tokens. */
  readonly tokenTtlMs?: number;
  /** The data of the recorded public image (`cirros-0.3.2-x86_64-disk`, qcow2). */
  readonly seedImageData: Buffer;
}

/** Credentials the replay accepts: the API reference's examples. */
export const REPLAY_USER = { username: 'admin', password: 'devstacker', projectName: 'admin', userDomainName: 'Default', projectDomainId: 'default' } as const;
export const REPLAY_APPLICATION_CREDENTIAL = { id: '423f19a4ac1e4f48bbb4180756e6eb6c', secret: 'rEaqvJka48mpv' } as const;

interface ServerState {
  id: string;
  name: string;
  flavorId: string;
  imageId: string;
  keyName: string | null;
  zone: string;
  metadata: Record<string, string>;
  groups: string[];
  status: string;
  task: string | null;
  vmState: string;
  power: number;
  userData: string | null;
  created: string;
  updated: string;
}

interface ImageState {
  record: Json;
  data: Buffer | undefined;
}

interface VolumeState {
  record: Json;
}

interface KeyPairState {
  name: string;
  publicKey: string;
  fingerprint: string;
  createdAt: string;
}

interface GroupState {
  record: Json;
  rules: Json[];
}

const clone = <T>(value: T): T => structuredClone(value);
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Nova and Cinder write times without a zone and with microseconds. */
const novaTime = () => new Date().toISOString().replace('Z', '000');

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** MD5 of the key blob, colon-separated, as Nova reports fingerprints. */
function fingerprint(blob: Buffer): string {
  return createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:');
}

function parsePublicKey(text: string): Buffer | undefined {
  const [type, data] = text.trim().split(/\s+/);
  if (type === undefined || data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return undefined;
  const blob = Buffer.from(data, 'base64');
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1') === type ? blob : undefined;
}

export class OpenStackReplayCloud {
  readonly server = new ReplayServer();
  readonly projectId: string;
  readonly #transitionMs: number;
  readonly #tokenTtlMs: number;
  readonly #tokens = new Map<string, number>();
  readonly #timers: { at: number; apply: () => void }[] = [];
  readonly servers = new Map<string, ServerState>();
  readonly images = new Map<string, ImageState>();
  readonly volumes = new Map<string, VolumeState>();
  readonly snapshots = new Map<string, VolumeState>();
  readonly keyPairs = new Map<string, KeyPairState>();
  readonly groups = new Map<string, GroupState>();
  readonly flavors: Json[];
  /** Tokens issued so far, per authentication method. */
  readonly issued = { password: 0, applicationCredential: 0 };

  private constructor(options: ReplayCloudOptions) {
    this.#transitionMs = options.transitionMs ?? 30;
    this.#tokenTtlMs = options.tokenTtlMs ?? 3_600_000;
    const token = this.#body('identity.token.password')['token'] as Json;
    this.projectId = (token['project'] as Json)['id'] as string;
    this.flavors = clone(this.#body('compute.flavors.detail')['flavors'] as Json[]);
    const seed = clone(this.#body('image.image.show'));
    this.images.set(seed['id'] as string, { record: this.#withData(seed, options.seedImageData), data: options.seedImageData });
    const group = clone(this.#body('network.security-group.show')['security_group'] as Json);
    const rules = (group['security_group_rules'] as Json[]).map((r) => ({ ...r, project_id: this.projectId, tenant_id: this.projectId }));
    this.groups.set(group['id'] as string, { record: { ...group, project_id: this.projectId, tenant_id: this.projectId, tags: [] }, rules });
    this.server.tokenValid = (value) => (this.#tokens.get(value) ?? 0) > Date.now();
    this.#routes();
  }

  static async start(options: ReplayCloudOptions): Promise<OpenStackReplayCloud> {
    const cloud = new OpenStackReplayCloud(options);
    await cloud.server.start();
    return cloud;
  }

  get authUrl(): string {
    return `${this.server.base}/identity/v3`;
  }

  /** Every issued token stops working, as after a revocation or Keystone restart. */
  revokeTokens(): void {
    this.#tokens.clear();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  #body(id: string): Json {
    return this.server.exchange(id).response.body as Json;
  }

  #later(apply: () => void, steps = 1): void {
    this.#timers.push({ at: Date.now() + this.#transitionMs * steps, apply });
  }

  /** Applies every state change that is due. */
  #tick(): void {
    const due = this.#timers.filter((t) => t.at <= Date.now()).sort((a, b) => a.at - b.at);
    for (const timer of due) {
      this.#timers.splice(this.#timers.indexOf(timer), 1);
      timer.apply();
    }
  }

  #route(method: string, template: string, handler: (r: ReplayRequest) => ReplayAnswer | Promise<ReplayAnswer>, auth = true): void {
    this.server.route(method, template, (request) => {
      this.#tick();
      return handler(request);
    }, { auth });
  }

  /** One page of `items` by `limit` and `marker` (the item's key), and the next page's marker. */
  #page<T>(items: readonly T[], request: ReplayRequest, key: (item: T) => string): { items: T[]; next?: string } | undefined {
    const limit = Number(request.query.get('limit') ?? '1000');
    const marker = request.query.get('marker');
    let start = 0;
    if (marker !== null) {
      const at = items.findIndex((i) => key(i) === marker);
      if (at < 0) return undefined;
      start = at + 1;
    }
    const page = items.slice(start, start + limit);
    const last = page.at(-1);
    return { items: page, ...(start + limit < items.length && last !== undefined ? { next: key(last) } : {}) };
  }

  #link(path: string, request: ReplayRequest, marker: string): string {
    return `${this.server.base}${path}?limit=${request.query.get('limit') ?? '1000'}&marker=${encodeURIComponent(marker)}`;
  }

  // ---- identity -----------------------------------------------------------------------------

  #issue(request: ReplayRequest): ReplayAnswer {
    const identity = ((request.json as Json | undefined)?.['auth'] as Json | undefined)?.['identity'] as Json | undefined;
    const method = (identity?.['methods'] as string[] | undefined)?.[0];
    const template = clone(this.#body('identity.token.password')['token'] as Json);
    let exchange: string;
    let token: Json;
    if (method === 'application_credential') {
      const credential = identity?.['application_credential'] as Json | undefined;
      if (credential?.['id'] !== REPLAY_APPLICATION_CREDENTIAL.id || credential['secret'] !== REPLAY_APPLICATION_CREDENTIAL.secret) return { exchange: 'identity.error.unauthorized' };
      exchange = 'identity.token.applicationCredential';
      // The reference's example lists only the identity service; a real catalog lists them all.
      token = { ...clone(this.#body(exchange)['token'] as Json), catalog: template['catalog'], project: template['project'] };
      this.issued.applicationCredential += 1;
    } else {
      const user = ((identity?.['password'] as Json | undefined)?.['user'] as Json | undefined) ?? {};
      const scope = ((request.json as Json)['auth'] as Json)['scope'] as Json | undefined;
      const project = scope?.['project'] as Json | undefined;
      const projectOk = project?.['id'] === this.projectId || project?.['name'] === REPLAY_USER.projectName;
      if (user['name'] !== REPLAY_USER.username || user['password'] !== REPLAY_USER.password || !projectOk) return { exchange: 'identity.error.unauthorized' };
      exchange = 'identity.token.password';
      token = template;
      this.issued.password += 1;
    }
    const value = `gAAAAA${randomBytes(24).toString('base64url')}`;
    const expiresAt = Date.now() + this.#tokenTtlMs;
    this.#tokens.set(value, expiresAt);
    const catalog = JSON.parse(JSON.stringify(token['catalog']).replaceAll('{project_id}', this.projectId)) as unknown;
    return {
      exchange,
      headers: { 'x-subject-token': value },
      body: { token: { ...token, catalog, expires_at: new Date(expiresAt).toISOString(), issued_at: new Date().toISOString() } },
    };
  }

  // ---- compute --------------------------------------------------------------------------------

  #serverBody(s: ServerState): Json {
    const template = clone(this.#body('compute.server.show')['server'] as Json);
    const flavor = this.flavors.find((f) => f['id'] === s.flavorId) ?? {};
    const links = JSON.parse(JSON.stringify(template['links']).replaceAll(template['id'] as string, s.id)) as unknown;
    const image = template['image'] as Json;
    return {
      ...template,
      id: s.id,
      name: s.name,
      status: s.status,
      'OS-EXT-STS:task_state': s.task,
      'OS-EXT-STS:vm_state': s.vmState,
      'OS-EXT-STS:power_state': s.power,
      'OS-EXT-AZ:availability_zone': s.zone,
      'OS-EXT-SRV-ATTR:hostname': s.name,
      'OS-EXT-SRV-ATTR:user_data': s.userData,
      flavor: { ...(template['flavor'] as Json), original_name: flavor['name'], vcpus: flavor['vcpus'], ram: flavor['ram'], disk: flavor['disk'], extra_specs: flavor['extra_specs'] },
      image: { id: s.imageId, links: JSON.parse(JSON.stringify(image['links']).replaceAll(image['id'] as string, s.imageId)) as unknown },
      key_name: s.keyName,
      links,
      locked: false,
      locked_reason: null,
      metadata: { ...s.metadata },
      // Addresses appear once the network is allocated, as in Nova.
      addresses: s.status === 'BUILD' ? {} : template['addresses'],
      security_groups: s.groups.map((id) => ({ name: (this.groups.get(id)?.record['name'] as string | undefined) ?? id })),
      'os-extended-volumes:volumes_attached': [...this.volumes.values()].filter((v) => ((v.record['attachments'] as Json[]) ?? []).some((a) => a['server_id'] === s.id)).map((v) => ({ id: v.record['id'], delete_on_termination: false })),
      created: s.created,
      updated: s.updated,
      tenant_id: this.projectId,
    };
  }

  #computeNotFound(what: string): ReplayAnswer {
    return { exchange: 'compute.error.itemNotFound', message: `${what} could not be found.` };
  }

  #createServer(request: ReplayRequest): ReplayAnswer {
    const body = (request.json as Json)['server'] as Json;
    const flavorId = String(body['flavorRef']);
    const imageId = String(body['imageRef']);
    if (!this.flavors.some((f) => f['id'] === flavorId)) return { exchange: 'compute.error.badRequest', message: `Flavor ${flavorId} could not be found.` };
    const image = this.images.get(imageId);
    if (image === undefined || image.record['status'] !== 'active') return { exchange: 'compute.error.badRequest', message: `Image ${imageId} could not be found.` };
    const keyName = (body['key_name'] as string | undefined) ?? null;
    if (keyName !== null && !this.keyPairs.has(keyName)) return { exchange: 'compute.error.badRequest', message: 'Invalid key_name provided.' };
    const zone = (body['availability_zone'] as string | undefined) ?? 'nova';
    if (zone !== 'nova') return { exchange: 'compute.error.badRequest', message: 'The requested availability zone is not available' };
    const groups: string[] = [];
    for (const { name } of (body['security_groups'] as { name: string }[] | undefined) ?? [{ name: 'default' }]) {
      const group = this.groups.get(name) ?? [...this.groups.values()].find((g) => g.record['name'] === name);
      if (group === undefined) return { exchange: 'compute.error.badRequest', message: `Security group ${name} not found for project ${this.projectId}.` };
      groups.push(group.record['id'] as string);
    }
    const id = randomUUID();
    const server: ServerState = {
      id,
      name: String(body['name']),
      flavorId,
      imageId,
      keyName,
      zone,
      metadata: { ...(body['metadata'] as Record<string, string> | undefined) },
      groups,
      status: 'BUILD',
      task: 'spawning',
      vmState: 'building',
      power: 0,
      userData: (body['user_data'] as string | undefined) ?? null,
      created: now(),
      updated: now(),
    };
    this.servers.set(id, server);
    this.#later(() => this.#set(server, 'ACTIVE', null, 'active', 1));
    const template = clone(this.#body('compute.server.create'));
    const recorded = template['server'] as Json;
    const links = JSON.parse(JSON.stringify(recorded['links']).replaceAll(recorded['id'] as string, id)) as unknown;
    return {
      exchange: 'compute.server.create',
      headers: { location: `${this.server.base}/compute/v2.1/servers/${id}` },
      body: { server: { ...recorded, id, links, adminPass: randomBytes(9).toString('base64url'), security_groups: server.groups.map((g) => ({ name: this.groups.get(g)?.record['name'] })) } },
    };
  }

  #set(s: ServerState, status: string, task: string | null, vmState: string, power: number): void {
    if (!this.servers.has(s.id)) return;
    Object.assign(s, { status, task, vmState, power, updated: now() });
  }

  #action(request: ReplayRequest): ReplayAnswer {
    const s = this.servers.get(request.params['server_id'] ?? '');
    const body = (request.json ?? {}) as Json;
    const action = Object.keys(body)[0] ?? '';
    const exchange = `compute.server.action.${action}`;
    if (!this.server.exchanges.has(exchange)) return { exchange: 'compute.error.badRequest', message: `There is no such action: ${action}` };
    if (s === undefined) return this.#computeNotFound(`Instance ${request.params['server_id']}`);
    const conflict = (): ReplayAnswer => ({
      exchange: 'compute.error.conflictingRequest',
      message: s.task !== null ? `Cannot '${action}' instance ${s.id} while it is in task_state ${s.task}` : `Cannot '${action}' instance ${s.id} while it is in vm_state ${s.vmState}`,
    });
    switch (action) {
      case 'os-stop':
        if (s.task !== null || s.vmState !== 'active') return conflict();
        this.#set(s, 'ACTIVE', 'powering-off', 'active', 1);
        this.#later(() => this.#set(s, 'SHUTOFF', null, 'stopped', 4));
        return { exchange };
      case 'os-start':
        if (s.task !== null || s.vmState !== 'stopped') return conflict();
        this.#set(s, 'SHUTOFF', 'powering-on', 'stopped', 4);
        this.#later(() => this.#set(s, 'ACTIVE', null, 'active', 1));
        return { exchange };
      case 'reboot': {
        if (s.task !== null || s.vmState !== 'active') return conflict();
        const hard = ((body['reboot'] as Json)['type'] as string) === 'HARD';
        this.#set(s, hard ? 'HARD_REBOOT' : 'REBOOT', hard ? 'rebooting_hard' : 'rebooting', 'active', 1);
        this.#later(() => this.#set(s, 'ACTIVE', null, 'active', 1));
        return { exchange };
      }
      case 'os-getConsoleOutput':
        if (s.vmState !== 'active' && s.vmState !== 'stopped') return conflict();
        return { exchange };
      case 'createImage': {
        if (s.task !== null) return conflict();
        const args = body['createImage'] as Json;
        const source = this.images.get(s.imageId);
        const id = randomUUID();
        const record = this.#newImage(id, {
          name: args['name'],
          disk_format: source?.record['disk_format'] ?? 'qcow2',
          container_format: 'bare',
          visibility: 'private',
          ...(source?.record['architecture'] === undefined ? {} : { architecture: source.record['architecture'] }),
          ...(args['metadata'] as Json | undefined),
          image_type: 'snapshot',
          instance_uuid: s.id,
          base_image_ref: s.imageId,
        });
        const image: ImageState = { record, data: undefined };
        this.images.set(id, image);
        // The snapshot holds the server's disk; here that is its image's data.
        this.#later(() => Object.assign(image.record, { status: 'saving' }));
        this.#later(() => {
          image.data = source?.data ?? Buffer.alloc(0);
          image.record = this.#withData({ ...image.record, status: 'active' }, image.data);
        }, 2);
        return { exchange, body: { image_id: id } };
      }
      default:
        return { exchange: 'compute.error.badRequest', message: `There is no such action: ${action}` };
    }
  }

  #deleteServer(request: ReplayRequest): ReplayAnswer {
    const s = this.servers.get(request.params['server_id'] ?? '');
    if (s === undefined) return this.#computeNotFound(`Instance ${request.params['server_id']}`);
    if (s.task === 'deleting') return { exchange: 'compute.server.delete' };
    s.task = 'deleting';
    this.#later(() => {
      this.servers.delete(s.id);
      for (const v of this.volumes.values()) {
        if (((v.record['attachments'] as Json[]) ?? []).some((a) => a['server_id'] === s.id)) Object.assign(v.record, { attachments: [], status: 'available' });
      }
    });
    return { exchange: 'compute.server.delete' };
  }

  #keyPairBody(k: KeyPairState, exchange: string): Json {
    const recorded = (this.#body(exchange)['keypair'] ?? {}) as Json;
    return { ...recorded, name: k.name, fingerprint: k.fingerprint, public_key: k.publicKey, ...(exchange === 'compute.keypair.show' ? { created_at: k.createdAt } : {}) };
  }

  #createKeyPair(request: ReplayRequest): ReplayAnswer {
    const body = (request.json as Json)['keypair'] as Json;
    const name = String(body['name'] ?? '');
    if (name === '' || name.length > 255 || !/^[\w .@-]+$/.test(name)) return { exchange: 'compute.error.badRequest', message: "Invalid input for field/attribute name. Value: ''. '' is too short" };
    if (this.keyPairs.has(name)) return { exchange: 'compute.error.conflictingRequest', message: `Key pair '${name}' already exists.` };
    const imported = body['public_key'];
    if (typeof imported === 'string') {
      const blob = parsePublicKey(imported);
      if (blob === undefined) return { exchange: 'compute.error.badRequest', message: 'Keypair data is invalid: failed to generate fingerprint' };
      const k: KeyPairState = { name, publicKey: imported, fingerprint: fingerprint(blob), createdAt: novaTime() };
      this.keyPairs.set(name, k);
      return { exchange: 'compute.keypair.import', body: { keypair: this.#keyPairBody(k, 'compute.keypair.import') } };
    }
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshString(mpint(jwk.e ?? '')), sshString(mpint(jwk.n ?? ''))]);
    const k: KeyPairState = { name, publicKey: `ssh-rsa ${blob.toString('base64')} Generated-by-Nova\n`, fingerprint: fingerprint(blob), createdAt: novaTime() };
    this.keyPairs.set(name, k);
    const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    return { exchange: 'compute.keypair.create', body: { keypair: { ...this.#keyPairBody(k, 'compute.keypair.create'), private_key: pem } } };
  }

  #attach(request: ReplayRequest): ReplayAnswer {
    const s = this.servers.get(request.params['server_id'] ?? '');
    if (s === undefined || s.task === 'deleting') return this.#computeNotFound(`Instance ${request.params['server_id']}`);
    const args = (request.json as Json)['volumeAttachment'] as Json;
    const volumeId = String(args['volumeId']);
    const v = this.volumes.get(volumeId);
    if (v === undefined) return this.#computeNotFound(`Volume ${volumeId}`);
    if (v.record['status'] !== 'available') return { exchange: 'compute.error.badRequest', message: `Invalid volume: volume ${volumeId} status must be available, but current status is: ${String(v.record['status'])}` };
    const used = [...this.volumes.values()].flatMap((x) => ((x.record['attachments'] as Json[]) ?? []).filter((a) => a['server_id'] === s.id).map((a) => a['device']));
    const device = (args['device'] as string | undefined) ?? `/dev/vd${'bcdefghijklmnop'.split('').find((l) => !used.includes(`/dev/vd${l}`)) ?? 'z'}`;
    Object.assign(v.record, { status: 'attaching' });
    this.#later(() => {
      Object.assign(v.record, {
        status: 'in-use',
        attachments: [{ server_id: s.id, attachment_id: randomUUID(), attached_at: novaTime(), host_name: null, volume_id: volumeId, device, id: volumeId }],
      });
    });
    const recorded = (this.#body('compute.volume-attachment.create')['volumeAttachment'] ?? {}) as Json;
    return { exchange: 'compute.volume-attachment.create', body: { volumeAttachment: { ...recorded, device, id: volumeId, serverId: s.id, volumeId, tag: null } } };
  }

  #detach(request: ReplayRequest): ReplayAnswer {
    const s = this.servers.get(request.params['server_id'] ?? '');
    if (s === undefined) return this.#computeNotFound(`Instance ${request.params['server_id']}`);
    const v = this.volumes.get(request.params['volume_id'] ?? '');
    const attached = v !== undefined && ((v.record['attachments'] as Json[]) ?? []).some((a) => a['server_id'] === s.id);
    if (v === undefined || !attached) return this.#computeNotFound(`volume_id not found: ${request.params['volume_id']}`);
    Object.assign(v.record, { status: 'detaching' });
    this.#later(() => Object.assign(v.record, { status: 'available', attachments: [] }));
    return { exchange: 'compute.volume-attachment.delete' };
  }

  #metadataRoutes(prefix: string, exchange: string, find: (r: ReplayRequest) => Record<string, string> | undefined, notFound: (r: ReplayRequest) => ReplayAnswer): void {
    this.#route('GET', `${prefix}/metadata`, (r) => {
      const m = find(r);
      return m === undefined ? notFound(r) : { exchange: `${exchange}.list`, body: { metadata: { ...m } } };
    });
    this.#route('POST', `${prefix}/metadata`, (r) => {
      const m = find(r);
      if (m === undefined) return notFound(r);
      Object.assign(m, (r.json as Json)['metadata']);
      return { exchange: `${exchange}.update`, body: { metadata: { ...m } } };
    });
    this.#route('DELETE', `${prefix}/metadata/{key}`, (r) => {
      const m = find(r);
      const key = r.params['key'] ?? '';
      if (m === undefined || !(key in m)) return notFound(r);
      delete m[key];
      return { exchange: `${exchange}.delete` };
    });
  }

  // ---- image ------------------------------------------------------------------------------------

  #newImage(id: string, fields: Json): Json {
    const template = clone(this.#body('image.image.create'));
    return {
      ...template,
      ...fields,
      id,
      status: 'queued',
      tags: (fields['tags'] as string[] | undefined) ?? [],
      self: `/v2/images/${id}`,
      file: `/v2/images/${id}/file`,
      owner: this.projectId,
      created_at: now(),
      updated_at: now(),
      size: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
    };
  }

  #withData(record: Json, data: Buffer): Json {
    return {
      ...record,
      size: data.length,
      checksum: createHash('md5').update(data).digest('hex'),
      os_hash_algo: 'sha512',
      os_hash_value: createHash('sha512').update(data).digest('hex'),
      updated_at: now(),
    };
  }

  #imageNotFound(id: string): ReplayAnswer {
    return { exchange: 'image.error.notFound', message: `No image found with ID ${id}` };
  }

  // ---- block storage ---------------------------------------------------------------------------

  #volumeNotFound(kind: 'Volume' | 'Snapshot', id: string): ReplayAnswer {
    return { exchange: 'volume.error.itemNotFound', message: `${kind} ${id} could not be found.` };
  }

  #volumeBody(v: VolumeState): Json {
    return { ...v.record, metadata: { ...(v.record['metadata'] as Json) } };
  }

  // ---- network ------------------------------------------------------------------------------------

  #groupBody(g: GroupState): Json {
    return { ...g.record, security_group_rules: g.rules.map((r) => ({ ...r })), tags: [...((g.record['tags'] as string[]) ?? [])] };
  }

  #groupNotFound(id: string): ReplayAnswer {
    return { exchange: 'network.error.SecurityGroupNotFound', message: `Security group ${id} does not exist` };
  }

  #newRule(groupId: string, fields: Json): Json {
    const template = clone((this.#body('network.security-group.show')['security_group'] as Json)['security_group_rules'] as Json[])[0] ?? {};
    return {
      ...template,
      id: randomUUID(),
      security_group_id: groupId,
      direction: fields['direction'],
      ethertype: fields['ethertype'] ?? 'IPv4',
      protocol: fields['protocol'] ?? null,
      port_range_min: fields['port_range_min'] ?? null,
      port_range_max: fields['port_range_max'] ?? null,
      remote_ip_prefix: fields['remote_ip_prefix'] ?? null,
      remote_group_id: fields['remote_group_id'] ?? null,
      project_id: this.projectId,
      tenant_id: this.projectId,
      created_at: now(),
      updated_at: now(),
    };
  }

  #createRules(request: ReplayRequest): ReplayAnswer {
    const asked = ((request.json as Json)['security_group_rules'] as Json[] | undefined) ?? [];
    const created: Json[] = [];
    const same = (a: Json, b: Json) => ['security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id'].every((k) => (a[k] ?? null) === (b[k] ?? null));
    for (const fields of asked) {
      const group = this.groups.get(String(fields['security_group_id']));
      if (group === undefined) return this.#groupNotFound(String(fields['security_group_id']));
      const rule = this.#newRule(group.record['id'] as string, fields);
      // The driver validates rules before sending them; anything invalid here is its bug.
      const protocol = rule['protocol'];
      if (!['tcp', 'udp', 'icmp', 'ipv6-icmp', null].includes(protocol as string | null)) throw new Error(`replay: unexpected protocol ${String(protocol)}`);
      if (rule['remote_ip_prefix'] !== null && !isCidr(String(rule['remote_ip_prefix']))) throw new Error(`replay: invalid remote_ip_prefix ${String(rule['remote_ip_prefix'])}`);
      const existing = [...group.rules, ...created].find((r) => same(r, rule));
      if (existing !== undefined) return { exchange: 'network.error.SecurityGroupRuleExists', message: `Security group rule already exists. Rule id is ${String(existing['id'])}.` };
      created.push(rule);
    }
    // All or nothing, as Neutron's bulk create.
    for (const rule of created) this.groups.get(rule['security_group_id'] as string)?.rules.push(rule);
    return { exchange: 'network.security-group-rules.create', body: { security_group_rules: created } };
  }

  // ---- routes -------------------------------------------------------------------------------------

  #routes(): void {
    this.#route('POST', '/identity/v3/auth/tokens', (r) => this.#issue(r), false);
    // Version discovery, which keystoneauth (the openstack CLI) does before authenticating.
    this.#route('GET', '/identity/v3', () => {
      const version = clone(this.#body('identity.version')['version'] as Json);
      return { exchange: 'identity.version', body: { version: { ...version, links: [{ href: `${this.server.base}/identity/v3/`, rel: 'self' }] } } };
    }, false);

    const c = '/compute/v2.1';
    this.#route('GET', c, () => {
      const version = clone(this.#body('compute.version')['version'] as Json);
      const links = [{ href: `${this.server.base}${c}/`, rel: 'self' }, ...(version['links'] as Json[]).filter((l) => l['rel'] !== 'self')];
      // The recordings are of microversion 2.73, so that is the newest this replay speaks.
      return { exchange: 'compute.version', body: { version: { ...version, links, version: '2.73' } } };
    }, false);
    this.#route('GET', `${c}/flavors`, (r) => {
      const page = this.#page(this.flavors, r, (f) => String(f['id']));
      const recorded = (this.#body('compute.flavors.list')['flavors'] as Json[])[0] ?? {};
      return { exchange: 'compute.flavors.list', body: { flavors: (page?.items ?? []).map((f) => ({ ...recorded, id: f['id'], name: f['name'], description: f['description'], links: f['links'] })) } };
    });
    this.#route('GET', `${c}/flavors/detail`, (r) => {
      const page = this.#page(this.flavors, r, (f) => String(f['id']));
      if (page === undefined) return { exchange: 'compute.error.badRequest', message: `marker [${r.query.get('marker')}] not found` };
      return { exchange: 'compute.flavors.detail', body: { flavors: page.items, ...(page.next === undefined ? {} : { flavors_links: [{ href: this.#link(`${c}/flavors/detail`, r, page.next), rel: 'next' }] }) } };
    });
    this.#route('GET', `${c}/flavors/{flavor_id}`, (r) => {
      const f = this.flavors.find((x) => x['id'] === r.params['flavor_id']);
      return f === undefined ? { exchange: 'compute.error.itemNotFound', message: `Flavor ${r.params['flavor_id']} could not be found.` } : { exchange: 'compute.flavor.show', body: { flavor: f } };
    });
    this.#route('GET', `${c}/flavors/{flavor_id}/os-extra_specs`, (r) => {
      const f = this.flavors.find((x) => x['id'] === r.params['flavor_id']);
      return f === undefined ? { exchange: 'compute.error.itemNotFound', message: `Flavor ${r.params['flavor_id']} could not be found.` } : { exchange: 'compute.flavor.extra-specs', body: { extra_specs: f['extra_specs'] ?? {} } };
    });
    this.#route('GET', `${c}/os-availability-zone`, () => ({ exchange: 'compute.availability-zones' }));
    this.#route('GET', `${c}/servers/detail`, (r) => {
      const page = this.#page([...this.servers.values()], r, (s) => s.id);
      if (page === undefined) return { exchange: 'compute.error.badRequest', message: `marker [${r.query.get('marker')}] not found` };
      return {
        exchange: 'compute.servers.detail',
        body: { servers: page.items.map((s) => this.#serverBody(s)), ...(page.next === undefined ? {} : { servers_links: [{ href: this.#link(`${c}/servers/detail`, r, page.next), rel: 'next' }] }) },
      };
    });
    this.#route('GET', `${c}/servers/{server_id}`, (r) => {
      const s = this.servers.get(r.params['server_id'] ?? '');
      return s === undefined ? this.#computeNotFound(`Instance ${r.params['server_id']}`) : { exchange: 'compute.server.show', body: { server: this.#serverBody(s) } };
    });
    this.#route('POST', `${c}/servers`, (r) => this.#createServer(r));
    this.#route('DELETE', `${c}/servers/{server_id}`, (r) => this.#deleteServer(r));
    this.#route('POST', `${c}/servers/{server_id}/action`, (r) => this.#action(r));
    this.#metadataRoutes(`${c}/servers/{server_id}`, 'compute.server.metadata', (r) => this.servers.get(r.params['server_id'] ?? '')?.metadata, (r) => this.#computeNotFound(`Instance ${r.params['server_id']}`));
    this.#route('POST', `${c}/servers/{server_id}/os-volume_attachments`, (r) => this.#attach(r));
    this.#route('DELETE', `${c}/servers/{server_id}/os-volume_attachments/{volume_id}`, (r) => this.#detach(r));
    this.#route('GET', `${c}/os-keypairs`, (r) => {
      const page = this.#page([...this.keyPairs.values()], r, (k) => k.name);
      if (page === undefined) return { exchange: 'compute.error.badRequest', message: `marker [${r.query.get('marker')}] not found` };
      return {
        exchange: 'compute.keypairs.list',
        body: {
          keypairs: page.items.map((k) => ({ keypair: { ...this.#keyPairBody(k, 'compute.keypair.import'), user_id: undefined } })),
          ...(page.next === undefined ? {} : { keypairs_links: [{ href: this.#link(`${c}/os-keypairs`, r, page.next), rel: 'next' }] }),
        },
      };
    });
    this.#route('GET', `${c}/os-keypairs/{keypair_name}`, (r) => {
      const k = this.keyPairs.get(r.params['keypair_name'] ?? '');
      return k === undefined ? { exchange: 'compute.error.itemNotFound', message: `Keypair ${r.params['keypair_name']} not found for user fake` } : { exchange: 'compute.keypair.show', body: { keypair: this.#keyPairBody(k, 'compute.keypair.show') } };
    });
    this.#route('POST', `${c}/os-keypairs`, (r) => this.#createKeyPair(r));
    this.#route('DELETE', `${c}/os-keypairs/{keypair_name}`, (r) => {
      const name = r.params['keypair_name'] ?? '';
      if (!this.keyPairs.delete(name)) return { exchange: 'compute.error.itemNotFound', message: `Keypair ${name} not found for user fake` };
      return { exchange: 'compute.keypair.delete' };
    });

    const i = '/image/v2';
    this.#route('GET', '/image', () => {
      const versions = (clone(this.#body('image.versions')['versions'] as Json[])).map((x) => ({ ...x, links: [{ href: `${this.server.base}${i}/`, rel: 'self' }] }));
      return { exchange: 'image.versions', body: { versions } };
    }, false);
    this.#route('GET', `${i}/images`, (r) => {
      const name = r.query.get('name');
      const all = [...this.images.values()].filter((x) => name === null || x.record['name'] === name);
      const page = this.#page(all, r, (x) => String(x.record['id']));
      if (page === undefined) throw new Error(`replay: marker ${r.query.get('marker')} not found`);
      const recorded = this.#body('image.images.list');
      const { next: _next, ...rest } = recorded;
      return { exchange: 'image.images.list', body: { ...rest, images: page.items.map((x) => x.record), ...(page.next === undefined ? {} : { next: `/v2/images?limit=${r.query.get('limit') ?? ''}&marker=${page.next}` }) } };
    });
    this.#route('GET', `${i}/images/{image_id}`, (r) => {
      const image = this.images.get(r.params['image_id'] ?? '');
      return image === undefined ? this.#imageNotFound(r.params['image_id'] ?? '') : { exchange: 'image.image.show', body: image.record };
    });
    this.#route('POST', `${i}/images`, (r) => {
      const id = randomUUID();
      const record = this.#newImage(id, r.json as Json);
      this.images.set(id, { record, data: undefined });
      return { exchange: 'image.image.create', body: record, headers: { location: `${this.server.base}/image/v2/images/${id}` } };
    });
    this.#route('DELETE', `${i}/images/{image_id}`, (r) => {
      if (!this.images.delete(r.params['image_id'] ?? '')) return this.#imageNotFound(r.params['image_id'] ?? '');
      return { exchange: 'image.image.delete' };
    });
    this.#route('PUT', `${i}/images/{image_id}/file`, (r) => {
      const image = this.images.get(r.params['image_id'] ?? '');
      if (image === undefined) return this.#imageNotFound(r.params['image_id'] ?? '');
      if (image.record['status'] !== 'queued') return { exchange: 'image.error.conflict', message: `Image status transition from ${String(image.record['status'])} to saving is not allowed` };
      image.record['status'] = 'saving';
      const data = Buffer.from(r.raw);
      this.#later(() => {
        image.data = data;
        image.record = this.#withData({ ...image.record, status: 'active' }, data);
      });
      return { exchange: 'image.file.upload' };
    });
    this.#route('GET', `${i}/images/{image_id}/file`, (r) => {
      const image = this.images.get(r.params['image_id'] ?? '');
      if (image === undefined) return this.#imageNotFound(r.params['image_id'] ?? '');
      if (image.data === undefined) return { exchange: 'image.error.notFound', message: `Image ${image.record['id'] as string} has no data.` };
      return { exchange: 'image.file.download', data: image.data, headers: { 'content-md5': String(image.record['checksum']), 'content-length': String(image.data.length) } };
    });
    this.#route('PUT', `${i}/images/{image_id}/tags/{tag}`, (r) => {
      const image = this.images.get(r.params['image_id'] ?? '');
      if (image === undefined) return this.#imageNotFound(r.params['image_id'] ?? '');
      const tags = image.record['tags'] as string[];
      if (!tags.includes(r.params['tag'] ?? '')) tags.push(r.params['tag'] ?? '');
      return { exchange: 'image.tag.add' };
    });
    this.#route('DELETE', `${i}/images/{image_id}/tags/{tag}`, (r) => {
      const image = this.images.get(r.params['image_id'] ?? '');
      if (image === undefined) return this.#imageNotFound(r.params['image_id'] ?? '');
      const tags = image.record['tags'] as string[];
      const at = tags.indexOf(r.params['tag'] ?? '');
      if (at < 0) return { exchange: 'image.error.notFound', message: `Tag ${r.params['tag']} not found` };
      tags.splice(at, 1);
      return { exchange: 'image.tag.delete' };
    });

    const v = '/volume/v3/{project_id}';
    const volume = (r: ReplayRequest) => (r.params['project_id'] === this.projectId ? this.volumes.get(r.params['volume_id'] ?? '') : undefined);
    const snapshot = (r: ReplayRequest) => (r.params['project_id'] === this.projectId ? this.snapshots.get(r.params['snapshot_id'] ?? '') : undefined);
    this.#route('GET', `${v}/volumes/detail`, (r) => {
      const page = this.#page([...this.volumes.values()], r, (x) => String(x.record['id']));
      if (page === undefined) return { exchange: 'volume.error.badRequest', message: `Invalid input received: marker [${r.query.get('marker')}] not found` };
      return {
        exchange: 'volume.volumes.detail',
        body: { volumes: page.items.map((x) => this.#volumeBody(x)), ...(page.next === undefined ? {} : { volumes_links: [{ href: this.#link(`/volume/v3/${this.projectId}/volumes/detail`, r, page.next), rel: 'next' }] }) },
      };
    });
    this.#route('GET', `${v}/volumes/{volume_id}`, (r) => {
      const x = volume(r);
      return x === undefined ? this.#volumeNotFound('Volume', r.params['volume_id'] ?? '') : { exchange: 'volume.volume.show', body: { volume: this.#volumeBody(x) } };
    });
    this.#route('POST', `${v}/volumes`, (r) => {
      const args = (r.json as Json)['volume'] as Json;
      const size = Number(args['size']);
      if (size > 1000) return { exchange: 'volume.error.overLimit', message: `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${size}G, quota is 1000G and 0G has been consumed.` };
      const fromSnapshot = args['snapshot_id'] as string | undefined;
      if (fromSnapshot !== undefined) {
        const s = this.snapshots.get(fromSnapshot);
        if (s === undefined) return this.#volumeNotFound('Snapshot', fromSnapshot);
        if (s.record['status'] !== 'available') return { exchange: 'volume.error.badRequest', message: `Invalid snapshot: Originating snapshot status must be one of 'available' values` };
        if (size < Number(s.record['size'])) return { exchange: 'volume.error.badRequest', message: `Invalid input received: Volume size '${size}'GB cannot be smaller than the snapshot size ${String(s.record['size'])}GB.` };
      }
      const template = clone((this.#body('volume.volume.show')['volume'] as Json));
      const id = randomUUID();
      const links = JSON.parse(JSON.stringify(template['links']).replaceAll(template['id'] as string, id).replaceAll(template['os-vol-tenant-attr:tenant_id'] as string, this.projectId)) as unknown;
      const record: Json = {
        ...template,
        id,
        links,
        name: args['name'] ?? null,
        size,
        status: 'creating',
        availability_zone: args['availability_zone'] ?? 'nova',
        snapshot_id: fromSnapshot ?? null,
        metadata: { ...(args['metadata'] as Json | undefined) },
        attachments: [],
        created_at: novaTime(),
        updated_at: null,
        'os-vol-tenant-attr:tenant_id': this.projectId,
      };
      const state: VolumeState = { record };
      this.volumes.set(id, state);
      this.#later(() => {
        if (state.record['status'] === 'creating') Object.assign(state.record, { status: 'available', updated_at: novaTime() });
      });
      return { exchange: 'volume.volume.create', body: { volume: this.#volumeBody(state) } };
    });
    this.#route('DELETE', `${v}/volumes/{volume_id}`, (r) => {
      const x = volume(r);
      if (x === undefined) return this.#volumeNotFound('Volume', r.params['volume_id'] ?? '');
      const hasSnapshots = [...this.snapshots.values()].some((s) => s.record['volume_id'] === x.record['id']);
      if (!['available', 'error'].includes(String(x.record['status'])) || hasSnapshots) return { exchange: 'volume.error.badRequest' };
      x.record['status'] = 'deleting';
      this.#later(() => this.volumes.delete(String(x.record['id'])));
      return { exchange: 'volume.volume.delete' };
    });
    this.#metadataRoutes(`${v}/volumes/{volume_id}`, 'volume.volume.metadata', (r) => volume(r)?.record['metadata'] as Record<string, string> | undefined, (r) => this.#volumeNotFound('Volume', r.params['volume_id'] ?? ''));
    this.#route('GET', `${v}/snapshots/detail`, (r) => {
      const page = this.#page([...this.snapshots.values()], r, (x) => String(x.record['id']));
      if (page === undefined) return { exchange: 'volume.error.badRequest', message: `Invalid input received: marker [${r.query.get('marker')}] not found` };
      return {
        exchange: 'volume.snapshots.detail',
        body: { snapshots: page.items.map((x) => this.#volumeBody(x)), ...(page.next === undefined ? {} : { snapshots_links: [{ href: this.#link(`/volume/v3/${this.projectId}/snapshots/detail`, r, page.next), rel: 'next' }] }) },
      };
    });
    this.#route('POST', `${v}/snapshots`, (r) => {
      const args = (r.json as Json)['snapshot'] as Json;
      const source = this.volumes.get(String(args['volume_id']));
      if (source === undefined) return this.#volumeNotFound('Volume', String(args['volume_id']));
      if (source.record['status'] === 'in-use' && args['force'] !== true) return { exchange: 'volume.error.badRequest', message: "Invalid volume: Volume status must be 'available'." };
      if (!['available', 'in-use'].includes(String(source.record['status']))) return { exchange: 'volume.error.badRequest', message: `Invalid volume: Volume ${String(source.record['id'])} status must be available or in-use, but current status is: ${String(source.record['status'])}.` };
      const template = clone((this.#body('volume.snapshot.show')['snapshot'] as Json));
      const id = randomUUID();
      const record: Json = {
        ...template,
        id,
        name: args['name'] ?? null,
        description: args['description'] ?? null,
        volume_id: source.record['id'],
        size: source.record['size'],
        status: 'creating',
        'os-extended-snapshot-attributes:progress': '0%',
        'os-extended-snapshot-attributes:project_id': this.projectId,
        metadata: { ...(args['metadata'] as Json | undefined) },
        created_at: novaTime(),
        updated_at: null,
      };
      const state: VolumeState = { record };
      this.snapshots.set(id, state);
      this.#later(() => {
        if (state.record['status'] === 'creating') Object.assign(state.record, { status: 'available', 'os-extended-snapshot-attributes:progress': '100%', updated_at: novaTime() });
      });
      const recorded = (this.#body('volume.snapshot.create')['snapshot'] as Json);
      const body = Object.fromEntries(Object.keys(recorded).map((k) => [k, record[k]]));
      return { exchange: 'volume.snapshot.create', body: { snapshot: body } };
    });
    this.#route('GET', `${v}/snapshots/{snapshot_id}`, (r) => {
      const x = snapshot(r);
      return x === undefined ? this.#volumeNotFound('Snapshot', r.params['snapshot_id'] ?? '') : { exchange: 'volume.snapshot.show', body: { snapshot: this.#volumeBody(x) } };
    });
    this.#route('DELETE', `${v}/snapshots/{snapshot_id}`, (r) => {
      const x = snapshot(r);
      if (x === undefined) return this.#volumeNotFound('Snapshot', r.params['snapshot_id'] ?? '');
      if (!['available', 'error'].includes(String(x.record['status']))) return { exchange: 'volume.error.badRequest', message: 'Invalid snapshot: Volume Snapshot status must be available or error and must not be part of a group.' };
      x.record['status'] = 'deleting';
      this.#later(() => this.snapshots.delete(String(x.record['id'])));
      return { exchange: 'volume.snapshot.delete' };
    });
    this.#metadataRoutes(`${v}/snapshots/{snapshot_id}`, 'volume.snapshot.metadata', (r) => snapshot(r)?.record['metadata'] as Record<string, string> | undefined, (r) => this.#volumeNotFound('Snapshot', r.params['snapshot_id'] ?? ''));

    const n = '/networking/v2.0';
    this.#route('GET', `${n}/security-groups`, (r) => {
      const project = r.query.get('project_id');
      const name = r.query.get('name');
      const all = [...this.groups.values()].filter((g) => (project === null || g.record['project_id'] === project) && (name === null || g.record['name'] === name));
      const page = this.#page(all, r, (g) => String(g.record['id']));
      if (page === undefined) throw new Error(`replay: marker ${r.query.get('marker')} not found`);
      return {
        exchange: 'network.security-groups.list',
        body: { security_groups: page.items.map((g) => this.#groupBody(g)), ...(page.next === undefined ? {} : { security_groups_links: [{ href: this.#link(`${n}/security-groups`, r, page.next), rel: 'next' }] }) },
      };
    });
    this.#route('GET', `${n}/security-groups/{security_group_id}`, (r) => {
      const g = this.groups.get(r.params['security_group_id'] ?? '');
      return g === undefined ? this.#groupNotFound(r.params['security_group_id'] ?? '') : { exchange: 'network.security-group.show', body: { security_group: this.#groupBody(g) } };
    });
    this.#route('POST', `${n}/security-groups`, (r) => {
      const args = (r.json as Json)['security_group'] as Json;
      const id = randomUUID();
      const template = clone(this.#body('network.security-group.show')['security_group'] as Json);
      const group: GroupState = {
        record: { ...template, id, name: args['name'], description: args['description'] ?? '', project_id: this.projectId, tenant_id: this.projectId, created_at: now(), updated_at: now(), revision_number: 1, tags: [] },
        rules: [],
      };
      // Neutron gives every new group the two "allow all outbound" rules.
      group.rules.push(this.#newRule(id, { direction: 'egress', ethertype: 'IPv4' }), this.#newRule(id, { direction: 'egress', ethertype: 'IPv6' }));
      this.groups.set(id, group);
      return { exchange: 'network.security-group.create', body: { security_group: this.#groupBody(group) } };
    });
    this.#route('DELETE', `${n}/security-groups/{security_group_id}`, (r) => {
      const id = r.params['security_group_id'] ?? '';
      if (!this.groups.has(id)) return this.#groupNotFound(id);
      if ([...this.servers.values()].some((s) => s.groups.includes(id))) return { exchange: 'network.error.SecurityGroupInUse', message: `Security Group ${id} in use.` };
      this.groups.delete(id);
      return { exchange: 'network.security-group.delete' };
    });
    this.#route('POST', `${n}/security-group-rules`, (r) => this.#createRules(r));
    this.#route('DELETE', `${n}/security-group-rules/{security_group_rule_id}`, (r) => {
      const id = r.params['security_group_rule_id'] ?? '';
      for (const g of this.groups.values()) {
        const at = g.rules.findIndex((x) => x['id'] === id);
        if (at >= 0) {
          g.rules.splice(at, 1);
          return { exchange: 'network.security-group-rule.delete' };
        }
      }
      return { exchange: 'network.error.SecurityGroupRuleNotFound', message: `Security group rule ${id} does not exist` };
    });
    this.#route('PUT', `${n}/security-groups/{security_group_id}/tags`, (r) => {
      const g = this.groups.get(r.params['security_group_id'] ?? '');
      if (g === undefined) return this.#groupNotFound(r.params['security_group_id'] ?? '');
      g.record['tags'] = [...((r.json as Json)['tags'] as string[])];
      return { exchange: 'network.tags.replace', body: { tags: g.record['tags'] } };
    });
  }
}

/** An SSH mpint from a JWK base64url number: big-endian, with a 0 byte when the top bit is set. */
function mpint(base64url: string): Buffer {
  const bytes = Buffer.from(base64url, 'base64url');
  return (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}
