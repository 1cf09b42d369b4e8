/**
 * The Proxmox VE API (`/api2/json`) over fetch: API-token or ticket authentication (a ticket
 * from `POST /access/ticket`, sent as the PVEAuthCookie, with the CSRFPreventionToken header on
 * every write; renewed once when a call answers 401, as tickets live two hours), form-encoded
 * parameters as the API documents them, UPID tasks awaited through
 * `/nodes/{node}/tasks/{upid}/status`, and multipart uploads to storage.
 * https://pve.proxmox.com/wiki/Proxmox_VE_API
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkyportError } from '@skyport/model';
import { Agent, fetch, type Dispatcher } from 'undici';
import { pveError, taskError } from './pve-errors.js';
import type { ProxmoxSettings } from './proxmox-settings.js';

export type Params = Readonly<Record<string, string | number | boolean | undefined>>;

interface Ticket {
  readonly ticket: string;
  readonly csrf: string;
}

export interface TaskStatus {
  readonly upid: string;
  readonly node: string;
  readonly status: 'running' | 'stopped';
  readonly exitstatus?: string;
  readonly type: string;
  readonly id?: string;
}

function encode(params: Params): string {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) form.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  return form.toString();
}

export class PveClient {
  readonly #settings: ProxmoxSettings;
  readonly #dispatcher: Dispatcher;
  #ticket: Promise<Ticket> | undefined;
  /** Ticket logins made, for tests of reuse and renewal. */
  logins = 0;

  constructor(settings: ProxmoxSettings) {
    this.#settings = settings;
    this.#dispatcher = new Agent({
      connect: { rejectUnauthorized: !settings.insecureTls, ...(settings.caCertificate === undefined ? {} : { ca: settings.caCertificate }) },
      headersTimeout: settings.requestTimeoutMs,
      bodyTimeout: settings.requestTimeoutMs,
    });
  }

  async close(): Promise<void> {
    this.#ticket = undefined;
    await this.#dispatcher.close();
  }

  get<T>(path: string, params: Params = {}): Promise<T> {
    return this.request<T>('GET', path, params);
  }

  post<T>(path: string, params: Params = {}): Promise<T> {
    return this.request<T>('POST', path, params);
  }

  put<T>(path: string, params: Params = {}): Promise<T> {
    return this.request<T>('PUT', path, params);
  }

  delete<T>(path: string, params: Params = {}): Promise<T> {
    return this.request<T>('DELETE', path, params);
  }

  async request<T>(method: string, path: string, params: Params = {}): Promise<T> {
    try {
      return await this.#once<T>(method, path, params);
    } catch (error) {
      // An expired ticket: log in again once; a token that fails stays failed.
      if (!(error instanceof SkyportError) || error.code !== 'Unauthenticated' || this.#settings.auth.kind !== 'ticket' || this.#ticket === undefined) throw error;
      this.#ticket = undefined;
      return this.#once<T>(method, path, params);
    }
  }

  #login(): Promise<Ticket> {
    const auth = this.#settings.auth;
    if (auth.kind !== 'ticket') throw new Error('no ticket with token authentication');
    if (this.#ticket === undefined) {
      this.logins++;
      const login = this.#send<{ ticket: string; CSRFPreventionToken: string }>('POST', '/access/ticket', { username: auth.username, password: auth.password }, {}).then((d) => ({ ticket: d.ticket, csrf: d.CSRFPreventionToken }));
      this.#ticket = login;
      login.catch(() => {
        if (this.#ticket === login) this.#ticket = undefined;
      });
    }
    return this.#ticket;
  }

  async #headers(method: string): Promise<Record<string, string>> {
    const auth = this.#settings.auth;
    if (auth.kind === 'token') return { authorization: `PVEAPIToken=${auth.tokenId}=${auth.secret}` };
    const ticket = await this.#login();
    return { cookie: `PVEAuthCookie=${encodeURIComponent(ticket.ticket)}`, ...(method === 'GET' ? {} : { csrfpreventiontoken: ticket.csrf }) };
  }

  async #once<T>(method: string, path: string, params: Params): Promise<T> {
    return this.#send<T>(method, path, params, await this.#headers(method));
  }

  async #send<T>(method: string, path: string, params: Params, headers: Record<string, string>): Promise<T> {
    const hasBody = method === 'POST' || method === 'PUT';
    const query = hasBody ? '' : encode(params);
    const url = `${this.#settings.url}/api2/json${path}${query === '' ? '' : `?${query}`}`;
    let response;
    try {
      response = await fetch(url, {
        method,
        headers: { accept: 'application/json', ...headers, ...(hasBody ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(hasBody ? { body: encode(params) } : {}),
        dispatcher: this.#dispatcher,
      });
    } catch (error) {
      throw this.#unreachable(`${method} ${path}`, error);
    }
    const text = await response.text();
    let body: { data?: unknown; message?: string; errors?: Record<string, string> } = {};
    try {
      body = text === '' ? {} : (JSON.parse(text) as typeof body);
    } catch {
      if (response.ok) throw new SkyportError('ProviderError', `Proxmox ${method} ${path}: the answer is not JSON (${text.slice(0, 80)})`);
    }
    if (!response.ok) {
      throw pveError({ status: response.status, reason: response.statusText, ...(body.message === undefined ? {} : { message: body.message }), ...(body.errors === undefined ? {} : { errors: body.errors }) }, `${method} ${path}`);
    }
    return body.data as T;
  }

  #unreachable(what: string, error: unknown): SkyportError {
    const cause = (error as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (error as Error).message;
    const tls = typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
    return new SkyportError(
      'ProviderUnavailable',
      tls
        ? `${this.#settings.url}: its TLS certificate is not trusted (${code}); set the provider setting caCertificate to the cluster's CA (/etc/pve/pve-root-ca.pem), or insecureTls to true for a lab`
        : `${what}: cannot reach ${this.#settings.url} (${code})`,
      { providerCode: typeof code === 'string' ? code : undefined, cause: error },
    );
  }

  /** Waits for a UPID task to end; throws with its exit status when it did not end OK. */
  async waitTask(node: string, upid: string, what: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.#settings.taskTimeoutMs;
    for (;;) {
      const status = await this.taskStatus(node, upid);
      if (status.status === 'stopped') {
        const exit = status.exitstatus ?? '';
        if (exit === 'OK' || exit.startsWith('WARNINGS')) return;
        throw taskError(exit === '' ? 'unknown error' : exit, what, upid);
      }
      if (Date.now() > deadline) throw new SkyportError('Timeout', `Proxmox ${what}: task ${upid} still running after ${this.#settings.taskTimeoutMs} ms`, { requestId: upid });
      await sleep(this.#settings.taskPollMs, undefined, signal === undefined ? {} : { signal });
    }
  }

  taskStatus(node: string, upid: string): Promise<TaskStatus> {
    return this.get<TaskStatus>(`/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}/status`);
  }

  /** `POST /nodes/{node}/storage/{storage}/upload` (multipart), returning the upload task's UPID. */
  async upload(node: string, storage: string, content: 'iso' | 'vztmpl' | 'import', filename: string, path: string, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<string> {
    const size = (await stat(path)).size;
    const boundary = `----skyport${randomBytes(12).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="content"\r\n\r\n${content}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="filename"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    let done = 0;
    async function* body(): AsyncGenerator<Buffer> {
      yield head;
      for await (const chunk of createReadStream(path)) {
        done += (chunk as Buffer).length;
        onProgress?.(done, size);
        yield chunk as Buffer;
      }
      yield tail;
    }
    const headers = await this.#headers('POST');
    let response;
    try {
      response = await fetch(`${this.#settings.url}/api2/json/nodes/${encodeURIComponent(node)}/storage/${encodeURIComponent(storage)}/upload`, {
        method: 'POST',
        headers: { accept: 'application/json', ...headers, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) },
        body: Readable.toWeb(Readable.from(body())) as unknown as ReadableStream,
        duplex: 'half',
        dispatcher: this.#dispatcher,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      throw this.#unreachable('upload', error);
    }
    const text = await response.text();
    const parsed = (() => {
      try {
        return JSON.parse(text) as { data?: unknown; message?: string; errors?: Record<string, string> };
      } catch {
        return {};
      }
    })();
    if (!response.ok) {
      throw pveError({ status: response.status, reason: response.statusText, ...(parsed.message === undefined ? {} : { message: parsed.message }), ...(parsed.errors === undefined ? {} : { errors: parsed.errors }) }, `upload to ${storage}`);
    }
    return String(parsed.data);
  }
}
