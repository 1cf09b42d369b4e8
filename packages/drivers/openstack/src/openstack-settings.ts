/**
 * The provider's configuration, checked when the provider is added so a typo fails there and
 * not on the first poll. `endpoint` is Keystone's URL; secrets come from `credentials`.
 */
import type { DriverConfig, DriverConfigField } from '@skyport/core';
import { SkyportError } from '@skyport/model';

export type EndpointInterface = 'public' | 'internal' | 'admin';
const INTERFACES: readonly EndpointInterface[] = ['public', 'internal', 'admin'];

export type OpenStackAuth =
  | { readonly kind: 'password'; readonly username: string; readonly password: string; readonly userDomain: DomainRef; readonly project: ProjectRef }
  | { readonly kind: 'applicationCredential'; readonly id: string; readonly secret: string };

export type DomainRef = { readonly id: string } | { readonly name: string };
export type ProjectRef = { readonly id: string } | { readonly name: string; readonly domain: DomainRef };

export interface OpenStackSettings {
  /** Keystone v3 root, ending in `/v3`. */
  readonly authUrl: string;
  readonly region: string | undefined;
  readonly interface: EndpointInterface;
  readonly auth: OpenStackAuth;
  /** Neutron network for new servers; without it Nova picks (`networks: "auto"`). */
  readonly networkId: string | undefined;
  /** `limit` of every list request; lists follow `next` links until the end. */
  readonly pageSize: number;
  /** Re-authenticate this long before the token expires. */
  readonly tokenRenewMs: number;
  /** How often import/export poll Glance while an image is being saved. */
  readonly imagePollMs: number;
  /** How long import/export wait for an image to become active. */
  readonly imageTimeoutMs: number;
  /** Longest Retry-After honoured by retrying a read by itself; longer ones become Throttled. */
  readonly maxRetryAfterMs: number;
  readonly requestTimeoutMs: number;
}

export const OPENSTACK_CONFIG_FIELDS: readonly DriverConfigField[] = [
  { name: 'endpoint', description: 'Keystone v3 URL (authUrl), e.g. https://keystone.example.com:5000/v3', secret: false, required: true },
  { name: 'region', description: 'Region of the service catalog to use (e.g. RegionOne); the first listed when absent', secret: false, required: false },
  { name: 'interface', description: 'Catalog endpoint interface: public (default), internal or admin', secret: false, required: false },
  { name: 'username', description: 'User name, for password authentication', secret: false, required: false },
  { name: 'userDomainName', description: "User's domain name (default Default); or userDomainId", secret: false, required: false },
  { name: 'userDomainId', description: "User's domain id", secret: false, required: false },
  { name: 'projectName', description: 'Project to scope the token to; or projectId', secret: false, required: false },
  { name: 'projectId', description: 'Project id to scope the token to', secret: false, required: false },
  { name: 'projectDomainName', description: "Project's domain name (default Default); or projectDomainId", secret: false, required: false },
  { name: 'projectDomainId', description: "Project's domain id", secret: false, required: false },
  { name: 'applicationCredentialId', description: 'Application credential id (instead of username/password)', secret: false, required: false },
  { name: 'password', description: "The user's password", secret: true, required: false },
  { name: 'applicationCredentialSecret', description: 'Secret of the application credential', secret: true, required: false },
  { name: 'networkId', description: 'Neutron network id for new servers (default: Nova chooses, networks "auto")', secret: false, required: false },
  { name: 'pageSize', description: 'Items per page of list requests (default 100)', secret: false, required: false },
];

const KNOWN_SETTINGS = new Set([
  'interface', 'username', 'userDomainName', 'userDomainId', 'projectName', 'projectId', 'projectDomainName', 'projectDomainId',
  'applicationCredentialId', 'networkId', 'pageSize', 'tokenRenewSeconds', 'imagePollMs', 'imageTimeoutMs', 'maxRetryAfterMs', 'requestTimeoutMs',
]);

function invalid(field: string, message: string): SkyportError {
  return new SkyportError('InvalidArgument', `openstack provider: ${field}: ${message}`, { details: { field } });
}

function text(settings: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = settings[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(name, `must be a string, got ${typeof value}`);
  return value;
}

function positive(settings: Readonly<Record<string, unknown>>, name: string, fallback: number, max: number): number {
  const value = settings[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw invalid(name, `must be a whole number from 1 to ${max}`);
  return value;
}

function domain(settings: Readonly<Record<string, unknown>>, prefix: 'user' | 'project'): DomainRef {
  const id = text(settings, `${prefix}DomainId`);
  if (id !== undefined) return { id };
  return { name: text(settings, `${prefix}DomainName`) ?? 'Default' };
}

/** Normalizes the Keystone URL to its `/v3` root, which is where `/auth/tokens` lives. */
export function keystoneRoot(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid('endpoint', `"${endpoint}" is not a URL; give Keystone's address, e.g. https://keystone.example.com:5000/v3`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('endpoint', `"${endpoint}" must be an http or https URL`);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = /\/v3$/.test(path) ? path : `${path}/v3`;
  url.search = '';
  return url.toString().replace(/\/+$/, '');
}

export function parseOpenStackSettings(config: DriverConfig): OpenStackSettings {
  const s = config.settings;
  for (const name of Object.keys(s)) {
    if (!KNOWN_SETTINGS.has(name)) throw invalid(name, `unknown setting; known: ${[...KNOWN_SETTINGS].join(', ')}`);
  }
  if (config.endpoint === undefined || config.endpoint === '') throw invalid('endpoint', "is required: Keystone's v3 URL (OS_AUTH_URL)");
  const iface = text(s, 'interface') ?? 'public';
  if (!(INTERFACES as readonly string[]).includes(iface)) throw invalid('interface', `"${iface}" is not one of ${INTERFACES.join(', ')}`);

  const appId = text(s, 'applicationCredentialId');
  const appSecret = config.credentials['applicationCredentialSecret'];
  const username = text(s, 'username');
  const password = config.credentials['password'];
  let auth: OpenStackAuth;
  if (appId !== undefined || appSecret !== undefined) {
    if (appId === undefined || appSecret === undefined || appSecret === '') {
      throw invalid('applicationCredentialId', 'application credential authentication needs both settings.applicationCredentialId and credentials.applicationCredentialSecret');
    }
    // An application credential is bound to its project; Keystone refuses an explicit scope.
    auth = { kind: 'applicationCredential', id: appId, secret: appSecret };
  } else {
    if (username === undefined || password === undefined || password === '') {
      throw invalid('username', 'give settings.username with credentials.password, or settings.applicationCredentialId with credentials.applicationCredentialSecret');
    }
    const projectId = text(s, 'projectId');
    const projectName = text(s, 'projectName');
    if (projectId === undefined && projectName === undefined) throw invalid('projectName', 'password authentication needs projectName or projectId to scope the token to');
    const project: ProjectRef = projectId !== undefined ? { id: projectId } : { name: projectName ?? '', domain: domain(s, 'project') };
    auth = { kind: 'password', username, password, userDomain: domain(s, 'user'), project };
  }
  return {
    authUrl: keystoneRoot(config.endpoint),
    region: config.region === '' ? undefined : config.region,
    interface: iface as EndpointInterface,
    auth,
    networkId: text(s, 'networkId'),
    pageSize: positive(s, 'pageSize', 100, 1000),
    tokenRenewMs: positive(s, 'tokenRenewSeconds', 300, 86_400) * 1000,
    imagePollMs: positive(s, 'imagePollMs', 2000, 600_000),
    imageTimeoutMs: positive(s, 'imageTimeoutMs', 3_600_000, 86_400_000),
    maxRetryAfterMs: positive(s, 'maxRetryAfterMs', 10_000, 600_000),
    requestTimeoutMs: positive(s, 'requestTimeoutMs', 60_000, 3_600_000),
  };
}
