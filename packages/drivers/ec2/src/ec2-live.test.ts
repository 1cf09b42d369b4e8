/**
 * The conformance suite against real AWS. A public cloud cannot run here, so this runs only
 * when asked to with credentials in the environment; it creates (and removes) real, billed
 * resources tagged `conformance-run`.
 *
 *   SKYPORT_EC2_LIVE=1 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… [AWS_SESSION_TOKEN=…]
 *   AWS_REGION=eu-west-1 SKYPORT_EC2_LIVE_IMAGE_ID=ami-… [SKYPORT_EC2_LIVE_INSTANCE_TYPES=t3.micro,t3.small]
 *   [SKYPORT_EC2_LIVE_BUCKET=my-vmie-bucket]  (image import/export; needs the vmimport role)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { factoryForProvider, type DriverConfig } from '@skyport/core';
import { runConformance } from '@skyport/conformance';
import { ec2Driver } from './index.js';

const env = process.env;
const missing = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'SKYPORT_EC2_LIVE_IMAGE_ID'].filter((name) => !env[name]);
const enabled = env['SKYPORT_EC2_LIVE'] === '1' && missing.length === 0;

if (!enabled) {
  const reason =
    env['SKYPORT_EC2_LIVE'] === '1'
      ? `live AWS run asked for, but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`
      : 'live AWS run not asked for: set SKYPORT_EC2_LIVE=1 with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and SKYPORT_EC2_LIVE_IMAGE_ID (a public cloud cannot run on this machine)';
  test('conformance: ec2 against live AWS', { skip: reason }, () => {});
} else {
  const settings = {
    instanceTypes: (env['SKYPORT_EC2_LIVE_INSTANCE_TYPES'] ?? 't3.micro').split(',').map((s) => s.trim()),
    imageIds: [env['SKYPORT_EC2_LIVE_IMAGE_ID']!],
    ...(env['SKYPORT_EC2_LIVE_BUCKET'] ? { bucket: env['SKYPORT_EC2_LIVE_BUCKET'], vmImportRole: 'vmimport' } : {}),
  };
  let dataDir = '';
  runConformance({
    name: 'ec2 against live AWS',
    factory: factoryForProvider(ec2Driver, settings),
    config: async (): Promise<DriverConfig> => {
      dataDir = await mkdtemp(join(tmpdir(), 'skyport-ec2-live-'));
      return {
        providerId: 'prv-live',
        name: 'aws-live',
        region: env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
        credentials: {
          accessKeyId: env['AWS_ACCESS_KEY_ID']!,
          secretAccessKey: env['AWS_SECRET_ACCESS_KEY']!,
          ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}),
        },
        settings: { ...settings, taskPollMs: 15_000 },
        dataDir,
      };
    },
    fixtures: { imageId: env['SKYPORT_EC2_LIVE_IMAGE_ID']! },
    timeouts: { stateChangeMs: 600_000, pollMs: 5_000 },
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  });
}
