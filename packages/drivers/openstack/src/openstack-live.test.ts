/**
 * The conformance suite against a real OpenStack cloud, only when asked for: it creates and
 * deletes servers, volumes and images in the project, which costs quota (and maybe money).
 *
 *   SKYPORT_OPENSTACK_LIVE=1 OS_AUTH_URL=... OS_USERNAME=... OS_PASSWORD=... OS_PROJECT_NAME=... \
 *   OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne \
 *   node --conditions=source --import tsx --test packages/drivers/openstack/src/openstack-live.test.ts
 *
 * or OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET instead of user and
 * password. Optional: OS_INTERFACE, SKYPORT_OPENSTACK_IMAGE / SKYPORT_OPENSTACK_FLAVOR (what
 * the suite boots), SKYPORT_OPENSTACK_NETWORK (network id for servers).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runConformance } from '@skyport/conformance';
import { openstackDriver } from './index.js';

const env = process.env;
const hasCredentials = (env['OS_USERNAME'] !== undefined && env['OS_PASSWORD'] !== undefined) || (env['OS_APPLICATION_CREDENTIAL_ID'] !== undefined && env['OS_APPLICATION_CREDENTIAL_SECRET'] !== undefined);
const live = env['SKYPORT_OPENSTACK_LIVE'] === '1' && env['OS_AUTH_URL'] !== undefined && hasCredentials;

/** The standard OS_* variables, as the openstack CLI reads them, into provider settings. */
function settingsFromEnvironment(): Record<string, unknown> {
  const pick: Record<string, string> = {
    OS_INTERFACE: 'interface',
    OS_USERNAME: 'username',
    OS_USER_DOMAIN_NAME: 'userDomainName',
    OS_USER_DOMAIN_ID: 'userDomainId',
    OS_PROJECT_NAME: 'projectName',
    OS_PROJECT_ID: 'projectId',
    OS_PROJECT_DOMAIN_NAME: 'projectDomainName',
    OS_PROJECT_DOMAIN_ID: 'projectDomainId',
    OS_APPLICATION_CREDENTIAL_ID: 'applicationCredentialId',
    SKYPORT_OPENSTACK_NETWORK: 'networkId',
  };
  const settings: Record<string, unknown> = {};
  for (const [variable, setting] of Object.entries(pick)) {
    const value = env[variable];
    if (value !== undefined && value !== '') settings[setting] = value;
  }
  // With an application credential, user and project variables must not also be sent.
  if (settings['applicationCredentialId'] !== undefined) {
    for (const key of ['username', 'userDomainName', 'userDomainId', 'projectName', 'projectId', 'projectDomainName', 'projectDomainId']) delete settings[key];
  }
  return settings;
}

if (!live) {
  test('conformance: openstack (live cloud)', { skip: 'set SKYPORT_OPENSTACK_LIVE=1 with OS_AUTH_URL and OS_USERNAME/OS_PASSWORD (or OS_APPLICATION_CREDENTIAL_ID/_SECRET) to run against a real OpenStack cloud' }, () => {});
} else {
  let dataDir = '';
  runConformance({
    name: 'openstack (live cloud)',
    factory: openstackDriver,
    config: async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'skyport-openstack-live-'));
      const credentials: Record<string, string> = {};
      if (env['OS_APPLICATION_CREDENTIAL_SECRET'] !== undefined) credentials['applicationCredentialSecret'] = env['OS_APPLICATION_CREDENTIAL_SECRET'];
      else if (env['OS_PASSWORD'] !== undefined) credentials['password'] = env['OS_PASSWORD'];
      return {
        providerId: 'prv-openstack-live',
        name: 'openstack-live',
        endpoint: env['OS_AUTH_URL'] ?? '',
        ...(env['OS_REGION_NAME'] === undefined ? {} : { region: env['OS_REGION_NAME'] }),
        credentials,
        settings: settingsFromEnvironment(),
        dataDir,
      };
    },
    fixtures: {
      ...(env['SKYPORT_OPENSTACK_IMAGE'] === undefined ? {} : { imageId: env['SKYPORT_OPENSTACK_IMAGE'] }),
      ...(env['SKYPORT_OPENSTACK_FLAVOR'] === undefined ? {} : { hardwareProfileId: env['SKYPORT_OPENSTACK_FLAVOR'] }),
      unknownId: '00000000-0000-4000-8000-000000000000',
    },
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  });
}
