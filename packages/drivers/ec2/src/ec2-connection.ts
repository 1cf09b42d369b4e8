import type { DriverConfig } from '@skyport/core';
import { SkyportError } from '@skyport/model';

/** Where and as whom the driver talks to EC2: from the provider's region, endpoint and credentials. */
export interface Ec2Connection {
  readonly region: string;
  /** Absent for AWS itself (the SDK resolves the regional endpoint). */
  readonly endpoint: string | undefined;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

/** Checks the configuration when the provider is added: a region and a key pair are required. */
export function ec2ConnectionOf(config: DriverConfig): Ec2Connection {
  const region = config.region?.trim();
  if (region === undefined || region === '') {
    throw new SkyportError('InvalidArgument', 'an ec2 provider needs a region, e.g. us-east-1 (for Skyport\'s own EC2 API: the provider name)', { details: { field: 'region' } });
  }
  const { accessKeyId, secretAccessKey, sessionToken } = config.credentials;
  const missing = [accessKeyId ? undefined : 'accessKeyId', secretAccessKey ? undefined : 'secretAccessKey'].filter((f) => f !== undefined);
  if (missing.length > 0) {
    throw new SkyportError('InvalidArgument', `an ec2 provider needs the credentials ${missing.join(' and ')} (an IAM access key; sessionToken too for temporary credentials)`, {
      details: { field: 'credentials', missing },
    });
  }
  const endpoint = config.endpoint?.trim();
  if (endpoint !== undefined && endpoint !== '' && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new SkyportError('InvalidArgument', `endpoint ${endpoint} is not an http(s) URL; leave it out for AWS, or give e.g. http://cloud.example:8773`, { details: { field: 'endpoint' } });
  }
  return {
    region,
    endpoint: endpoint === undefined || endpoint === '' ? undefined : endpoint,
    credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, ...(sessionToken ? { sessionToken } : {}) },
  };
}
