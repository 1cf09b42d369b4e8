/** The provider's configuration, checked when the provider is added. */
import type { DriverConfig } from '@skyport/core';
import { SkyportError } from '@skyport/model';

export interface XenSettings {
  /** The pool master's address; JSON-RPC goes to `<url>/jsonrpc`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly insecureTls: boolean;
  readonly caCertificate?: string;
  /** SR (name or uuid) for new volumes and imported images; default: the pool's default SR. */
  readonly sr?: string;
  /** Network (name or uuid) a VIF is added on when a new VM has none. */
  readonly network?: string;
  /** The template imported disks are wrapped in (a diskless HVM template). */
  readonly importTemplate: string;
  readonly requestTimeoutMs: number;
}

function invalid(field: string, message: string): SkyportError {
  return new SkyportError('InvalidArgument', message, { details: { field } });
}

const KNOWN = ['insecureTls', 'caCertificate', 'sr', 'network', 'importTemplate', 'requestTimeoutMs'];

function positiveInt(s: Readonly<Record<string, unknown>>, name: string, fallback: number, max: number): number {
  const value = s[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`settings.${name}`, `setting ${name} must be an integer from 1 to ${max}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalText(s: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = s[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(`settings.${name}`, `setting ${name} must be a non-empty name or uuid`);
  return value.trim();
}

export function parseXenSettings(config: DriverConfig): XenSettings {
  const endpoint = config.endpoint?.trim();
  if (endpoint === undefined || endpoint === '') {
    throw invalid('endpoint', 'a xen provider needs an endpoint: the pool master, e.g. https://xcp-master.example.com');
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid('endpoint', `endpoint ${JSON.stringify(endpoint)} is not a URL; use e.g. https://xcp-master.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('endpoint', `endpoint ${JSON.stringify(endpoint)} must use https (or http)`);
  const username = config.credentials['username'];
  const password = config.credentials['password'];
  if (username === undefined || username === '' || password === undefined) {
    throw invalid('credentials', 'a xen provider needs credentials username and password (e.g. root and its password)');
  }
  const s = config.settings;
  const unknown = Object.keys(s).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) throw invalid(`settings.${unknown[0]}`, `unknown setting ${unknown.join(', ')}; known: ${KNOWN.join(', ')}`);
  if (s['insecureTls'] !== undefined && typeof s['insecureTls'] !== 'boolean') throw invalid('settings.insecureTls', 'setting insecureTls must be true or false');
  const ca = s['caCertificate'];
  if (ca !== undefined && (typeof ca !== 'string' || !ca.includes('-----BEGIN CERTIFICATE-----'))) {
    throw invalid('settings.caCertificate', 'setting caCertificate must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
  }
  const sr = optionalText(s, 'sr');
  const network = optionalText(s, 'network');
  return {
    url: url.origin,
    username,
    password,
    insecureTls: s['insecureTls'] === true,
    ...(typeof ca === 'string' ? { caCertificate: ca } : {}),
    ...(sr === undefined ? {} : { sr }),
    ...(network === undefined ? {} : { network }),
    importTemplate: optionalText(s, 'importTemplate') ?? 'Other install media',
    requestTimeoutMs: positiveInt(s, 'requestTimeoutMs', 600_000, 3_600_000),
  };
}
