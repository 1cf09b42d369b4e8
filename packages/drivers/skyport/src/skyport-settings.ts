/** The provider settings of a federated broker, checked when the provider is added. */
import { SkyportError } from '@skyport/model';

export interface SkyportSettings {
  /** Name or id of the provider on the remote broker that this provider exposes. */
  readonly remoteProvider: string;
  /** Longest wait for one remote operation (create, stop, export...). */
  readonly operationTimeoutMs: number;
  /** Longest interval between two looks at a remote operation or resource. */
  readonly pollMs: number;
}

export const DEFAULT_OPERATION_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_POLL_MS = 500;
const KNOWN = ['remoteProvider', 'operationTimeoutMs', 'pollMs'];

function positiveInteger(settings: Readonly<Record<string, unknown>>, name: string, fallback: number): number {
  const value = settings[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new SkyportError('InvalidArgument', `settings.${name} must be a positive whole number of milliseconds, not ${JSON.stringify(value)}`, { details: { field: `settings.${name}` } });
  }
  return value;
}

export function parseSkyportSettings(settings: Readonly<Record<string, unknown>>): SkyportSettings {
  const unknown = Object.keys(settings).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) {
    throw new SkyportError('InvalidArgument', `the skyport driver takes no setting ${unknown.map((k) => `"${k}"`).join(', ')}; it takes: ${KNOWN.join(', ')}`, {
      details: { field: `settings.${unknown[0] ?? ''}`, allowed: KNOWN },
    });
  }
  const remoteProvider = settings['remoteProvider'];
  if (typeof remoteProvider !== 'string' || remoteProvider.trim() === '') {
    throw new SkyportError('InvalidArgument', 'settings.remoteProvider must name the provider of the remote broker to expose (its name or id, as `skyport providers list` shows it there)', {
      details: { field: 'settings.remoteProvider' },
    });
  }
  return {
    remoteProvider: remoteProvider.trim(),
    operationTimeoutMs: positiveInteger(settings, 'operationTimeoutMs', DEFAULT_OPERATION_TIMEOUT_MS),
    pollMs: positiveInteger(settings, 'pollMs', DEFAULT_POLL_MS),
  };
}

/** `http(s)://host[:port][/api/v1]`, checked so a typo fails when the provider is added. */
export function parseEndpoint(endpoint: string | undefined): string {
  if (endpoint === undefined || endpoint.trim() === '') {
    throw new SkyportError('InvalidArgument', 'endpoint must be the remote broker\'s base URL, e.g. https://broker.site-b.example:8080', { details: { field: 'endpoint' } });
  }
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new SkyportError('InvalidArgument', `endpoint "${endpoint}" is not a URL; give the remote broker's base URL, e.g. https://broker.site-b.example:8080`, { details: { field: 'endpoint' } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SkyportError('InvalidArgument', `endpoint "${endpoint}" must be http:// or https://`, { details: { field: 'endpoint' } });
  }
  return url.toString().replace(/\/+$/, '');
}
