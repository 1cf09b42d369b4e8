/**
 * EC2's (and S3's) error codes as Skyport's, in one place. Every call the driver makes goes
 * through `translate`, so what leaves the driver is a SkyportError with the provider's code
 * and request id.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 */
import { SkyportError, isSkyportError, type ErrorCode } from '@skyport/model';

const EXACT: Readonly<Record<string, ErrorCode>> = {
  AuthFailure: 'Unauthenticated',
  InvalidClientTokenId: 'Unauthenticated',
  InvalidAccessKeyId: 'Unauthenticated',
  SignatureDoesNotMatch: 'Unauthenticated',
  IncompleteSignature: 'Unauthenticated',
  MissingAuthenticationToken: 'Unauthenticated',
  RequestExpired: 'Unauthenticated',
  ExpiredToken: 'Unauthenticated',
  ExpiredTokenException: 'Unauthenticated',
  UnauthorizedOperation: 'Forbidden',
  AccessDenied: 'Forbidden',
  OptInRequired: 'Forbidden',
  Blocked: 'Forbidden',
  PendingVerification: 'Forbidden',
  InvalidParameterValue: 'InvalidArgument',
  InvalidParameter: 'InvalidArgument',
  InvalidParameterCombination: 'InvalidArgument',
  MissingParameter: 'InvalidArgument',
  UnknownParameter: 'InvalidArgument',
  InvalidRequest: 'InvalidArgument',
  ValidationError: 'InvalidArgument',
  'InvalidKey.Format': 'InvalidArgument',
  'InvalidKeyPair.Format': 'InvalidArgument',
  InvalidBlockDeviceMapping: 'InvalidArgument',
  'InvalidVolume.ZoneMismatch': 'InvalidArgument',
  InvalidInstanceType: 'InvalidArgument',
  IdempotentParameterMismatch: 'IdempotencyMismatch',
  IncorrectInstanceState: 'InvalidState',
  IncorrectState: 'InvalidState',
  VolumeInUse: 'InvalidState',
  DependencyViolation: 'InvalidState',
  'InvalidSnapshot.InUse': 'InvalidState',
  'InvalidGroup.InUse': 'InvalidState',
  'InvalidAMIID.Unavailable': 'NotFound',
  InvalidID: 'NotFound',
  NoSuchKey: 'NotFound',
  NoSuchBucket: 'InvalidArgument',
  InsufficientInstanceCapacity: 'QuotaExceeded',
  InsufficientCapacity: 'QuotaExceeded',
  InsufficientVolumeCapacity: 'QuotaExceeded',
  InsufficientHostCapacity: 'QuotaExceeded',
  MaxSpotInstanceCountExceeded: 'QuotaExceeded',
  RequestLimitExceeded: 'Throttled',
  Throttling: 'Throttled',
  ThrottlingException: 'Throttled',
  RequestThrottled: 'Throttled',
  TooManyRequestsException: 'Throttled',
  SlowDown: 'Throttled',
  UnsupportedOperation: 'Unsupported',
  Unsupported: 'Unsupported',
  InvalidAction: 'Unsupported',
  NotImplemented: 'Unsupported',
  InternalError: 'ProviderUnavailable',
  InternalFailure: 'ProviderUnavailable',
  ServiceUnavailable: 'ProviderUnavailable',
  Unavailable: 'ProviderUnavailable',
  RequestTimeout: 'Timeout',
};

/** Capacity runs out in one zone for a while: worth trying again (later or elsewhere). */
const RETRYABLE_QUOTAS = new Set(['InsufficientInstanceCapacity', 'InsufficientCapacity', 'InsufficientVolumeCapacity', 'InsufficientHostCapacity']);

/** The Skyport code for an EC2 or S3 error code. */
export function skyportCodeOf(providerCode: string, httpStatus?: number): ErrorCode {
  const exact = EXACT[providerCode];
  if (exact !== undefined) return exact;
  if (providerCode.endsWith('.NotFound')) return 'NotFound';
  if (providerCode.endsWith('.Duplicate')) return 'AlreadyExists';
  // A malformed id names nothing that exists; EC2 says so before looking (`InvalidInstanceID.Malformed`).
  if (/^Invalid\w*I[dD]\.Malformed$/.test(providerCode)) return 'NotFound';
  if (providerCode.endsWith('.Malformed') || providerCode.endsWith('.Range')) return 'InvalidArgument';
  if (providerCode.endsWith('LimitExceeded') || providerCode.endsWith('QuotaExceeded')) return 'QuotaExceeded';
  if (httpStatus !== undefined && httpStatus >= 500) return 'ProviderUnavailable';
  if (httpStatus === 401) return 'Unauthenticated';
  if (httpStatus === 403) return 'Forbidden';
  return 'ProviderError';
}

interface AwsErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string; readonly extendedRequestId?: string };
  readonly $retryable?: { readonly throttling?: boolean };
  readonly RequestID?: unknown;
  readonly RequestId?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET']);

/** What to tell a user for codes whose provider message is terse. */
function advice(code: ErrorCode, providerCode: string, target: string): string {
  switch (code) {
    case 'Unauthenticated':
      return providerCode === 'RequestExpired'
        ? ' (the broker clock differs from the provider by more than 5 minutes)'
        : `; check the provider's credentials accessKeyId and secretAccessKey (and sessionToken for temporary ones) for ${target}`;
    case 'Forbidden':
      return '; the credentials are valid but their IAM policy does not allow this action';
    case 'Throttled':
      return '; the request was retried with backoff and is still throttled';
    default:
      return '';
  }
}

/**
 * Translates whatever an SDK call threw. `what` says what the driver was doing, e.g.
 * `stopping instance i-0abc` — it starts the message, the provider's own words follow.
 */
export function translate(error: unknown, what: string, target: string): SkyportError {
  if (isSkyportError(error)) return error;
  const e = (error ?? {}) as AwsErrorShape;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : name;
  const networkCode = typeof e.code === 'string' ? e.code : undefined;
  if (networkCode !== undefined && NETWORK_CODES.has(networkCode)) {
    return new SkyportError('ProviderUnavailable', `${what}: ${target} could not be reached (${networkCode}: ${message})`, { providerCode: networkCode, cause: error });
  }
  if (name === 'TimeoutError' || name === 'AbortError' || networkCode === 'ETIMEDOUT') {
    return new SkyportError('Timeout', `${what}: ${target} did not answer in time (${message})`, { cause: error });
  }
  const metadata = e.$metadata;
  if (metadata === undefined) {
    // Not from the provider at all (a bug, a file system error): keep it, but as our error type.
    return new SkyportError('Internal', `${what}: ${message}`, { cause: error });
  }
  const providerCode = typeof e.Code === 'string' ? e.Code : name;
  const status = metadata.httpStatusCode;
  const code = e.$retryable?.throttling === true ? 'Throttled' : skyportCodeOf(providerCode, status);
  const requestId = metadata.requestId ?? (typeof e.RequestID === 'string' ? e.RequestID : typeof e.RequestId === 'string' ? e.RequestId : undefined);
  return new SkyportError(code, `${what}: ${providerCode}: ${message}${advice(code, providerCode, target)}`, {
    providerCode,
    ...(requestId === undefined ? {} : { requestId }),
    ...(RETRYABLE_QUOTAS.has(providerCode) ? { retryable: true } : {}),
    ...(status === undefined ? {} : { details: { httpStatus: status } }),
    cause: error,
  });
}
