import type { ResourceKind } from './entities.js';

/**
 * Broker ids look like EC2's (`i-0123456789abcdef0`) so the EC2 front end can hand them out
 * unchanged; the prefix tells the kind at a glance.
 */
export const ID_PREFIX: Readonly<Record<ResourceKind | 'provider' | 'operation' | 'token' | 'tenant' | 'user' | 'accessKey' | 'migrationPlan' | 'migrationRun' | 'migrationVm', string>> = {
  provider: 'prv',
  token: 'tok',
  operation: 'op',
  location: 'loc',
  hardwareProfile: 'hwp',
  image: 'ami',
  instance: 'i',
  keyPair: 'key',
  volume: 'vol',
  snapshot: 'snap',
  securityGroup: 'sg',
  tenant: 'tnt',
  user: 'usr',
  accessKey: 'AKSP',
  migrationPlan: 'mig',
  migrationRun: 'mrun',
  migrationVm: 'mvm',
};

/**
 * The tenant every broker has from its first start (and that a database from before tenancy
 * was moved into): a fixed id, so every store and process agrees on it.
 */
export const DEFAULT_TENANT_ID = 'tnt-00000000000000000';

/** 17 lowercase hex digits from a cryptographic source, after the kind's prefix. */
export function newId(kind: keyof typeof ID_PREFIX): string {
  const bytes = new Uint8Array(9);
  globalThis.crypto.getRandomValues(bytes);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('').slice(0, 17);
  return `${ID_PREFIX[kind]}-${hex}`;
}
