/** The provider's configuration, checked when the provider is added. */
import { SkyportError } from '@skyport/model';
import type { DriverConfig } from '@skyport/core';

export interface VsphereSettings {
  /** The SOAP endpoint, always ending in `/sdk`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly insecureTls: boolean;
  readonly caCertificate?: string;
  /** `maxObjects` per PropertyCollector page. */
  readonly pageSize: number;
  readonly taskPollMs: number;
  readonly taskTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

function invalid(field: string, message: string): SkyportError {
  return new SkyportError('InvalidArgument', message, { details: { field } });
}

function positiveInt(settings: Readonly<Record<string, unknown>>, name: string, fallback: number, max: number): number {
  const value = settings[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`settings.${name}`, `setting ${name} must be an integer from 1 to ${max}; got ${JSON.stringify(value)}`);
  }
  return value;
}

const KNOWN = ['insecureTls', 'caCertificate', 'pageSize', 'taskPollMs', 'taskTimeoutMs', 'requestTimeoutMs'];

export function parseVsphereSettings(config: DriverConfig): VsphereSettings {
  const endpoint = config.endpoint?.trim();
  if (endpoint === undefined || endpoint === '') {
    throw invalid('endpoint', 'a vsphere provider needs an endpoint: the vCenter or ESXi address, e.g. https://vcenter.example.com');
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalid('endpoint', `endpoint ${JSON.stringify(endpoint)} is not a URL; use e.g. https://vcenter.example.com`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid('endpoint', `endpoint ${JSON.stringify(endpoint)} must use https (or http for a simulator)`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/sdk';
  const username = config.credentials['username'];
  const password = config.credentials['password'];
  if (username === undefined || username === '' || password === undefined) {
    throw invalid('credentials', 'a vsphere provider needs credentials username and password (e.g. administrator@vsphere.local)');
  }
  const s = config.settings;
  const unknown = Object.keys(s).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) throw invalid(`settings.${unknown[0]}`, `unknown setting ${unknown.join(', ')}; known: ${KNOWN.join(', ')}`);
  if (s['insecureTls'] !== undefined && typeof s['insecureTls'] !== 'boolean') throw invalid('settings.insecureTls', 'setting insecureTls must be true or false');
  const ca = s['caCertificate'];
  if (ca !== undefined && (typeof ca !== 'string' || !ca.includes('-----BEGIN CERTIFICATE-----'))) {
    throw invalid('settings.caCertificate', 'setting caCertificate must be a PEM certificate (-----BEGIN CERTIFICATE-----)');
  }
  return {
    url: url.toString(),
    username,
    password,
    insecureTls: s['insecureTls'] === true,
    ...(typeof ca === 'string' ? { caCertificate: ca } : {}),
    pageSize: positiveInt(s, 'pageSize', 500, 10_000),
    taskPollMs: positiveInt(s, 'taskPollMs', 500, 60_000),
    taskTimeoutMs: positiveInt(s, 'taskTimeoutMs', 30 * 60_000, 24 * 3_600_000),
    requestTimeoutMs: positiveInt(s, 'requestTimeoutMs', 120_000, 3_600_000),
  };
}
