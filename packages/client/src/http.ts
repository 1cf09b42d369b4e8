/** One HTTP exchange with the broker: URL, token, JSON, and errors as SkyportError. */
import { errorFromResponse, unreachableError } from './errors.js';

export interface TransportOptions {
  /** The broker's address, e.g. `http://127.0.0.1:8080` (a trailing `/api/v1` is accepted). */
  readonly baseUrl: string;
  /** An API token; without one only `/health` and the document answer. */
  readonly token?: string;
  /** A fetch to use instead of the global one (tests, custom agents, a proxy). */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * For a browser page authenticated by the portal's session cookie (no token): returns the
   * CSRF cookie's value, sent as `x-csrf-token` with every change (double submit). Read at
   * each request, since a login replaces the cookie.
   */
  readonly csrfToken?: () => string | undefined;
}

export interface RequestOptions {
  readonly query?: URLSearchParams;
  readonly body?: unknown;
  /** Bytes sent as they are (a file upload) instead of `body` as JSON. */
  readonly raw?: { readonly data: ReadableStream<Uint8Array> | Blob | Uint8Array; readonly contentType: string };
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Send no token even when the client has one (the login route must not carry a stale one). */
  readonly anonymous?: boolean;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class Transport {
  readonly baseUrl: string;
  readonly #apiUrl: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof globalThis.fetch;
  readonly #csrfToken: (() => string | undefined) | undefined;

  constructor(options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.#apiUrl = `${this.baseUrl}/api/v1`;
    this.#token = options.token;
    this.#csrfToken = options.csrfToken;
    // Looked up at call time, not bound at construction, so a test or polyfill installed
    // later is still used; the global is read through globalThis for browsers and Node alike.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Sends a request and returns its JSON body (undefined for 204). */
  async json<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, 'application/json', options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** Sends a request and returns the response once it is known to be a success. */
  async send(method: Method, path: string, accept: string, options: RequestOptions = {}): Promise<Response> {
    const query = options.query?.toString() ?? '';
    const url = `${this.#apiUrl}${path}${query === '' ? '' : `?${query}`}`;
    const headers: Record<string, string> = { accept, ...options.headers };
    if (this.#token !== undefined && options.anonymous !== true) headers['authorization'] = `Bearer ${this.#token}`;
    const csrf = method === 'GET' ? undefined : this.#csrfToken?.();
    if (csrf !== undefined && csrf !== '') headers['x-csrf-token'] = csrf;
    // Only with a body: the API reads an empty JSON body as none, but other servers on
    // the way may not.
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.raw !== undefined) headers['content-type'] = options.raw.contentType;

    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        // A stream body needs `duplex: 'half'` (Node's fetch insists; browsers ignore it).
        ...(options.raw === undefined ? {} : ({ body: options.raw.data, duplex: 'half' } as RequestInit)),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      // Giving up was asked for; it is not a failure to report as one.
      if (options.signal?.aborted === true) throw error;
      throw unreachableError(this.baseUrl, error);
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: errorFromResponse quotes the text.
    }
    throw errorFromResponse(response.status, body, response.headers.get('retry-after'), `${method} ${url}`);
  }
}
