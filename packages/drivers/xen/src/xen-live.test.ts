/**
 * The conformance suite against a real XCP-ng / XenServer pool, opt-in:
 *   SKYPORT_XEN_LIVE=1 XEN_URL=https://pool-master XEN_USERNAME=root XEN_PASSWORD=...
 * Optional: XEN_SR, XEN_NETWORK, XEN_IMAGE (a template uuid with a small disk),
 * XEN_INSECURE_TLS=1 for a lab pool's self-signed certificate.
 * It creates and destroys VMs, VDIs and templates named `cf-*` in the pool.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runConformance } from '@skyport/conformance';
import { xenDriver } from './index.js';

const env = process.env;
const missing = ['XEN_URL', 'XEN_USERNAME', 'XEN_PASSWORD'].filter((name) => (env[name] ?? '') === '');
const enabled = env['SKYPORT_XEN_LIVE'] === '1' && missing.length === 0;

if (!enabled) {
  const reason =
    env['SKYPORT_XEN_LIVE'] !== '1'
      ? 'live XAPI tests run only with SKYPORT_XEN_LIVE=1 and XEN_URL, XEN_USERNAME, XEN_PASSWORD set'
      : `live XAPI tests need ${missing.join(', ')}`;
  test('xen live conformance', { skip: reason }, () => {});
} else {
  let dataDir = '';
  runConformance({
    name: 'xen (live pool)',
    factory: xenDriver,
    config: async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'skyport-xen-live-'));
      return {
        providerId: 'prv-xen-live',
        name: 'xen-live',
        endpoint: env['XEN_URL'] ?? '',
        credentials: { username: env['XEN_USERNAME'] ?? '', password: env['XEN_PASSWORD'] ?? '' },
        settings: {
          ...(env['XEN_SR'] ? { sr: env['XEN_SR'] } : {}),
          ...(env['XEN_NETWORK'] ? { network: env['XEN_NETWORK'] } : {}),
          ...(env['XEN_INSECURE_TLS'] === '1' ? { insecureTls: true } : {}),
        },
        dataDir,
      };
    },
    // Real VMs boot and shut down in tens of seconds.
    timeouts: { stateChangeMs: 300_000, pollMs: 3000 },
    fixtures: { unknownId: '00000000-0000-4000-8000-000000000000', ...(env['XEN_IMAGE'] ? { imageId: env['XEN_IMAGE'] } : {}) },
    cleanup: async () => {
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}
