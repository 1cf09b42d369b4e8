import type { DriverFactory } from '@skyport/core';
import { EC2_BEHAVIOUR, EC2_MAX_CAPABILITIES, ec2CapabilitiesFor } from './ec2-capabilities.js';
import { Ec2CloudDriver } from './ec2-cloud-driver.js';
import { ec2ConnectionOf } from './ec2-connection.js';
import { parseEc2Settings } from './ec2-settings.js';

/** Amazon EC2 and EC2-compatible clouds (Eucalyptus-style endpoints, another Skyport's EC2 API). */
export const ec2Driver: DriverFactory = {
  name: 'ec2',
  description:
    'Amazon EC2 or any EC2-compatible cloud through the AWS SDK for JavaScript v3: regions and zones, instance types, images, instances, key pairs, security groups, EBS volumes and snapshots, tags, console output; image import and export through S3 and VM Import/Export when a bucket is configured.',
  capabilities: EC2_MAX_CAPABILITIES,
  capabilitiesFor: ec2CapabilitiesFor,
  behaviour: EC2_BEHAVIOUR,
  configFields: [
    { name: 'region', description: "AWS region, e.g. us-east-1 (for Skyport's own EC2 API: the provider name).", secret: false, required: true },
    { name: 'endpoint', description: 'EC2 endpoint URL of an EC2-compatible cloud; leave out for AWS.', secret: false, required: false },
    // The key id is not a secret on its own, but it is half of a credential: sealed with the secret.
    { name: 'accessKeyId', description: 'IAM access key id (AKIA…, or ASIA… for temporary credentials).', secret: true, required: true },
    { name: 'secretAccessKey', description: 'The secret of the access key.', secret: true, required: true },
    { name: 'sessionToken', description: 'Session token of temporary credentials (STS), if any.', secret: true, required: false },
  ],
  create(config) {
    // Checked here, so a typo fails when the provider is added rather than on first use.
    const connection = ec2ConnectionOf(config);
    return new Ec2CloudDriver(config, connection, parseEc2Settings(config.settings));
  },
};
