/** The provider's configuration, checked when the provider is added. */
import type { DriverConfig } from '@skyport/core';
import { SkyportError } from '@skyport/model';

export type ProxmoxAuth =
  | { readonly kind: 'token'; readonly tokenId: string; readonly secret: string }
  | { readonly kind: 'ticket'; readonly username: string; readonly password: string };

export interface ProxmoxSettings {
  /** `https://host:8006`; API calls go to `<url>/api2/json`. */
  readonly url: string;
  readonly auth: ProxmoxAuth;
  readonly insecureTls: boolean;
  readonly caCertificate?: string;
  /** Storage for full clones, imported disks and cloud-init drives; default: the source's. */
  readonly storage?: string;
  /** Storage with the `import` content type that disk uploads go to. */
  readonly importStorage: string;
  /** Bridge a NIC is added on when an imported image is created. */
  readonly bridge: string;
  /** Seconds a guest gets to shut down before Proxmox stops it. */
  readonly shutdownTimeoutS: number;
  readonly taskPollMs: number;
  readonly taskTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

function invalid(field: string, message: string): SkyportError {
  return new SkyportError('InvalidArgument', message, { details: { field } });
}

const KNOWN = ['insecureTls', 'caCertificate', 'storage', 'importStorage', 'bridge', 'shutdownTimeoutS', 'taskPollMs', 'taskTimeoutMs', 'requestTimeoutMs'];

function positiveInt(s: Readonly<Record<string, unknown>>, name: string, fallback: number, max: number): number {
  const value = s[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`settings.${name}`, `setting ${name} must be an integer from 1 to ${max}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function text(s: Readonly<Record<string, unknown>>, name: string, pattern: RegExp, what: string): string | undefined {
  const value = s[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw invalid(`settings.${name}`, `setting ${name} must be ${what}; got ${JSON.stringify(value)}`);
  return value;
}

const STORAGE_ID = /^[a-zA-Z][a-zA-Z0-9\-_.]*$/;

export function parseProxmoxSettings(config: DriverConfig): ProxmoxSettings {
  const endpoint = config.endpoint?.trim();
  if (endpoint === undefined || endpoint === '') throw invalid('endpoint', 'a proxmox provider needs an endpoint: a node of the cluster, e.g. https://pve1.example.com:8006');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid('endpoint', `endpoint ${JSON.stringify(endpoint)} is not a URL; use e.g. https://pve1.example.com:8006`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('endpoint', `endpoint ${JSON.stringify(endpoint)} must use https`);
  const c = config.credentials;
  let auth: ProxmoxAuth;
  if (c['tokenId'] !== undefined || c['tokenSecret'] !== undefined) {
    const tokenId = c['tokenId'] ?? '';
    if (!/^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9.\-_]*$/.test(tokenId) || (c['tokenSecret'] ?? '') === '') {
      throw invalid('credentials', 'an API token needs credentials tokenId (USER@REALM!TOKENID, e.g. skyport@pve!broker) and tokenSecret');
    }
    auth = { kind: 'token', tokenId, secret: c['tokenSecret'] ?? '' };
  } else {
    const username = c['username'] ?? '';
    if (!/^[^\s@]+@[^\s@]+$/.test(username) || c['password'] === undefined || c['password'] === '') {
      throw invalid('credentials', 'a proxmox provider needs credentials tokenId and tokenSecret (an API token), or username (USER@REALM, e.g. root@pam) and password');
    }
    auth = { kind: 'ticket', username, password: c['password'] };
  }
  const s = config.settings;
  const unknown = Object.keys(s).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) throw invalid(`settings.${unknown[0]}`, `unknown setting ${unknown.join(', ')}; known: ${KNOWN.join(', ')}`);
  if (s['insecureTls'] !== undefined && typeof s['insecureTls'] !== 'boolean') throw invalid('settings.insecureTls', 'setting insecureTls must be true or false');
  const ca = s['caCertificate'];
  if (ca !== undefined && (typeof ca !== 'string' || !ca.includes('-----BEGIN CERTIFICATE-----'))) {
    throw invalid('settings.caCertificate', 'setting caCertificate must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
  }
  const storage = text(s, 'storage', STORAGE_ID, 'a storage id such as local-lvm');
  return {
    url: url.origin,
    auth,
    insecureTls: s['insecureTls'] === true,
    ...(typeof ca === 'string' ? { caCertificate: ca } : {}),
    ...(storage === undefined ? {} : { storage }),
    importStorage: text(s, 'importStorage', STORAGE_ID, 'a storage id such as local') ?? 'local',
    bridge: text(s, 'bridge', /^[a-zA-Z][a-zA-Z0-9_.-]{0,14}$/, 'a bridge name such as vmbr0') ?? 'vmbr0',
    shutdownTimeoutS: positiveInt(s, 'shutdownTimeoutS', 120, 3600),
    taskPollMs: positiveInt(s, 'taskPollMs', 1000, 60_000),
    taskTimeoutMs: positiveInt(s, 'taskTimeoutMs', 1_800_000, 86_400_000),
    requestTimeoutMs: positiveInt(s, 'requestTimeoutMs', 120_000, 3_600_000),
  };
}
