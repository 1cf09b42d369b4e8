/**
 * XAPI over JSON-RPC v2.0 (`POST /jsonrpc`), with one session per driver: logged in on first
 * use, logged in again once when the pool answers SESSION_INVALID (sessions expire, and a
 * pool master change drops them), logged out on close. Disk bytes move through XAPI's HTTP
 * handlers `/import_raw_vdi` and `/export_raw_vdi`, authenticated by the same session.
 * https://xapi-project.github.io/xen-api/wire-protocol.html
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { SkyportError } from '@skyport/model';
import { Agent, fetch, type Dispatcher } from 'undici';
import { xapiError, type XapiFailure } from './xapi-errors.js';
import type { XenSettings } from './xen-settings.js';

/** What the driver tells the pool about itself at login (shown in XAPI's session records). */
export const ORIGINATOR = 'skyport';
/** The API version sent at login; XAPI accepts any and answers in its own. */
export const API_VERSION = '1.20';

interface JsonRpcResponse {
  readonly jsonrpc?: string;
  readonly result?: unknown;
  readonly error?: { readonly code?: number; readonly message?: string; readonly data?: readonly unknown[] } | readonly unknown[] | null;
  readonly id?: unknown;
}

function failureOf(error: NonNullable<JsonRpcResponse['error']>): XapiFailure {
  // v2.0 carries an object; v1.0 (older pools answering a v2 request) an array.
  if (Array.isArray(error)) return { code: String(error[0] ?? 'INTERNAL_ERROR'), params: error.slice(1).map(String) };
  const e = error as { message?: string; data?: readonly unknown[] };
  return { code: e.message ?? 'INTERNAL_ERROR', params: (e.data ?? []).map(String) };
}

export class XapiClient {
  readonly #settings: XenSettings;
  readonly #dispatcher: Dispatcher;
  readonly #prefix = randomBytes(3).toString('hex');
  #counter = 0;
  #session: Promise<string> | undefined;
  /** Logins made, for tests of session reuse and renewal. */
  logins = 0;

  constructor(settings: XenSettings) {
    this.#settings = settings;
    this.#dispatcher = new Agent({
      connect: { rejectUnauthorized: !settings.insecureTls, ...(settings.caCertificate === undefined ? {} : { ca: settings.caCertificate }) },
      headersTimeout: settings.requestTimeoutMs,
      bodyTimeout: settings.requestTimeoutMs,
    });
  }

  /** Calls `method` with the session as first parameter; renews the session once if it expired. */
  async call<T = unknown>(method: string, ...params: readonly unknown[]): Promise<T> {
    const session = await this.session();
    try {
      return await this.#rpc<T>(method, [session, ...params]);
    } catch (error) {
      if (!(error instanceof SkyportError) || error.providerCode !== 'SESSION_INVALID') throw error;
      if (this.#session !== undefined && (await this.#session.catch(() => undefined)) === session) this.#session = undefined;
      return this.#rpc<T>(method, [await this.session(), ...params]);
    }
  }

  session(): Promise<string> {
    if (this.#session === undefined) {
      const login = this.#rpc<string>('session.login_with_password', [this.#settings.username, this.#settings.password, API_VERSION, ORIGINATOR]);
      this.logins++;
      this.#session = login;
      login.catch(() => {
        if (this.#session === login) this.#session = undefined;
      });
    }
    return this.#session;
  }

  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session !== undefined) {
      const ref = await session.catch(() => undefined);
      if (ref !== undefined) await this.#rpc('session.logout', [ref]).catch(() => undefined);
    }
    await this.#dispatcher.close();
  }

  async #rpc<T>(method: string, params: readonly unknown[]): Promise<T> {
    const id = `${this.#prefix}-${++this.#counter}`;
    let response;
    try {
      response = await fetch(`${this.#settings.url}/jsonrpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method, params, id }),
        dispatcher: this.#dispatcher,
      });
    } catch (error) {
      throw this.#unreachable(method, error);
    }
    const text = await response.text();
    if (!response.ok) {
      // Malformed requests get an HTML 500 page; overload a 503.
      throw new SkyportError(response.status >= 500 ? 'ProviderUnavailable' : 'ProviderError', `XAPI ${method}: HTTP ${response.status} from ${this.#settings.url}: ${text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200)}`, {
        providerCode: `HTTP${response.status}`,
        requestId: id,
      });
    }
    let body: JsonRpcResponse;
    try {
      body = JSON.parse(text) as JsonRpcResponse;
    } catch {
      throw new SkyportError('ProviderError', `XAPI ${method}: the answer is not JSON (${text.slice(0, 80)})`, { requestId: id });
    }
    if (body.error !== undefined && body.error !== null) throw xapiError(failureOf(body.error), method, id);
    return body.result as T;
  }

  #unreachable(what: string, error: unknown): SkyportError {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (error as Error).message;
    const tls = typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
    return new SkyportError(
      'ProviderUnavailable',
      tls
        ? `${this.#settings.url}: its TLS certificate is not trusted (${code}); set the provider setting caCertificate to the pool's CA, or insecureTls to true for a lab pool`
        : `${what}: cannot reach ${this.#settings.url} (${code})`,
      { providerCode: typeof code === 'string' ? code : undefined, cause: error },
    );
  }

  #handlerUrl(handler: string, query: Record<string, string>, session: string): string {
    return `${this.#settings.url}/${handler}?${new URLSearchParams({ session_id: session, ...query }).toString()}`;
  }

  /** `PUT /import_raw_vdi`: writes a local disk file into a VDI (raw bytes, or a VHD XAPI unpacks). */
  async importVdi(vdiRef: string, path: string, format: 'raw' | 'vhd', onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
    const total = (await stat(path)).size;
    const session = await this.session();
    let done = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        done += chunk.length;
        onProgress?.(done, total);
        callback(null, chunk);
      },
    });
    const body = createReadStream(path).pipe(counter);
    let response;
    try {
      response = await fetch(this.#handlerUrl('import_raw_vdi', { vdi: vdiRef, format }, session), {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) },
        body: Readable.toWeb(body) as unknown as ReadableStream,
        duplex: 'half',
        dispatcher: this.#dispatcher,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      throw this.#unreachable('import_raw_vdi', error);
    }
    const text = await response.text();
    if (!response.ok) throw this.#handlerError('import_raw_vdi', response.status, text);
  }

  /** `GET /export_raw_vdi`: copies a VDI's bytes into a local file. */
  async exportVdi(vdiRef: string, target: string, format: 'raw' | 'vhd', signal?: AbortSignal): Promise<void> {
    const session = await this.session();
    let response;
    try {
      response = await fetch(this.#handlerUrl('export_raw_vdi', { vdi: vdiRef, format }, session), {
        dispatcher: this.#dispatcher,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      throw this.#unreachable('export_raw_vdi', error);
    }
    if (!response.ok || response.body === null) throw this.#handlerError('export_raw_vdi', response.status, await response.text());
    await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream), createWriteStream(target));
  }

  #handlerError(handler: string, status: number, text: string): SkyportError {
    const detail = text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
    const code = status === 401 || status === 403 ? 'Unauthenticated' : status === 404 ? 'NotFound' : status >= 500 ? 'ProviderUnavailable' : 'ProviderError';
    return new SkyportError(code, `XAPI ${handler}: HTTP ${status}${detail === '' ? '' : `: ${detail}`}`, { providerCode: `HTTP${status}` });
  }
}
