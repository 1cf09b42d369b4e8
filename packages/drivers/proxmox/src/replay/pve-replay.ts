/**
 * A loopback Proxmox VE cluster that answers only with the exchanges of the API viewer recorded
 * in `fixtures/pve-api.json`, starting from `fixtures/pve-cluster.json`, and stateful enough for
 * the conformance suite: VMIDs, clones, UPID tasks that take time, power states, templates,
 * uploads to an import storage. Each request is checked against its recording: path template,
 * authentication (API token, or ticket cookie plus CSRFPreventionToken on writes), documented
 * parameter names and types, required ones present. Anything else is a violation, answered with
 * the recorded error and kept in `violations`, which tests assert is empty.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runQemuImg } from '@skyport/disk';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

interface ParamSpec {
  readonly type: 'integer' | 'boolean' | 'string' | 'file';
  readonly required?: boolean;
  readonly enum?: readonly string[];
}

interface Exchange {
  readonly doc: string;
  readonly request: { readonly method: string; readonly path: string; readonly params: Readonly<Record<string, ParamSpec>> };
  readonly response: { readonly status: number; readonly example: { readonly data: unknown }; readonly returns?: readonly string[] };
}

interface RecordedError {
  readonly doc: string;
  readonly status: number;
  readonly reason: string;
  readonly body: Readonly<Record<string, unknown>>;
}

interface Recordings {
  readonly exchanges: Readonly<Record<string, Exchange>>;
  readonly errors: Readonly<Record<string, RecordedError>>;
}

type Config = Record<string, string | number>;

interface Vm {
  vmid: number;
  node: string;
  status: 'running' | 'stopped';
  lock?: string;
  config: Config;
}

interface Task {
  readonly upid: string;
  readonly node: string;
  readonly type: string;
  readonly id: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
}

/** A call answered with a recorded error; `fill` replaces `{name}` placeholders in its message. */
class PveFault extends Error {
  constructor(
    readonly error: string,
    readonly fill: Readonly<Record<string, string>> = {},
    readonly override?: string,
  ) {
    super(error);
  }
}

export const REPLAY_TOKEN = { tokenId: 'skyport@pve!broker', secret: '4f6c2a9e-1b3d-4e5f-8a7b-9c0d1e2f3a4b' } as const;
export const REPLAY_USER = { username: 'root@pam', password: 'pve-lab-password' } as const;

export interface PveReplayOptions {
  /** How long a task runs. */
  readonly taskMs?: number;
  /** Serve https with this key and certificate (clients that only speak https). */
  readonly tls?: { readonly key: string; readonly cert: string };
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly pathParams: Record<string, string>;
  readonly file?: Buffer;
}

export class PveReplay {
  readonly recordings: Recordings;
  readonly violations: string[] = [];
  /** Every request, `METHOD path`. */
  readonly log: string[] = [];
  readonly used = new Map<string, number>();
  readonly #nodes: Record<string, unknown>[];
  readonly #storage: Record<string, unknown>[];
  readonly #vms = new Map<number, Vm>();
  readonly #tasks = new Map<string, Task>();
  readonly #tickets = new Map<string, string>();
  /** Uploaded files on the import storage, by volume id. */
  readonly #imports = new Map<string, { path: string; format: string; bytes: number }>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #taskMs: number;
  #server: Server | undefined;
  #url = '';
  #work = '';
  #pid = 0x0b4000;

  private constructor(options: PveReplayOptions) {
    this.#taskMs = options.taskMs ?? 40;
    this.recordings = JSON.parse(readFileSync(join(FIXTURES, 'pve-api.json'), 'utf8')) as Recordings;
    const cluster = (JSON.parse(readFileSync(join(FIXTURES, 'pve-cluster.json'), 'utf8')) as { cluster: { nodes: Record<string, unknown>[]; storage: Record<string, unknown>[]; vms: Record<string, Omit<Vm, 'vmid'>> } }).cluster;
    this.#nodes = cluster.nodes;
    this.#storage = cluster.storage;
    for (const [vmid, vm] of Object.entries(cluster.vms)) this.#vms.set(Number(vmid), { ...vm, vmid: Number(vmid), config: { ...vm.config, digest: this.#digest() } });
  }

  static async start(options: PveReplayOptions = {}): Promise<PveReplay> {
    const replay = new PveReplay(options);
    replay.#work = await mkdtemp(join(tmpdir(), 'skyport-pve-replay-'));
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      void replay.#handle(req, res).catch((error: unknown) => {
        replay.violations.push(`replay failed on ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) res.writeHead(500, 'replay failure', { 'content-type': 'application/json' });
        res.end('{"data":null}');
      });
    };
    const server = options.tls === undefined ? createHttpServer(handler) : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    replay.#server = server;
    replay.#url = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return replay;
  }

  get url(): string {
    return this.#url;
  }

  get port(): number {
    return Number(new URL(this.#url).port);
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await rm(this.#work, { recursive: true, force: true });
  }

  /** Expires every ticket, as two hours passing does. */
  expireTickets(): void {
    this.#tickets.clear();
  }

  /** VMs as the cluster holds them, for tests that check what a client left. */
  vms(): { vmid: number; node: string; status: string; lock?: string; template: boolean; config: Readonly<Config> }[] {
    return [...this.#vms.values()].map((vm) => ({ vmid: vm.vmid, node: vm.node, status: vm.status, ...(vm.lock === undefined ? {} : { lock: vm.lock }), template: vm.config['template'] === 1, config: { ...vm.config } }));
  }

  importVolumes(): string[] {
    return [...this.#imports.keys()];
  }

  #digest(): string {
    return randomBytes(20).toString('hex');
  }

  // ---- HTTP ------------------------------------------------------------------------------

  static readonly ROUTES: readonly (readonly [string, string, string])[] = [
    ['POST', '/access/ticket', 'access.ticket'],
    ['GET', '/version', 'version.get'],
    ['GET', '/nodes', 'nodes.list'],
    ['GET', '/cluster/resources', 'cluster.resources'],
    ['GET', '/cluster/nextid', 'cluster.nextid'],
    ['GET', '/nodes/{node}/qemu/{vmid}/status/current', 'qemu.status.current'],
    ['GET', '/nodes/{node}/qemu/{vmid}/config', 'qemu.config.get'],
    ['PUT', '/nodes/{node}/qemu/{vmid}/config', 'qemu.config.put'],
    ['POST', '/nodes/{node}/qemu', 'qemu.create'],
    ['POST', '/nodes/{node}/qemu/{vmid}/clone', 'qemu.clone'],
    ['POST', '/nodes/{node}/qemu/{vmid}/template', 'qemu.template'],
    ['PUT', '/nodes/{node}/qemu/{vmid}/resize', 'qemu.resize'],
    ['DELETE', '/nodes/{node}/qemu/{vmid}', 'qemu.delete'],
    ['POST', '/nodes/{node}/qemu/{vmid}/status/start', 'qemu.start'],
    ['POST', '/nodes/{node}/qemu/{vmid}/status/shutdown', 'qemu.shutdown'],
    ['POST', '/nodes/{node}/qemu/{vmid}/status/stop', 'qemu.stop'],
    ['POST', '/nodes/{node}/qemu/{vmid}/status/reboot', 'qemu.reboot'],
    ['GET', '/nodes/{node}/tasks/{upid}/status', 'tasks.status'],
    ['GET', '/nodes/{node}/storage', 'storage.list'],
    ['GET', '/nodes/{node}/storage/{storage}/content', 'storage.content'],
    ['POST', '/nodes/{node}/storage/{storage}/upload', 'storage.upload'],
    ['DELETE', '/nodes/{node}/storage/{storage}/content/{volume}', 'storage.content.delete'],
  ];

  #route(method: string, path: string): { exchange: string; pathParams: Record<string, string> } | undefined {
    for (const [m, template, exchange] of PveReplay.ROUTES) {
      if (m !== method) continue;
      const names: string[] = [];
      const pattern = new RegExp(`^${template.replace(/\{([a-z]+)\}/g, (_x, name: string) => (names.push(name), '([^/]+)'))}$`);
      const match = pattern.exec(path);
      if (match !== null) return { exchange, pathParams: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1] ?? '')])) };
    }
    return undefined;
  }

  #send(res: ServerResponse, status: number, reason: string, body: unknown): void {
    // PVE puts the message into the status line; it must stay one line of Latin-1.
    res.writeHead(status, reason.replace(/[^\x20-\x7e]/g, ' '), { 'content-type': 'application/json;charset=UTF-8', pragma: 'no-cache', 'cache-control': 'max-age=0' });
    res.end(JSON.stringify(body));
  }

  #error(res: ServerResponse, name: string, fill: Readonly<Record<string, string>> = {}, override?: string): void {
    const recorded = this.recordings.errors[name];
    if (recorded === undefined) throw new Error(`no error recording ${name}`);
    this.used.set(name, (this.used.get(name) ?? 0) + 1);
    const fillIn = (s: string) => s.replace(/\{([a-z]+)\}/g, (m, k: string) => fill[k] ?? m);
    const reason = override ?? fillIn(recorded.reason);
    const body: Record<string, unknown> = { ...recorded.body };
    if (typeof body['message'] === 'string') body['message'] = override === undefined ? fillIn(body['message']) : `${override}\n`;
    this.#send(res, recorded.status, reason, body);
  }

  #violation(res: ServerResponse, message: string, errors?: Record<string, string>): void {
    this.violations.push(message);
    const recorded = this.recordings.errors['error.parameters'];
    this.#send(res, 400, recorded?.reason ?? 'Parameter verification failed.', { data: null, message: 'Parameter verification failed.\n', errors: errors ?? { replay: message } });
  }

  async #body(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  #multipart(raw: Buffer, contentType: string): { fields: Record<string, string>; file?: Buffer; filename?: string } | undefined {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
    const mark = boundary?.[1] ?? boundary?.[2];
    if (mark === undefined) return undefined;
    const delimiter = Buffer.from(`--${mark}`);
    const fields: Record<string, string> = {};
    let file: Buffer | undefined;
    let filename: string | undefined;
    let start = raw.indexOf(delimiter);
    while (start >= 0) {
      const next = raw.indexOf(delimiter, start + delimiter.length);
      if (next < 0) break;
      const part = raw.subarray(start + delimiter.length + 2, next - 2);
      const headerEnd = part.indexOf('\r\n\r\n');
      const headers = part.subarray(0, headerEnd).toString('latin1');
      const content = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/.exec(headers)?.[1];
      const partFile = /filename="([^"]*)"/.exec(headers)?.[1];
      if (name !== undefined && partFile !== undefined) {
        file = Buffer.from(content);
        filename = partFile;
        fields[name] = partFile;
      } else if (name !== undefined) fields[name] = content.toString('utf8');
      start = next;
    }
    return { fields, ...(file === undefined ? {} : { file }), ...(filename === undefined ? {} : { filename }) };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://replay');
    const raw = await this.#body(req);
    if (!url.pathname.startsWith('/api2/json/')) {
      this.violations.push(`${method} ${url.pathname}: not under /api2/json`);
      return this.#error(res, 'error.no-method', { method, path: url.pathname });
    }
    const path = url.pathname.slice('/api2/json'.length);
    this.log.push(`${method} ${path}`);
    const route = this.#route(method, path);
    if (route === undefined) {
      this.violations.push(`no recording for ${method} ${path}`);
      return this.#error(res, 'error.no-method', { method, path });
    }
    const exchange = this.recordings.exchanges[route.exchange];
    if (exchange === undefined) throw new Error(`no exchange ${route.exchange}`);
    // Parameters: the query for GET/DELETE, the body (form, JSON or multipart) for POST/PUT.
    let params: Record<string, string> = Object.fromEntries(url.searchParams);
    let file: Buffer | undefined;
    const contentType = String(req.headers['content-type'] ?? '');
    if (method === 'POST' || method === 'PUT') {
      if (url.search !== '') return this.#violation(res, `${method} ${path}: parameters in the query string of a ${method}`);
      if (contentType.startsWith('multipart/form-data')) {
        const parsed = this.#multipart(raw, contentType);
        if (parsed === undefined) return this.#violation(res, `${method} ${path}: a multipart body without boundary`);
        params = parsed.fields;
        file = parsed.file;
      } else if (contentType.startsWith('application/json')) {
        params = Object.fromEntries(Object.entries(JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]));
      } else if (raw.length > 0) {
        if (!contentType.startsWith('application/x-www-form-urlencoded')) return this.#violation(res, `${method} ${path}: content-type ${contentType}`);
        params = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
      }
    }
    const problems: Record<string, string> = {};
    for (const [name, value] of Object.entries(params)) {
      const spec = exchange.request.params[name];
      if (spec === undefined) problems[name] = 'property is not defined in schema and the schema does not allow additional properties';
      else if (spec.type === 'integer' && !/^-?\d+$/.test(value)) problems[name] = `type check ('integer') failed - got '${value}'`;
      else if (spec.type === 'boolean' && !/^(0|1|true|false|yes|no|on|off)$/i.test(value)) problems[name] = `type check ('boolean') failed - got '${value}'`;
      else if (spec.enum !== undefined && !spec.enum.includes(value)) problems[name] = `value '${value}' does not have a value in the enumeration '${spec.enum.join(', ')}'`;
    }
    for (const [name, spec] of Object.entries(exchange.request.params)) if (spec.required === true && params[name] === undefined) problems[name] = 'property is missing and it is not optional';
    if (Object.keys(problems).length > 0) return this.#violation(res, `${method} ${path} (${route.exchange}): ${JSON.stringify(problems)}`, problems);

    if (route.exchange !== 'access.ticket') {
      const auth = this.#authenticate(req, method);
      if (auth !== undefined) return this.#error(res, auth);
    }
    try {
      const data = await this.#answer(route.exchange, { method, path, params, pathParams: route.pathParams, ...(file === undefined ? {} : { file }) });
      const returns = exchange.response.returns ?? [];
      const items = Array.isArray(data) ? data : data !== null && typeof data === 'object' ? [data] : [];
      for (const item of items) {
        const missing = returns.filter((k) => (item as Record<string, unknown>)[k] === undefined);
        if (missing.length > 0) this.violations.push(`${route.exchange}: the replay's answer lacks ${missing.join(', ')}`);
      }
      this.used.set(route.exchange, (this.used.get(route.exchange) ?? 0) + 1);
      this.#send(res, 200, 'OK', { data });
    } catch (error) {
      if (!(error instanceof PveFault)) throw error;
      this.#error(res, error.error, error.fill, error.override);
    }
  }

  /** Undefined when authenticated; else the error recording to answer with. */
  #authenticate(req: IncomingMessage, method: string): string | undefined {
    const authorization = req.headers['authorization'];
    if (typeof authorization === 'string') {
      return authorization === `PVEAPIToken=${REPLAY_TOKEN.tokenId}=${REPLAY_TOKEN.secret}` ? undefined : 'error.unauthorized';
    }
    const cookie = /(?:^|;\s*)PVEAuthCookie=([^;]+)/.exec(String(req.headers['cookie'] ?? ''))?.[1];
    const ticket = cookie === undefined ? undefined : decodeURIComponent(cookie);
    if (ticket === undefined || !this.#tickets.has(ticket)) return 'error.unauthorized';
    if (method !== 'GET' && req.headers['csrfpreventiontoken'] !== this.#tickets.get(ticket)) {
      this.violations.push(`${method} ${req.url}: a write with a ticket but without its CSRFPreventionToken`);
      return 'error.csrf';
    }
    return undefined;
  }

  // ---- the cluster -----------------------------------------------------------------------

  #vm(node: string, vmid: string): Vm {
    const vm = this.#vms.get(Number(vmid));
    if (vm === undefined || vm.node !== node) throw new PveFault('error.no-config', { node, vmid });
    return vm;
  }

  #unlocked(vm: Vm): void {
    if (vm.lock !== undefined) throw new PveFault('error.locked', { lock: vm.lock });
  }

  #task(node: string, type: string, id: string, done: () => string | undefined): string {
    const pid = (this.#pid++).toString(16).toUpperCase().padStart(8, '0');
    const start = Math.floor(Date.now() / 1000).toString(16).toUpperCase();
    const upid = `UPID:${node}:${pid}:01C4D5E6:${start}:${type}:${id}:root@pam:`;
    const task: Task = { upid, node, type, id, status: 'running' };
    this.#tasks.set(upid, task);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      let exit: string | undefined;
      try {
        exit = done();
      } catch (error) {
        exit = error instanceof Error ? error.message : String(error);
      }
      task.status = 'stopped';
      task.exitstatus = exit ?? 'OK';
    }, this.#taskMs);
    this.#timers.add(timer);
    return upid;
  }

  #resource(vm: Vm): Record<string, unknown> {
    const disk = /size=(\d+)([KMGT]?)/.exec(String(vm.config['scsi0'] ?? ''));
    const bytes = disk === null ? 0 : Number(disk[1]) * 1024 ** ['', 'K', 'M', 'G', 'T'].indexOf(disk[2] ?? '');
    return {
      id: `qemu/${vm.vmid}`, type: 'qemu', vmid: vm.vmid, name: vm.config['name'], node: vm.node, status: vm.status, template: vm.config['template'] === 1 ? 1 : 0,
      maxcpu: Number(vm.config['cores'] ?? 1) * Number(vm.config['sockets'] ?? 1), maxmem: Number(vm.config['memory'] ?? 512) * 1024 * 1024, maxdisk: bytes,
      cpu: 0, mem: 0, disk: 0, uptime: vm.status === 'running' ? 60 : 0, netin: 0, netout: 0, diskread: 0, diskwrite: 0, tags: String(vm.config['tags'] ?? ''),
      ...(vm.lock === undefined ? {} : { lock: vm.lock }),
    };
  }

  #nextId(): number {
    let id = 100;
    while (this.#vms.has(id)) id++;
    return id;
  }

  #newVm(node: string, vmid: number, config: Config, lock: string): Vm {
    if (this.#vms.has(vmid)) throw new PveFault('error.locked', {}, `unable to create VM ${vmid} - VM ${vmid} already exists on node '${this.#vms.get(vmid)?.node}'`);
    const vm: Vm = { vmid, node, status: 'stopped', lock, config: { ...config, meta: `creation-qemu=8.1.5,ctime=${Math.floor(Date.now() / 1000)}`, digest: this.#digest() } };
    this.#vms.set(vmid, vm);
    return vm;
  }

  async #answer(exchange: string, r: Request): Promise<unknown> {
    const { node = '', vmid = '' } = r.pathParams;
    if (node !== '' && !this.#nodes.some((n) => n['node'] === node)) throw new PveFault('error.no-config', { node, vmid }, `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
    switch (exchange) {
      case 'access.ticket': {
        if (r.params['username'] !== REPLAY_USER.username || r.params['password'] !== REPLAY_USER.password) throw new PveFault('error.unauthorized');
        const stamp = Math.floor(Date.now() / 1000).toString(16).toUpperCase();
        const ticket = `PVE:${REPLAY_USER.username}:${stamp}::${randomBytes(24).toString('base64')}`;
        const csrf = `${stamp}:${randomBytes(16).toString('base64').replace(/=+$/, '')}`;
        this.#tickets.set(ticket, csrf);
        return { username: REPLAY_USER.username, ticket, CSRFPreventionToken: csrf, cap: { vms: { 'VM.PowerMgmt': 1, 'VM.Allocate': 1 } } };
      }
      case 'version.get':
        return { version: '8.2.4', release: '8.2', repoid: 'faa83925c9641325' };
      case 'nodes.list':
        return this.#nodes;
      case 'cluster.resources':
        return [...this.#vms.values()].map((vm) => this.#resource(vm));
      case 'cluster.nextid':
        return String(this.#nextId());
      case 'qemu.status.current': {
        const vm = this.#vm(node, vmid);
        return { vmid: vm.vmid, name: vm.config['name'], status: vm.status, qmpstatus: vm.status, cpus: Number(vm.config['cores'] ?? 1), maxmem: Number(vm.config['memory'] ?? 512) * 1048576, uptime: vm.status === 'running' ? 60 : 0, ha: { managed: 0 }, ...(vm.lock === undefined ? {} : { lock: vm.lock }), ...(vm.config['template'] === 1 ? { template: 1 } : {}) };
      }
      case 'qemu.config.get':
        return { ...this.#vm(node, vmid).config };
      case 'qemu.config.put': {
        const vm = this.#vm(node, vmid);
        this.#unlocked(vm);
        if (r.params['digest'] !== undefined && r.params['digest'] !== vm.config['digest']) throw new PveFault('error.locked', {}, 'detected modified configuration - file changed by other user? Try again.');
        if (r.params['sshkeys'] !== undefined) {
          // The API wants the keys URL-encoded inside the parameter.
          let keys = '';
          try {
            keys = decodeURIComponent(r.params['sshkeys']);
          } catch {
            throw new PveFault('error.parameters', {}, 'Parameter verification failed.');
          }
          if (!/^(ssh-|ecdsa-|sk-)/.test(keys) || keys === r.params['sshkeys']) this.violations.push(`sshkeys is not URL-encoded OpenSSH keys: ${r.params['sshkeys'].slice(0, 40)}`);
        }
        if (r.params['memory'] !== undefined && !/^\d+$/.test(r.params['memory'])) throw new PveFault('error.parameters');
        for (const [k, v] of Object.entries(r.params)) {
          if (k === 'digest' || k === 'delete' || k === 'skiplock' || k === 'revert') continue;
          vm.config[k] = k === 'cores' || k === 'sockets' ? Number(v) : k === 'ide2' && v.endsWith(':cloudinit') ? `${v.replace(/:cloudinit$/, '')}:vm-${vm.vmid}-cloudinit,media=cdrom` : k === 'sshkeys' ? v : v;
        }
        for (const k of (r.params['delete'] ?? '').split(/[,;\s]+/).filter((s) => s !== '')) delete vm.config[k];
        vm.config['digest'] = this.#digest();
        return null;
      }
      case 'qemu.clone': {
        const source = this.#vm(node, vmid);
        if (source.config['template'] !== 1 && source.status === 'running' && r.params['full'] !== '1') throw new PveFault('error.locked', {}, 'Linked clone feature is not supported for running VMs');
        if (source.config['template'] !== 1 && source.lock !== undefined) this.#unlocked(source);
        const newid = Number(r.params['newid']);
        const target = r.params['target'] ?? node;
        if (!this.#nodes.some((n) => n['node'] === target)) throw new PveFault('error.no-config', {}, `target node '${target}' does not exist`);
        // The API viewer: `target` is "only allowed if the original VM is on shared storage".
        const local = Object.entries(source.config).filter(([k, v]) => /^(scsi|virtio|sata|ide)\d+$/.test(k) && !String(v).includes('media=cdrom')).map(([, v]) => String(v).split(':')[0]).filter((id) => this.#storage.find((st) => st['storage'] === id)?.['shared'] !== 1);
        if (target !== node && local.length > 0) throw new PveFault('error.locked', {}, `clone failed: can't clone VM to node '${target}' (VM uses local storage)`);
        const storage = r.params['storage'];
        const config: Config = {};
        for (const [k, v] of Object.entries(source.config)) {
          if (k === 'template' || k === 'digest' || k === 'meta') continue;
          config[k] = typeof v === 'string' && /^(scsi|virtio|sata|ide)\d+$/.test(k) ? v.replace(/^([^:]+):(?:base|vm)-\d+-(disk-\d+|cloudinit)/, (_m, s: string, d: string) => `${storage ?? s}:vm-${newid}-${d}`) : v;
        }
        config['name'] = r.params['name'] ?? `Copy-of-VM-${source.config['name']}`;
        const vm = this.#newVm(target, newid, config, 'clone');
        return this.#task(node, 'qmclone', vmid, () => {
          delete vm.lock;
          return undefined;
        });
      }
      case 'qemu.create': {
        const newid = Number(r.params['vmid']);
        const config: Config = {};
        for (const [k, v] of Object.entries(r.params)) if (k !== 'vmid' && k !== 'start' && k !== 'storage' && k !== 'pool') config[k] = k === 'cores' || k === 'sockets' ? Number(v) : v;
        const disk = /^([^:]+):0,import-from=([^,]+)$/.exec(String(config['scsi0'] ?? ''));
        const source = disk?.[2] === undefined ? undefined : this.#imports.get(disk[2]);
        if (disk !== null && source === undefined) throw new PveFault('error.no-config', {}, `volume '${disk?.[2]}' does not exist`);
        const vm = this.#newVm(node, newid, config, 'create');
        return this.#task(node, 'qmcreate', String(newid), () => {
          delete vm.lock;
          if (disk !== null && source !== undefined) vm.config['scsi0'] = `${disk[1]}:vm-${newid}-disk-0,size=${Math.max(1, Math.ceil(source.bytes / 1048576))}M`;
          return undefined;
        });
      }
      case 'qemu.template': {
        const vm = this.#vm(node, vmid);
        this.#unlocked(vm);
        if (vm.status === 'running') throw new PveFault('error.locked', {}, "you can't convert a VM to template if VM is running");
        vm.lock = 'template';
        return this.#task(node, 'qmtemplate', vmid, () => {
          delete vm.lock;
          vm.config['template'] = 1;
          for (const [k, v] of Object.entries(vm.config)) if (typeof v === 'string' && /^(scsi|virtio|sata)\d+$/.test(k)) vm.config[k] = v.replace(/:vm-(\d+)-disk/, ':base-$1-disk');
          vm.config['digest'] = this.#digest();
          return undefined;
        });
      }
      case 'qemu.resize': {
        const vm = this.#vm(node, vmid);
        this.#unlocked(vm);
        const disk = r.params['disk'] ?? '';
        const current = String(vm.config[disk] ?? '');
        const size = /size=(\d+)([KMGT]?)/.exec(current);
        if (size === null) throw new PveFault('error.no-config', {}, `disk '${disk}' does not exist`);
        const unit = (u: string) => 1024 ** ['', 'K', 'M', 'G', 'T'].indexOf(u);
        const have = Number(size[1]) * unit(size[2] ?? '');
        const asked = /^(\+?)(\d+)([KMGT]?)$/.exec(r.params['size'] ?? '');
        if (asked === null) throw new PveFault('error.parameters');
        const want = (asked[1] === '+' ? have : 0) + Number(asked[2]) * unit(asked[3] ?? '');
        if (want < have) throw new PveFault('error.locked', {}, "shrinking disks is not supported");
        return this.#task(node, 'resize', vmid, () => {
          vm.config[disk] = current.replace(/size=[^,]+/, `size=${want % 1024 ** 3 === 0 ? `${want / 1024 ** 3}G` : `${Math.ceil(want / 1048576)}M`}`);
          vm.config['digest'] = this.#digest();
          return undefined;
        });
      }
      case 'qemu.delete': {
        const vm = this.#vm(node, vmid);
        this.#unlocked(vm);
        if (vm.status === 'running') throw new PveFault('error.locked', {}, `VM ${vmid} is running - destroy failed`);
        vm.lock = 'destroyed';
        return this.#task(node, 'qmdestroy', vmid, () => {
          this.#vms.delete(vm.vmid);
          return undefined;
        });
      }
      case 'qemu.start': {
        const vm = this.#vm(node, vmid);
        this.#unlocked(vm);
        if (vm.config['template'] === 1) throw new PveFault('error.locked', {}, 'you can\'t start a vm if it\'s a template');
        if (vm.status === 'running') throw new PveFault('error.running', { vmid });
        return this.#task(node, 'qmstart', vmid, () => {
          vm.status = 'running';
          return undefined;
        });
      }
      case 'qemu.shutdown':
      case 'qemu.stop': {
        const vm = this.#vm(node, vmid);
        if (vm.status !== 'running') throw new PveFault('error.not-running', { vmid });
        return this.#task(node, exchange === 'qemu.stop' ? 'qmstop' : 'qmshutdown', vmid, () => {
          vm.status = 'stopped';
          return undefined;
        });
      }
      case 'qemu.reboot': {
        const vm = this.#vm(node, vmid);
        if (vm.status !== 'running') throw new PveFault('error.not-running', { vmid });
        return this.#task(node, 'qmreboot', vmid, () => undefined);
      }
      case 'tasks.status': {
        const task = this.#tasks.get(r.pathParams['upid'] ?? '');
        if (task === undefined || task.node !== node) throw new PveFault('error.no-config', {}, `no such task '${r.pathParams['upid']}'`);
        return { upid: task.upid, node: task.node, pid: 737066, pstart: 29676006, starttime: Math.floor(Date.now() / 1000), type: task.type, id: task.id, user: 'root@pam', status: task.status, ...(task.exitstatus === undefined ? {} : { exitstatus: task.exitstatus }) };
      }
      case 'storage.list':
        return this.#storage.filter((s) => r.params['content'] === undefined || String(s['content']).split(',').includes(r.params['content'] ?? ''));
      case 'storage.content': {
        const storage = r.pathParams['storage'] ?? '';
        return [...this.#imports.entries()].filter(([volid]) => volid.startsWith(`${storage}:`)).map(([volid, f]) => ({ volid, format: f.format, size: f.bytes, content: 'import', ctime: Math.floor(Date.now() / 1000) }));
      }
      case 'storage.upload': {
        const storage = this.#storage.find((s) => s['storage'] === r.pathParams['storage']);
        if (storage === undefined) throw new PveFault('error.no-config', {}, `storage '${r.pathParams['storage']}' does not exist`);
        const content = r.params['content'] ?? '';
        if (!String(storage['content']).split(',').includes(content)) throw new PveFault('error.parameters', {}, `storage '${r.pathParams['storage']}' does not support '${content}' content`);
        const filename = r.params['filename'] ?? '';
        const format = /\.(raw|qcow2|vmdk)$/.exec(filename)?.[1];
        if (content === 'import' && format === undefined) throw new PveFault('error.parameters', {}, `wrong file extension for import: ${filename}`);
        if (r.file === undefined) throw new PveFault('error.parameters', {}, 'no file in the upload');
        const path = join(this.#work, filename);
        await writeFile(path, r.file);
        const volid = `${r.pathParams['storage']}:import/${filename}`;
        // Proxmox reads an import file with qemu-img when a VM is made from it; a file that is not
        // what its extension says fails there.
        const bytes = await PveReplay.virtualSize(path, format ?? 'raw').catch(() => undefined);
        return this.#task(node, 'imgcopy', '', () => {
          if (bytes === undefined) return `import failed: '${filename}' is not a valid ${format} image`;
          this.#imports.set(volid, { path, format: format ?? 'raw', bytes });
          return undefined;
        });
      }
      case 'storage.content.delete': {
        const volume = r.pathParams['volume'] ?? '';
        const found = this.#imports.get(volume);
        if (found === undefined) throw new PveFault('error.no-config', {}, `volume '${volume}' does not exist`);
        this.#imports.delete(volume);
        await rm(found.path, { force: true });
        return this.#task(node, 'imgdel', volume.replace(':', '@@'), () => undefined);
      }
      default:
        throw new Error(`the replay has a recording for ${exchange} but no behaviour`);
    }
  }

  /** The guest-visible size of an uploaded file, as Proxmox's import reads it (qemu-img). */
  static async virtualSize(path: string, format: string): Promise<number> {
    const { stdout } = await runQemuImg(['info', '--output=json', '-f', format, path], path);
    return Number((JSON.parse(stdout) as { 'virtual-size': number })['virtual-size']);
  }
}
