/**
 * A loopback XAPI pool that answers only what the XenAPI reference documents
 * (`fixtures/xapi-reference.json`: each call's parameter and result types and its error
 * codes; error bodies in the wire-protocol page's JSON-RPC v2.0 shape), starting from the
 * records of `fixtures/xapi-pool.json`, and stateful enough for the conformance suite: VMs
 * cloned from templates change power state, VDIs keep their bytes (sparse, by MiB chunk),
 * VBDs plug and unplug. Every request is checked against its recording; anything outside it
 * is a violation, answered with an error and kept in `violations`, which tests assert empty.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runQemuImg } from '@skyport/disk';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
const CHUNK = 1024 * 1024;

interface CallRecording {
  readonly doc: string;
  readonly params: readonly string[];
  readonly result: string;
  readonly errors: readonly string[];
}

interface Reference {
  readonly reference: string;
  readonly calls: Readonly<Record<string, CallRecording>>;
  readonly constructors: Readonly<Record<string, { readonly required: readonly string[]; readonly optional: readonly string[] }>>;
  readonly errors: Readonly<Record<string, { readonly doc: string; readonly example: { readonly error: { readonly code: number; readonly message: string; readonly data: readonly string[] } } }>>;
}

type Rec = Record<string, unknown> & { uuid: string };
type Table = Map<string, Rec>;

/** A call answered with an XAPI failure. */
class Failure extends Error {
  constructor(
    readonly code: string,
    readonly params: readonly string[],
  ) {
    super(`${code} ${params.join(' ')}`);
  }
}

export const REPLAY_USER = { username: 'root', password: 'xcp-lab-password' } as const;

export interface XapiReplayOptions {
  /** How long an asynchronous start stays in progress. */
  readonly transitionMs?: number;
}

const newRef = (): string => `OpaqueRef:${randomUUID()}`;

export class XapiReplay {
  readonly reference: Reference;
  readonly violations: string[] = [];
  /** Every JSON-RPC method and HTTP handler call, in order. */
  readonly log: string[] = [];
  /** Error codes answered, by code. */
  readonly failures = new Map<string, number>();
  readonly #tables = new Map<string, Table>();
  /** VDI bytes: MiB chunks, absent ones read as zeros. */
  readonly #data = new Map<string, Map<number, Buffer>>();
  readonly #sessions = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #transitionMs: number;
  #server: Server | undefined;
  #url = '';
  #work = '';

  private constructor(options: XapiReplayOptions) {
    this.#transitionMs = options.transitionMs ?? 50;
    this.reference = JSON.parse(readFileSync(join(FIXTURES, 'xapi-reference.json'), 'utf8')) as Reference;
    const pool = JSON.parse(readFileSync(join(FIXTURES, 'xapi-pool.json'), 'utf8')) as { objects: Record<string, Record<string, Rec>> };
    for (const [cls, records] of Object.entries(pool.objects)) this.#tables.set(cls, new Map(Object.entries(records)));
    for (const cls of ['task', 'VIF', 'VBD', 'VDI']) if (!this.#tables.has(cls)) this.#tables.set(cls, new Map());
    // The base template's disk holds a recognisable first sector.
    for (const [ref] of this.#table('VDI')) this.#data.set(ref, new Map([[0, Buffer.from('XCP-NG-DEBIAN-12-BASE'.padEnd(512, '\0'))]]));
  }

  static async start(options: XapiReplayOptions = {}): Promise<XapiReplay> {
    const replay = new XapiReplay(options);
    replay.#work = await mkdtemp(join(tmpdir(), 'skyport-xapi-replay-'));
    const server = createServer((req, res) => {
      void replay.#handle(req, res).catch((error: unknown) => {
        replay.violations.push(`replay failed on ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('replay failure');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    replay.#server = server;
    replay.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return replay;
  }

  get url(): string {
    return this.#url;
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

  /** Ends every session, as a pool master restart does. */
  expireSessions(): void {
    this.#sessions.clear();
  }

  /** Records of one class, for tests that check what the driver left in the pool. */
  records(cls: string): Rec[] {
    return [...this.#table(cls).values()];
  }

  #table(cls: string): Table {
    let table = this.#tables.get(cls);
    if (table === undefined) {
      table = new Map();
      this.#tables.set(cls, table);
    }
    return table;
  }

  #get(cls: string, ref: unknown): Rec {
    const rec = typeof ref === 'string' ? this.#table(cls).get(ref) : undefined;
    if (rec === undefined) throw new Failure('HANDLE_INVALID', [cls, String(ref)]);
    return rec;
  }

  // ---- HTTP ------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#url);
    if (req.method === 'POST' && url.pathname === '/jsonrpc') return this.#jsonrpc(req, res);
    if (req.method === 'PUT' && url.pathname === '/import_raw_vdi') return this.#import(req, res, url.searchParams);
    if (req.method === 'GET' && url.pathname === '/export_raw_vdi') return this.#export(res, url.searchParams);
    this.violations.push(`no recording for ${req.method} ${url.pathname}`);
    req.resume();
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><body><h1>HTTP 404 not found</h1></body></html>');
  }

  async #body(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  #fail(res: ServerResponse, id: unknown, failure: Failure): void {
    this.failures.set(failure.code, (this.failures.get(failure.code) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: 1, message: failure.code, data: failure.params }, id }));
  }

  #malformed(res: ServerResponse, detail: string): void {
    // The wire-protocol page: a request malformed at the RPC level gets an HTML 500 page.
    this.violations.push(`malformed JSON-RPC request: ${detail}`);
    res.writeHead(500, { 'content-type': 'text/html', connection: 'close', 'cache-control': 'no-cache, no-store' });
    res.end(`<html><body><h1>HTTP 500 internal server error</h1>An unexpected error occurred; please wait a while and try again. If the problem persists, please contact your support representative.<h1> Additional information </h1>Jsonrpc.Malformed_method_request(${detail})</body></html>`);
  }

  async #jsonrpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await this.#body(req);
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return this.#malformed(res, `content-type ${String(req.headers['content-type'])}`);
    let body: { jsonrpc?: unknown; method?: unknown; params?: unknown; id?: unknown };
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      return this.#malformed(res, 'body is not JSON');
    }
    if (body.jsonrpc !== '2.0' || typeof body.method !== 'string' || !Array.isArray(body.params) || body.id === undefined || body.id === null) {
      return this.#malformed(res, '{jsonrpc=2.0,method,params,id} expected');
    }
    const { method, params, id } = body as { method: string; params: unknown[]; id: unknown };
    this.log.push(method);
    const recording = this.reference.calls[method];
    if (recording === undefined) {
      this.violations.push(`no recording for XAPI method ${method}`);
      return this.#fail(res, id, new Failure('MESSAGE_METHOD_UNKNOWN', [method]));
    }
    if (params.length !== recording.params.length) {
      this.violations.push(`${method}: ${params.length} parameters, the reference lists ${recording.params.length} (${recording.params.join(', ')})`);
      return this.#fail(res, id, new Failure('MESSAGE_PARAMETER_COUNT_MISMATCH', [method, String(recording.params.length), String(params.length)]));
    }
    for (const [i, type] of recording.params.entries()) {
      const problem = this.#typeProblem(type, params[i]);
      if (problem !== undefined) {
        this.violations.push(`${method} parameter ${i + 1} (${type}): ${problem}`);
        return this.#fail(res, id, new Failure('FIELD_TYPE_ERROR', [`${method} parameter ${i + 1}`]));
      }
    }
    try {
      if (method !== 'session.login_with_password' && !this.#sessions.has(String(params[0]))) throw new Failure('SESSION_INVALID', [String(params[0])]);
      const result = await this.#call(method, params);
      if (result !== undefined && !this.#resultFits(recording.result, result)) this.violations.push(`${method}: the replay answered a ${typeof result}, the reference says ${recording.result}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', result: result ?? '', id }));
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
      if (!recording.errors.includes(error.code) && error.code !== 'SESSION_INVALID' && error.code !== 'HANDLE_INVALID') {
        this.violations.push(`${method} answered ${error.code}, which the reference does not list for it (${recording.errors.join(', ')})`);
      }
      this.#fail(res, id, error);
    }
  }

  #typeProblem(type: string, value: unknown): string | undefined {
    if (type === 'session') return typeof value === 'string' ? undefined : 'a session reference (string) is required';
    if (type.startsWith('ref:')) return typeof value === 'string' && value.startsWith('OpaqueRef:') ? undefined : `an OpaqueRef string is required, got ${JSON.stringify(value)}`;
    if (type === 'string') return typeof value === 'string' ? undefined : `a string is required, got ${JSON.stringify(value)}`;
    if (type === 'bool') return typeof value === 'boolean' ? undefined : `a boolean is required, got ${JSON.stringify(value)}`;
    if (type === 'int') return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value)) ? undefined : `an integer is required, got ${JSON.stringify(value)}`;
    if (type === 'map') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a map (JSON object) is required';
      return Object.values(value).every((v) => typeof v === 'string') ? undefined : 'map values must be strings';
    }
    if (type.startsWith('record:')) {
      const spec = this.reference.constructors[type.slice('record:'.length)];
      if (spec === undefined) return `no constructor recording for ${type}`;
      if (typeof value !== 'object' || value === null) return 'a record (JSON object) is required';
      const keys = Object.keys(value);
      const missing = spec.required.filter((k) => !keys.includes(k));
      const unknown = keys.filter((k) => !spec.required.includes(k) && !spec.optional.includes(k));
      if (missing.length > 0) return `missing fields ${missing.join(', ')}`;
      if (unknown.length > 0) return `fields ${unknown.join(', ')} are not in the reference's constructor`;
      return undefined;
    }
    return `unknown parameter type ${type}`;
  }

  #resultFits(type: string, result: unknown): boolean {
    if (type === 'void') return result === '';
    if (type.startsWith('ref:')) return typeof result === 'string' && result.startsWith('OpaqueRef:');
    if (type === 'string') return typeof result === 'string';
    if (type.startsWith('set:')) return Array.isArray(result);
    return typeof result === 'object' && result !== null;
  }

  // ---- the pool --------------------------------------------------------------------------

  #vmPowerCheck(ref: string, vm: Rec, expected: 'Halted' | 'Running'): void {
    if (vm['is_a_template'] === true) throw new Failure('VM_IS_TEMPLATE', [ref, 'start']);
    if (vm['power_state'] !== expected) throw new Failure('VM_BAD_POWER_STATE', [ref, expected.toLowerCase(), String(vm['power_state']).toLowerCase()]);
    if (Object.keys(vm['current_operations'] as object).length > 0) throw new Failure('OTHER_OPERATION_IN_PROGRESS', ['VM', ref]);
  }

  #setPower(vm: Rec, state: 'Halted' | 'Running'): void {
    vm['power_state'] = state;
    vm['domid'] = state === 'Running' ? 1 : -1;
    for (const vbdRef of vm['VBDs'] as string[]) {
      const vbd = this.#table('VBD').get(vbdRef);
      if (vbd !== undefined) {
        vbd['currently_attached'] = state === 'Running';
        vbd['device'] = state === 'Running' ? `xvd${String.fromCharCode(97 + Number(vbd['userdevice']))}` : '';
      }
    }
  }

  #copyVdi(ref: string, changes: Partial<Rec>): string {
    const source = this.#get('VDI', ref);
    const copy = structuredClone(source);
    const newRef_ = newRef();
    Object.assign(copy, { uuid: randomUUID(), VBDs: [], snapshots: [], is_a_snapshot: false, snapshot_of: 'OpaqueRef:NULL', other_config: { ...(source['other_config'] as object) } }, changes);
    this.#table('VDI').set(newRef_, copy);
    this.#data.set(newRef_, new Map(this.#data.get(ref) ?? []));
    return newRef_;
  }

  #cloneVm(ref: string, name: string): string {
    const source = this.#get('VM', ref);
    if (source['power_state'] !== 'Halted') throw new Failure('VM_BAD_POWER_STATE', [ref, 'halted', String(source['power_state']).toLowerCase()]);
    const vmRef = newRef();
    const vm = structuredClone(source);
    Object.assign(vm, { uuid: randomUUID(), name_label: name, is_default_template: false, VBDs: [], VIFs: [], current_operations: {}, other_config: { ...(source['other_config'] as object) }, tags: [...(source['tags'] as string[])] });
    this.#table('VM').set(vmRef, vm);
    for (const vbdRef of source['VBDs'] as string[]) {
      const vbd = structuredClone(this.#get('VBD', vbdRef));
      const vdiRef = vbd['VDI'] as string;
      const newVbd = newRef();
      const copiedVdi = vbd['type'] === 'Disk' && this.#table('VDI').has(vdiRef) ? this.#copyVdi(vdiRef, {}) : vdiRef;
      Object.assign(vbd, { uuid: randomUUID(), VM: vmRef, VDI: copiedVdi, currently_attached: false, device: '' });
      this.#table('VBD').set(newVbd, vbd);
      (vm['VBDs'] as string[]).push(newVbd);
      const vdi = this.#table('VDI').get(copiedVdi);
      if (vdi !== undefined) (vdi['VBDs'] as string[]).push(newVbd);
    }
    for (const vifRef of source['VIFs'] as string[]) {
      const vif = structuredClone(this.#get('VIF', vifRef));
      const newVif = newRef();
      Object.assign(vif, { uuid: randomUUID(), VM: vmRef, MAC: '' });
      this.#table('VIF').set(newVif, vif);
      (vm['VIFs'] as string[]).push(newVif);
    }
    return vmRef;
  }

  #destroyVbd(ref: string): void {
    const vbd = this.#get('VBD', ref);
    const vm = this.#table('VM').get(vbd['VM'] as string);
    if (vm !== undefined) vm['VBDs'] = (vm['VBDs'] as string[]).filter((r) => r !== ref);
    const vdi = this.#table('VDI').get(vbd['VDI'] as string);
    if (vdi !== undefined) vdi['VBDs'] = (vdi['VBDs'] as string[]).filter((r) => r !== ref);
    this.#table('VBD').delete(ref);
  }

  #allRecords(cls: string): Record<string, Rec> {
    return Object.fromEntries(this.#table(cls));
  }

  #tags(cls: string, ref: unknown, tag: unknown, add: boolean): void {
    const rec = this.#get(cls, ref);
    const tags = (rec['tags'] as string[]).filter((t) => t !== tag);
    rec['tags'] = add ? [...tags, String(tag)] : tags;
  }

  async #call(method: string, p: unknown[]): Promise<unknown> {
    const [, a, b, c, d, e] = p;
    switch (method) {
      case 'session.login_with_password': {
        if (p[0] !== REPLAY_USER.username || p[1] !== REPLAY_USER.password) throw new Failure('SESSION_AUTHENTICATION_FAILED', [String(p[0]), 'Authentication failure']);
        const ref = newRef();
        this.#sessions.add(ref);
        return ref;
      }
      case 'session.logout':
        this.#sessions.delete(String(p[0]));
        return undefined;
      case 'pool.get_all_records':
        return this.#allRecords('pool');
      case 'VM.get_all_records':
        return this.#allRecords('VM');
      case 'VBD.get_all_records':
        return this.#allRecords('VBD');
      case 'VDI.get_all_records':
        return this.#allRecords('VDI');
      case 'SR.get_all_records':
        return this.#allRecords('SR');
      case 'network.get_all_records':
        return this.#allRecords('network');
      case 'task.get_record':
        return this.#get('task', a);
      case 'task.destroy':
        this.#get('task', a);
        this.#table('task').delete(String(a));
        return undefined;
      case 'VM.get_by_uuid':
      case 'VDI.get_by_uuid': {
        const cls = method.slice(0, method.indexOf('.'));
        const found = [...this.#table(cls)].find(([, r]) => r.uuid === a);
        if (found === undefined) throw new Failure('UUID_INVALID', [cls, String(a)]);
        return found[0];
      }
      case 'VM.get_record':
        return this.#get('VM', a);
      case 'VM.get_uuid':
        return this.#get('VM', a).uuid;
      case 'VBD.get_record':
        return this.#get('VBD', a);
      case 'VDI.get_record':
        return this.#get('VDI', a);
      case 'VM.clone':
        return this.#cloneVm(String(a), String(b));
      case 'VM.copy':
        return this.#cloneVm(String(a), String(b));
      case 'VM.provision': {
        const vm = this.#get('VM', a);
        if ((vm['other_config'] as Record<string, string>)['disks'] !== undefined) throw new Failure('OPERATION_NOT_ALLOWED', ['the replay has no disk provisioning specs']);
        return undefined;
      }
      case 'VM.set_is_a_template': {
        const vm = this.#get('VM', a);
        if (vm['power_state'] !== 'Halted') throw new Failure('VM_BAD_POWER_STATE', [String(a), 'halted', String(vm['power_state']).toLowerCase()]);
        vm['is_a_template'] = b;
        return undefined;
      }
      case 'VM.set_VCPUs_max': {
        const vm = this.#get('VM', a);
        if (vm['power_state'] !== 'Halted') throw new Failure('VM_BAD_POWER_STATE', [String(a), 'halted', String(vm['power_state']).toLowerCase()]);
        if (Number(b) < Number(vm['VCPUs_at_startup'])) throw new Failure('VALUE_NOT_SUPPORTED', ['VCPUs_max', String(b), 'value lower than VCPUs_at_startup']);
        vm['VCPUs_max'] = Number(b);
        return undefined;
      }
      case 'VM.set_VCPUs_at_startup': {
        const vm = this.#get('VM', a);
        if (Number(b) > Number(vm['VCPUs_max']) || Number(b) < 1) throw new Failure('VALUE_NOT_SUPPORTED', ['VCPUs_at_startup', String(b), 'value greater than VCPUs_max']);
        vm['VCPUs_at_startup'] = Number(b);
        return undefined;
      }
      case 'VM.set_memory_limits': {
        const vm = this.#get('VM', a);
        const [smin, smax, dmin, dmax] = [b, c, d, e].map(Number) as [number, number, number, number];
        if (!(smin <= dmin && dmin <= dmax && dmax <= smax)) throw new Failure('MEMORY_CONSTRAINT_VIOLATION', ['Memory limits must satisfy: static_min <= dynamic_min <= dynamic_max <= static_max']);
        Object.assign(vm, { memory_static_min: smin, memory_static_max: smax, memory_dynamic_min: dmin, memory_dynamic_max: dmax });
        return undefined;
      }
      case 'VM.set_name_description':
        this.#get('VM', a)['name_description'] = b;
        return undefined;
      case 'VM.set_HVM_boot_params':
        this.#get('VM', a)['HVM_boot_params'] = b;
        return undefined;
      case 'VM.add_to_other_config':
      case 'VDI.add_to_other_config': {
        const rec = this.#get(method.slice(0, method.indexOf('.')), a);
        const config = rec['other_config'] as Record<string, string>;
        if (config[String(b)] !== undefined) throw new Failure('MAP_DUPLICATE_KEY', [method.slice(0, method.indexOf('.')), 'other_config', String(a), String(b)]);
        config[String(b)] = String(c);
        return undefined;
      }
      case 'VM.remove_from_other_config':
      case 'VDI.remove_from_other_config':
        delete (this.#get(method.slice(0, method.indexOf('.')), a)['other_config'] as Record<string, string>)[String(b)];
        return undefined;
      case 'VM.add_tags':
      case 'VM.remove_tags':
      case 'VDI.add_tags':
      case 'VDI.remove_tags':
        this.#tags(method.slice(0, method.indexOf('.')), a, b, method.endsWith('add_tags'));
        return undefined;
      case 'VM.get_allowed_VBD_devices': {
        const vm = this.#get('VM', a);
        const used = new Set((vm['VBDs'] as string[]).map((r) => this.#table('VBD').get(r)?.['userdevice']));
        return Array.from({ length: 16 }, (_, i) => String(i)).filter((i) => !used.has(i));
      }
      case 'VM.start': {
        const vm = this.#get('VM', a);
        this.#vmPowerCheck(String(a), vm, 'Halted');
        this.#setPower(vm, 'Running');
        return undefined;
      }
      case 'Async.VM.start': {
        const vm = this.#get('VM', a);
        this.#vmPowerCheck(String(a), vm, 'Halted');
        const taskRef = newRef();
        this.#table('task').set(taskRef, { uuid: randomUUID(), name_label: 'Async.VM.start', status: 'pending', progress: 0, result: '', error_info: [], created: new Date().toISOString(), finished: '19700101T00:00:00Z' });
        vm['current_operations'] = { [taskRef]: 'start' };
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          const task = this.#table('task').get(taskRef);
          if (this.#table('VM').get(String(a)) === vm) {
            vm['current_operations'] = {};
            this.#setPower(vm, 'Running');
          }
          if (task !== undefined) Object.assign(task, { status: 'success', progress: 1, finished: new Date().toISOString() });
        }, this.#transitionMs);
        this.#timers.add(timer);
        return taskRef;
      }
      case 'VM.resume':
        throw new Failure('VM_BAD_POWER_STATE', [String(a), 'suspended', String(this.#get('VM', a)['power_state']).toLowerCase()]);
      case 'VM.clean_shutdown':
      case 'VM.hard_shutdown': {
        const vm = this.#get('VM', a);
        this.#vmPowerCheck(String(a), vm, 'Running');
        this.#setPower(vm, 'Halted');
        return undefined;
      }
      case 'VM.clean_reboot':
      case 'VM.hard_reboot':
        this.#vmPowerCheck(String(a), this.#get('VM', a), 'Running');
        return undefined;
      case 'VM.destroy': {
        const vm = this.#get('VM', a);
        if (vm['power_state'] !== 'Halted') throw new Failure('VM_BAD_POWER_STATE', [String(a), 'halted', String(vm['power_state']).toLowerCase()]);
        for (const vbd of [...(vm['VBDs'] as string[])]) this.#destroyVbd(vbd);
        for (const vif of vm['VIFs'] as string[]) this.#table('VIF').delete(vif);
        this.#table('VM').delete(String(a));
        return undefined;
      }
      case 'VIF.create': {
        const rec = a as Rec;
        const vm = this.#get('VM', rec['VM']);
        this.#get('network', rec['network']);
        const ref = newRef();
        this.#table('VIF').set(ref, { ...rec, uuid: randomUUID(), currently_attached: false });
        (vm['VIFs'] as string[]).push(ref);
        return ref;
      }
      case 'VBD.create': {
        const rec = a as Rec;
        const vm = this.#get('VM', rec['VM']);
        const vdi = this.#get('VDI', rec['VDI']);
        if ((vm['VBDs'] as string[]).some((r) => this.#table('VBD').get(r)?.['userdevice'] === rec['userdevice'])) throw new Failure('DEVICE_ALREADY_EXISTS', [String(rec['userdevice'])]);
        const ref = newRef();
        this.#table('VBD').set(ref, { ...rec, uuid: randomUUID(), device: '', currently_attached: false, storage_lock: false, status_code: 0, status_detail: '', runtime_properties: {}, metrics: 'OpaqueRef:NULL' });
        (vm['VBDs'] as string[]).push(ref);
        (vdi['VBDs'] as string[]).push(ref);
        return ref;
      }
      case 'VBD.plug': {
        const vbd = this.#get('VBD', a);
        if (vbd['currently_attached'] === true) throw new Failure('DEVICE_ALREADY_ATTACHED', [String(a)]);
        const vm = this.#get('VM', vbd['VM']);
        if (vm['power_state'] !== 'Running') throw new Failure('VM_BAD_POWER_STATE', [String(vbd['VM']), 'running', String(vm['power_state']).toLowerCase()]);
        Object.assign(vbd, { currently_attached: true, device: `xvd${String.fromCharCode(97 + Number(vbd['userdevice']))}` });
        return undefined;
      }
      case 'VBD.unplug': {
        const vbd = this.#get('VBD', a);
        if (vbd['currently_attached'] !== true) throw new Failure('DEVICE_ALREADY_DETACHED', [String(a)]);
        Object.assign(vbd, { currently_attached: false, device: '' });
        return undefined;
      }
      case 'VBD.destroy': {
        const vbd = this.#get('VBD', a);
        if (vbd['currently_attached'] === true) throw new Failure('OPERATION_NOT_ALLOWED', ['VBD is currently attached']);
        this.#destroyVbd(String(a));
        return undefined;
      }
      case 'VDI.create': {
        const rec = a as Rec;
        this.#get('SR', rec['SR']);
        const ref = newRef();
        this.#table('VDI').set(ref, {
          allowed_operations: ['clone', 'destroy', 'resize', 'snapshot', 'copy'], current_operations: {}, crash_dumps: [], physical_utilisation: 0, storage_lock: false, managed: true, missing: false, parent: 'OpaqueRef:NULL',
          xenstore_data: {}, sm_config: {}, tags: [], ...rec, uuid: randomUUID(), virtual_size: Number(rec['virtual_size']), VBDs: [], location: '', is_a_snapshot: false, snapshot_of: 'OpaqueRef:NULL', snapshots: [], snapshot_time: '19700101T00:00:00Z',
        });
        this.#data.set(ref, new Map());
        return ref;
      }
      case 'VDI.destroy': {
        const vdi = this.#get('VDI', a);
        if ((vdi['VBDs'] as string[]).length > 0) throw new Failure('VDI_IN_USE', [String(a), 'destroy']);
        this.#table('VDI').delete(String(a));
        this.#data.delete(String(a));
        return undefined;
      }
      case 'VDI.resize': {
        const vdi = this.#get('VDI', a);
        if (Number(b) < Number(vdi['virtual_size'])) throw new Failure('VDI_IN_USE', [String(a), 'resize']);
        vdi['virtual_size'] = Number(b);
        return undefined;
      }
      case 'VDI.snapshot': {
        const source = this.#get('VDI', a);
        const ref = this.#copyVdi(String(a), { is_a_snapshot: true, snapshot_of: String(a), snapshot_time: new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'), tags: [...(source['tags'] as string[])] });
        (source['snapshots'] as string[]).push(ref);
        return ref;
      }
      case 'VDI.clone':
        return this.#copyVdi(String(a), {});
      case 'VDI.set_name_label':
        this.#get('VDI', a)['name_label'] = b;
        return undefined;
      default:
        throw new Error(`the replay has a recording for ${method} but no behaviour`);
    }
  }

  // ---- disk handlers ---------------------------------------------------------------------

  #handlerAuth(res: ServerResponse, query: URLSearchParams): string | undefined {
    const session = query.get('session_id');
    const vdi = query.get('vdi');
    const format = query.get('format');
    if (session === null || !this.#sessions.has(session)) {
      res.writeHead(401, { 'content-type': 'text/html' });
      res.end('<html><body><h1>HTTP 401 unauthorised</h1></body></html>');
      return undefined;
    }
    if (vdi === null || !this.#table('VDI').has(vdi) || (format !== 'raw' && format !== 'vhd')) {
      this.violations.push(`disk handler called with vdi=${vdi} format=${format}`);
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body><h1>HTTP 404 not found</h1></body></html>');
      return undefined;
    }
    return vdi;
  }

  async #import(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    this.log.push(`PUT /import_raw_vdi format=${query.get('format')}`);
    const body = await this.#body(req);
    const vdiRef = this.#handlerAuth(res, query);
    if (vdiRef === undefined) return;
    let bytes = body;
    if (query.get('format') === 'vhd') {
      const vhd = join(this.#work, `${randomUUID()}.vhd`);
      const raw = `${vhd}.raw`;
      await writeFile(vhd, body);
      try {
        await runQemuImg(['convert', '-f', 'vpc', '-O', 'raw', vhd, raw], vhd);
        bytes = await readFile(raw);
      } catch {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end('<html><body><h1>HTTP 500 internal server error</h1>VHD parse failure</body></html>');
        return;
      } finally {
        await rm(vhd, { force: true });
        await rm(raw, { force: true });
      }
    }
    const size = Number(this.#get('VDI', vdiRef)['virtual_size']);
    if (bytes.length > size) {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(`<html><body><h1>HTTP 500 internal server error</h1>the disk (${bytes.length} bytes) is larger than the VDI (${size})</body></html>`);
      return;
    }
    const chunks = new Map<number, Buffer>();
    for (let i = 0; i * CHUNK < bytes.length; i++) {
      const chunk = bytes.subarray(i * CHUNK, (i + 1) * CHUNK);
      if (chunk.some((x) => x !== 0)) chunks.set(i, Buffer.from(chunk));
    }
    this.#data.set(vdiRef, chunks);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end();
  }

  async #export(res: ServerResponse, query: URLSearchParams): Promise<void> {
    this.log.push(`GET /export_raw_vdi format=${query.get('format')}`);
    const vdiRef = this.#handlerAuth(res, query);
    if (vdiRef === undefined) return;
    const size = Number(this.#get('VDI', vdiRef)['virtual_size']);
    const raw = join(this.#work, `${randomUUID()}.raw`);
    const handle = await open(raw, 'w');
    try {
      await handle.truncate(size);
      for (const [i, chunk] of this.#data.get(vdiRef) ?? []) await handle.write(chunk, 0, chunk.length, i * CHUNK);
    } finally {
      await handle.close();
    }
    try {
      let out = raw;
      if (query.get('format') === 'vhd') {
        out = `${raw}.vhd`;
        await runQemuImg(['convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=dynamic,force_size=on', raw, out], raw);
      } else if (size > 64 * CHUNK) {
        this.violations.push(`a raw export of ${size} bytes; the replay only sends small disks raw`);
      }
      const data = await readFile(out);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) });
      res.end(data);
      if (out !== raw) await rm(out, { force: true });
    } finally {
      await rm(raw, { force: true });
    }
  }
}
