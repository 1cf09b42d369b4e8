/**
 * One HTTP call to an OpenStack service: the token, the compute microversion, error bodies
 * into SkyportError (with the request id), a fresh token after a 401, and a bounded wait on
 * Retry-After for reads. Plain `fetch`: the APIs are JSON over HTTP, no SDK needed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SkyportError } from '@skyport/model';
import type { KeystoneSession, ServiceType, Token } from './keystone-session.js';
import { faultToError, parseRetryAfter, type FaultMeaning } from './openstack-errors.js';
import type { OpenStackSettings } from './openstack-settings.js';

/**
 * Nova microversion the driver speaks: 2.73 returns the flavor inside the server, creates
 * images answering `{image_id}`, pages key pairs, and takes `networks: "auto"`.
 * https://docs.openstack.org/nova/latest/reference/api-microversion-history.html
 */
export const COMPUTE_MICROVERSION = '2.73';

/** What fetch accepts as a request body. */
export type RequestBody = NonNullable<RequestInit['body']>;

export type Query = Readonly<Record<string, string | number | undefined>>;

export interface CallOptions extends FaultMeaning {
  readonly query?: Query;
  readonly json?: unknown;
  /** A body made afresh for each attempt (a stream cannot be sent twice). */
  readonly body?: () => { readonly data: RequestBody; readonly contentType: string; readonly length?: number };
  readonly headers?: Readonly<Record<string, string>>;
  /** What the call is about, for messages: `server 1234`. */
  readonly what: string;
  readonly signal?: AbortSignal;
  /** Return the Response unread (downloads); the caller consumes the body. */
  readonly raw?: boolean;
}

export interface CallResult<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly response?: Response;
}

const READS = new Set(['GET', 'HEAD']);

export class OpenStackClient {
  constructor(
    readonly session: KeystoneSession,
    private readonly settings: OpenStackSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async call<T = unknown>(service: ServiceType, method: string, path: string, options: CallOptions): Promise<CallResult<T>> {
    let reauthenticated = false;
    let throttledRetries = 0;
    for (;;) {
      const token = await this.session.token();
      const response = await this.#send(token, service, method, path, options);
      if (response.ok) {
        if (options.raw) return { status: response.status, headers: response.headers, body: undefined as T, response };
        const text = await response.text();
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          throw new SkyportError('ProviderError', `${method} ${service} ${path} (${options.what}) answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`, {
            ...(response.headers.get('x-openstack-request-id') === null ? {} : { requestId: response.headers.get('x-openstack-request-id') ?? '' }),
          });
        }
        return { status: response.status, headers: response.headers, body: body as T };
      }
      const text = await response.text();
      if (response.status === 401 && !reauthenticated) {
        // The token was revoked or expired early: one fresh token, then the same request again.
        reauthenticated = true;
        this.session.invalidate(token);
        continue;
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      if ((response.status === 429 || response.status === 413) && retryAfterMs !== undefined && READS.has(method) && throttledRetries < 2 && retryAfterMs <= this.settings.maxRetryAfterMs) {
        throttledRetries += 1;
        await sleep(retryAfterMs, undefined, options.signal === undefined ? {} : { signal: options.signal });
        continue;
      }
      throw faultToError(
        {
          status: response.status,
          text,
          requestId: response.headers.get('x-openstack-request-id') ?? response.headers.get('x-compute-request-id') ?? undefined,
          retryAfterMs,
          call: `${method} ${service} ${path}`,
          what: options.what,
        },
        options,
      );
    }
  }

  /**
   * Every item of a list, page by page: `limit` and `marker`, following the `next` link the
   * service returns (`servers_links`, `volumes_links`, Glance's `next`) until there is none.
   */
  async list<T>(service: ServiceType, path: string, key: string, options: { readonly query?: Query; readonly what: string }): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let marker: string | undefined;
    for (;;) {
      const query = { ...options.query, limit: this.settings.pageSize, ...(marker === undefined ? {} : { marker }) };
      const { body } = await this.call<Record<string, unknown>>(service, 'GET', path, { query, what: options.what });
      const page = body?.[key];
      if (!Array.isArray(page)) throw new SkyportError('ProviderError', `GET ${service} ${path} answered without a "${key}" list`);
      items.push(...(page as T[]));
      marker = nextMarker(body, key);
      if (marker === undefined || page.length === 0) return items;
      if (seen.has(marker)) throw new SkyportError('ProviderError', `GET ${service} ${path} returned the marker ${marker} twice; the listing would never end`);
      seen.add(marker);
    }
  }

  async #send(token: Token, service: ServiceType, method: string, path: string, options: CallOptions): Promise<Response> {
    const url = new URL(`${token.endpoints[service]}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { 'X-Auth-Token': token.value, Accept: 'application/json', ...options.headers };
    if (service === 'compute') headers['OpenStack-API-Version'] = `compute ${COMPUTE_MICROVERSION}`;
    let body: RequestBody | undefined;
    if (options.json !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      const made = options.body();
      headers['Content-Type'] = made.contentType;
      if (made.length !== undefined) headers['Content-Length'] = String(made.length);
      body = made.data;
    }
    // Transfers of image data take as long as they take; everything else has a deadline.
    const transfer = options.raw === true || options.body !== undefined;
    const signals = [options.signal, transfer ? undefined : AbortSignal.timeout(this.settings.requestTimeoutMs)].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length <= 1 ? signals[0] : AbortSignal.any(signals);
    try {
      return await this.fetchImpl(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(signal === undefined ? {} : { signal }),
        // Streams need half-duplex in Node's fetch.
        ...(body !== undefined && typeof body === 'object' && !(body instanceof Uint8Array) ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      if (options.signal?.aborted) throw new SkyportError('Timeout', `${method} ${service} ${path} (${options.what}) was cancelled`, { cause: error });
      throw new SkyportError('ProviderUnavailable', `cannot reach OpenStack ${service} at ${url.origin}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

/** The marker of the next page from a `<key>_links` rel=next or Glance's `next`, if any. */
export function nextMarker(body: Record<string, unknown> | undefined, key: string): string | undefined {
  let href: string | undefined;
  const links = body?.[`${key}_links`];
  if (Array.isArray(links)) {
    const next = (links as { rel?: string; href?: string }[]).find((l) => l.rel === 'next');
    href = next?.href;
  }
  if (href === undefined && typeof body?.['next'] === 'string') href = body['next'];
  if (href === undefined) return undefined;
  // Links may name another host (a proxy's view); only their marker matters.
  return new URL(href, 'http://link.invalid').searchParams.get('marker') ?? undefined;
}
