/**
 * The conformance suite against a real Proxmox VE cluster, opt-in:
 *   SKYPORT_PROXMOX_LIVE=1 PROXMOX_URL=https://pve1:8006 PROXMOX_TOKEN_ID=skyport@pve!broker PROXMOX_TOKEN_SECRET=...
 * (or PROXMOX_USERNAME=root@pam PROXMOX_PASSWORD=... for ticket login). Optional:
 * PROXMOX_STORAGE, PROXMOX_IMPORT_STORAGE, PROXMOX_BRIDGE, PROXMOX_IMAGE (a template VMID with a
 * small disk), PROXMOX_INSECURE_TLS=1 for the cluster's self-signed certificate.
 * It creates and destroys VMs and templates named `cf-*` in the cluster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runConformance } from '@skyport/conformance';
import { proxmoxDriver } from './index.js';

const env = process.env;
const has = (name: string): boolean => (env[name] ?? '') !== '';
const credentials: Record<string, string> = has('PROXMOX_TOKEN_ID')
  ? { tokenId: env['PROXMOX_TOKEN_ID'] ?? '', tokenSecret: env['PROXMOX_TOKEN_SECRET'] ?? '' }
  : { username: env['PROXMOX_USERNAME'] ?? '', password: env['PROXMOX_PASSWORD'] ?? '' };
const missing = [
  ...(has('PROXMOX_URL') ? [] : ['PROXMOX_URL']),
  ...(Object.values(credentials).every((v) => v !== '') ? [] : ['PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET (or PROXMOX_USERNAME and PROXMOX_PASSWORD)']),
];
const enabled = env['SKYPORT_PROXMOX_LIVE'] === '1' && missing.length === 0;

if (!enabled) {
  const reason =
    env['SKYPORT_PROXMOX_LIVE'] !== '1'
      ? 'live Proxmox tests run only with SKYPORT_PROXMOX_LIVE=1 and PROXMOX_URL plus an API token or a user and password set'
      : `live Proxmox tests need ${missing.join(', ')}`;
  test('proxmox live conformance', { skip: reason }, () => {});
} else {
  let dataDir = '';
  runConformance({
    name: 'proxmox (live cluster)',
    factory: proxmoxDriver,
    config: async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'skyport-proxmox-live-'));
      return {
        providerId: 'prv-proxmox-live',
        name: 'proxmox-live',
        endpoint: env['PROXMOX_URL'] ?? '',
        credentials,
        settings: {
          ...(has('PROXMOX_STORAGE') ? { storage: env['PROXMOX_STORAGE'] } : {}),
          ...(has('PROXMOX_IMPORT_STORAGE') ? { importStorage: env['PROXMOX_IMPORT_STORAGE'] } : {}),
          ...(has('PROXMOX_BRIDGE') ? { bridge: env['PROXMOX_BRIDGE'] } : {}),
          ...(env['PROXMOX_INSECURE_TLS'] === '1' ? { insecureTls: true } : {}),
        },
        dataDir,
      };
    },
    // Full clones copy whole disks; real guests take tens of seconds to boot and shut down.
    timeouts: { stateChangeMs: 600_000, pollMs: 3000 },
    fixtures: { unknownId: '999999999', ...(has('PROXMOX_IMAGE') ? { imageId: env['PROXMOX_IMAGE'] } : {}) },
    cleanup: async () => {
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}
