/**
 * The one mapping from Skyport's error codes to EC2's. Everything the core throws passes
 * through `toEc2Error`; the `Record` below fails to compile when a new SkyportError code
 * appears until someone decides what EC2 clients should see for it.
 *
 * EC2 codes depend on what was acted on (`InvalidInstanceID.NotFound` vs
 * `InvalidVolume.NotFound`): clients, waiters in particular, match on them.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 */
import { isSkyportError, type ErrorCode, type SkyportError } from '@skyport/model';
import { Ec2Error, isEc2Error } from './ec2-error.js';

/** What an action works on; picks the resource-specific EC2 code. */
export type Subject = 'instance' | 'image' | 'volume' | 'snapshot' | 'keyPair' | 'securityGroup' | 'zone' | 'instanceType' | 'tag' | 'region';

const NOT_FOUND: Readonly<Record<Subject, string>> = {
  instance: 'InvalidInstanceID.NotFound',
  image: 'InvalidAMIID.NotFound',
  volume: 'InvalidVolume.NotFound',
  snapshot: 'InvalidSnapshot.NotFound',
  keyPair: 'InvalidKeyPair.NotFound',
  securityGroup: 'InvalidGroup.NotFound',
  zone: 'InvalidZone.NotFound',
  instanceType: 'InvalidInstanceType',
  tag: 'InvalidID',
  region: 'InvalidParameterValue',
};

const DUPLICATE: Partial<Record<Subject, string>> = {
  keyPair: 'InvalidKeyPair.Duplicate',
  securityGroup: 'InvalidGroup.Duplicate',
  image: 'InvalidAMIName.Duplicate',
};

const WRONG_STATE: Partial<Record<Subject, string>> = {
  instance: 'IncorrectInstanceState',
  volume: 'IncorrectState',
  snapshot: 'IncorrectState',
  image: 'InvalidAMIID.Unavailable',
  securityGroup: 'DependencyViolation',
};

const LIMIT: Partial<Record<Subject, string>> = {
  instance: 'InstanceLimitExceeded',
  volume: 'VolumeLimitExceeded',
  snapshot: 'SnapshotLimitExceeded',
};

/** Which subject a NotFound names: the core says `kind` (lookups) or `field` (references). */
const SUBJECT_OF: Readonly<Record<string, Subject>> = {
  instance: 'instance',
  instanceId: 'instance',
  image: 'image',
  imageId: 'image',
  volume: 'volume',
  volumeId: 'volume',
  snapshot: 'snapshot',
  snapshotId: 'snapshot',
  keyPair: 'keyPair',
  keyName: 'keyPair',
  securityGroup: 'securityGroup',
  securityGroupIds: 'securityGroup',
  location: 'zone',
  locationId: 'zone',
  hardwareProfile: 'instanceType',
  hardwareProfileId: 'instanceType',
  provider: 'region',
};

type Mapper = (error: SkyportError, subject: Subject | undefined) => Ec2Error;

const BY_CODE: Readonly<Record<ErrorCode, Mapper>> = {
  InvalidArgument: (e) => new Ec2Error('InvalidParameterValue', e.message),
  NotFound: (e, subject) => new Ec2Error(NOT_FOUND[notFoundSubject(e) ?? subject ?? 'tag'], e.message),
  AlreadyExists: (e, subject) => new Ec2Error((subject && DUPLICATE[subject]) ?? 'InvalidParameterValue', e.message),
  InvalidState: (e, subject) => new Ec2Error((subject && WRONG_STATE[subject]) ?? 'IncorrectState', e.message),
  IdempotencyMismatch: (e) => new Ec2Error('IdempotentParameterMismatch', `${e.message} (ClientToken)`),
  Unauthenticated: (e) => new Ec2Error('AuthFailure', e.message),
  Forbidden: (e) => new Ec2Error('UnauthorizedOperation', `You are not authorized to perform this operation. ${e.message}`),
  Unsupported: (e) => new Ec2Error('UnsupportedOperation', e.message),
  QuotaExceeded: (e, subject) => new Ec2Error((subject && LIMIT[subject]) ?? 'ResourceLimitExceeded', e.message),
  // A wait that ran out inside the broker: the request may be retried.
  Timeout: (e) => new Ec2Error('Unavailable', e.message),
  // The broker's own rate limit and a provider's throttling look the same to an EC2 client:
  // RequestLimitExceeded, which every SDK retries with backoff.
  RateLimited: (e) => new Ec2Error('RequestLimitExceeded', `Request limit exceeded. ${e.message}`, { retryAfterSeconds: retryAfter(e) }),
  Throttled: (e) => new Ec2Error('RequestLimitExceeded', `Request limit exceeded. ${e.message}`, { retryAfterSeconds: retryAfter(e) }),
  ProviderUnavailable: (e) => new Ec2Error('Unavailable', e.message),
  // The provider refused: repeating will not help, so not a 5xx that SDKs would retry.
  ProviderError: (e) => new Ec2Error('InvalidRequest', `${e.message}${e.providerCode === undefined ? '' : ` (provider code ${e.providerCode})`}`),
  Internal: () => new Ec2Error('InternalError', 'An internal error has occurred'),
};

function retryAfter(error: SkyportError): number {
  return Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
}

function notFoundSubject(error: SkyportError): Subject | undefined {
  const kind = error.details?.['kind'] ?? error.details?.['field'];
  return typeof kind === 'string' ? SUBJECT_OF[kind] : undefined;
}

/**
 * Maps anything thrown while serving a request. `subject` is what the action works on, for
 * codes that name a resource kind. Internal errors keep their details out of the message
 * (they are logged with the request id instead).
 */
export function toEc2Error(error: unknown, subject?: Subject): Ec2Error {
  if (isEc2Error(error)) return error;
  if (isSkyportError(error)) {
    const mapped = BY_CODE[error.code](error, subject);
    return new Ec2Error(mapped.code, mapped.message, { status: mapped.status, cause: error, ...(mapped.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: mapped.retryAfterSeconds }) });
  }
  return new Ec2Error('InternalError', 'An internal error has occurred', { cause: error });
}
