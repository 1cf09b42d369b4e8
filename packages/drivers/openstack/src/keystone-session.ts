/**
 * Keystone v3: a project-scoped token (password or application credential), the service
 * catalog it carries, and the endpoint of each service for the configured region and
 * interface. The token is renewed shortly before it expires and whenever a service answers
 * 401. https://docs.openstack.org/api-ref/identity/v3/#password-authentication-with-scoped-authorization
 */
import { SkyportError } from '@skyport/model';
import { faultToError } from './openstack-errors.js';
import type { OpenStackSettings } from './openstack-settings.js';

export type ServiceType = 'compute' | 'image' | 'volume' | 'network';

interface CatalogEndpoint {
  readonly interface?: string;
  readonly region?: string;
  readonly region_id?: string;
  readonly url?: string;
}

interface CatalogEntry {
  readonly type?: string;
  readonly endpoints?: readonly CatalogEndpoint[];
}

export interface Token {
  readonly value: string;
  readonly expiresAt: number;
  readonly projectId: string;
  /** Versioned service roots: compute `/v2.1`, image `/v2`, volume `/v3/{project}`, network `/v2.0`. */
  readonly endpoints: Readonly<Record<ServiceType, string>>;
  /** The region the endpoints belong to. */
  readonly region: string;
}

/** Catalog types per service, newest first (clouds still publish the old names). */
const CATALOG_TYPES: Record<ServiceType, readonly string[]> = {
  compute: ['compute'],
  image: ['image'],
  volume: ['block-storage', 'volumev3', 'volume'],
  network: ['network'],
};

/** The catalog often lists unversioned roots; the driver speaks one version of each API. */
function versioned(service: ServiceType, url: string, projectId: string): string {
  const root = url.replace(/\/+$/, '');
  switch (service) {
    case 'compute':
      return /\/v2(\.1)?(\/[^/]+)?$/.test(root) ? root : `${root}/v2.1`;
    case 'image':
      return /\/v2$/.test(root) ? root : `${root}/v2`;
    case 'network':
      return /\/v2\.0$/.test(root) ? root : `${root}/v2.0`;
    case 'volume':
      return /\/v3(\/[^/]+)?$/.test(root) ? root : `${root}/v3/${projectId}`;
  }
}

export class KeystoneSession {
  #token: Token | undefined;
  #pending: Promise<Token> | undefined;

  constructor(
    private readonly settings: OpenStackSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** A token valid for at least the renewal margin; authenticates when needed (one request at a time). */
  async token(): Promise<Token> {
    const current = this.#token;
    if (current !== undefined && current.expiresAt - Date.now() > this.settings.tokenRenewMs) return current;
    return this.renew();
  }

  /** Forgets `stale` (a service refused it) so the next call authenticates again. */
  invalidate(stale: Token): void {
    if (this.#token === stale) this.#token = undefined;
  }

  renew(): Promise<Token> {
    this.#pending ??= this.#authenticate().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #authenticate(): Promise<Token> {
    const url = `${this.settings.authUrl}/auth/tokens`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(this.#authBody()),
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      });
    } catch (error) {
      throw new SkyportError('ProviderUnavailable', `cannot reach Keystone at ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const text = await response.text();
    const requestId = response.headers.get('x-openstack-request-id') ?? undefined;
    if (!response.ok) {
      const error = faultToError({ status: response.status, text, requestId, retryAfterMs: undefined, call: 'POST identity /auth/tokens', what: this.#who() });
      if (response.status === 401) {
        throw new SkyportError('Unauthenticated', `Keystone refused the credentials of ${this.#who()}: ${error.message}`, { providerCode: error.providerCode ?? 'Unauthorized', ...(requestId === undefined ? {} : { requestId }) });
      }
      throw error;
    }
    const value = response.headers.get('x-subject-token');
    let body: { token?: { expires_at?: string; project?: { id?: string }; catalog?: readonly CatalogEntry[] } };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new SkyportError('ProviderError', `Keystone at ${url} answered ${response.status} without a JSON token body`, { ...(requestId === undefined ? {} : { requestId }) });
    }
    const token = body.token;
    const expiresAt = Date.parse(token?.expires_at ?? '');
    const projectId = token?.project?.id;
    if (value === null || token === undefined || Number.isNaN(expiresAt)) {
      throw new SkyportError('ProviderError', `Keystone at ${url} answered without X-Subject-Token or expires_at`, { ...(requestId === undefined ? {} : { requestId }) });
    }
    if (projectId === undefined || token.catalog === undefined) {
      throw new SkyportError('Unauthenticated', `the token of ${this.#who()} is not scoped to a project (no project or catalog in it); set projectName or projectId`, { providerCode: 'UnscopedToken' });
    }
    const { endpoints, region } = this.#endpoints(token.catalog, projectId);
    const fresh: Token = { value, expiresAt, projectId, endpoints, region };
    this.#token = fresh;
    return fresh;
  }

  #endpoints(catalog: readonly CatalogEntry[], projectId: string): { endpoints: Record<ServiceType, string>; region: string } {
    const wanted = this.settings.region;
    const endpoints = {} as Record<ServiceType, string>;
    let region: string | undefined = wanted;
    for (const service of Object.keys(CATALOG_TYPES) as ServiceType[]) {
      const entries = catalog.filter((e) => e.type !== undefined && CATALOG_TYPES[service].includes(e.type));
      const candidates = entries.flatMap((e) => e.endpoints ?? []).filter((e) => e.interface === this.settings.interface && e.url !== undefined);
      const inRegion = candidates.filter((e) => wanted === undefined || e.region_id === wanted || e.region === wanted);
      const chosen = inRegion[0];
      if (chosen?.url === undefined) {
        const seen = candidates.map((e) => e.region_id ?? e.region ?? '?');
        throw new SkyportError(
          'ProviderUnavailable',
          `the service catalog has no ${this.settings.interface} ${CATALOG_TYPES[service].join('/')} endpoint${wanted === undefined ? '' : ` in region ${wanted}`}` +
            (seen.length > 0 ? `; regions with one: ${[...new Set(seen)].join(', ')}` : '; check the interface setting (public, internal, admin)'),
          { details: { service, interface: this.settings.interface, region: wanted } },
        );
      }
      region ??= chosen.region_id ?? chosen.region;
      endpoints[service] = versioned(service, chosen.url, projectId);
    }
    return { endpoints, region: region ?? 'default' };
  }

  #authBody(): unknown {
    const auth = this.settings.auth;
    if (auth.kind === 'applicationCredential') {
      return { auth: { identity: { methods: ['application_credential'], application_credential: { id: auth.id, secret: auth.secret } } } };
    }
    return {
      auth: {
        identity: { methods: ['password'], password: { user: { name: auth.username, domain: auth.userDomain, password: auth.password } } },
        scope: { project: auth.project },
      },
    };
  }

  #who(): string {
    const auth = this.settings.auth;
    return auth.kind === 'applicationCredential' ? `application credential ${auth.id}` : `user ${auth.username}`;
  }
}
