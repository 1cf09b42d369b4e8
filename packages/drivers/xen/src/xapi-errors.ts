/**
 * XAPI failures (`{ message: CODE, data: [params] }` in JSON-RPC v2) as SkyportErrors. The
 * codes are those of the XenAPI reference's error list; anything unknown is a ProviderError
 * that still carries the XAPI code and its parameters.
 */
import { SkyportError, type ErrorCode } from '@skyport/model';

export interface XapiFailure {
  readonly code: string;
  readonly params: readonly string[];
}

const CODES: Readonly<Record<string, ErrorCode>> = {
  HANDLE_INVALID: 'NotFound',
  UUID_INVALID: 'NotFound',
  SESSION_AUTHENTICATION_FAILED: 'Unauthenticated',
  SESSION_INVALID: 'Unauthenticated',
  PERMISSION_DENIED: 'Forbidden',
  RBAC_PERMISSION_DENIED: 'Forbidden',
  VM_BAD_POWER_STATE: 'InvalidState',
  OTHER_OPERATION_IN_PROGRESS: 'InvalidState',
  OPERATION_NOT_ALLOWED: 'InvalidState',
  VDI_IN_USE: 'InvalidState',
  VDI_IS_A_PHYSICAL_DEVICE: 'InvalidState',
  VBD_NOT_UNPLUGGABLE: 'InvalidState',
  DEVICE_ALREADY_DETACHED: 'InvalidState',
  DEVICE_ALREADY_ATTACHED: 'InvalidState',
  VM_IS_TEMPLATE: 'InvalidArgument',
  VM_HVM_REQUIRED: 'InvalidArgument',
  MAP_DUPLICATE_KEY: 'AlreadyExists',
  FIELD_TYPE_ERROR: 'InvalidArgument',
  MESSAGE_PARAMETER_COUNT_MISMATCH: 'InvalidArgument',
  VALUE_NOT_SUPPORTED: 'InvalidArgument',
  MEMORY_CONSTRAINT_VIOLATION: 'InvalidArgument',
  INVALID_VALUE: 'InvalidArgument',
  SR_FULL: 'QuotaExceeded',
  HOST_NOT_ENOUGH_FREE_MEMORY: 'QuotaExceeded',
  LICENCE_RESTRICTION: 'Forbidden',
  HOST_OFFLINE: 'ProviderUnavailable',
  HOST_IS_SLAVE: 'ProviderUnavailable',
  TOO_BUSY: 'Throttled',
};

/** Why a state error happened, in words a user can act on. */
function describe(failure: XapiFailure, method: string): string {
  const [a, b, c] = failure.params;
  switch (failure.code) {
    case 'HANDLE_INVALID':
      return `the ${a ?? 'object'} ${b ?? ''} does not exist (any more)`.trim();
    case 'UUID_INVALID':
      return `no ${a ?? 'object'} has uuid ${b ?? ''}`.trim();
    case 'VM_BAD_POWER_STATE':
      return `the VM is ${(c ?? 'in another state').toLowerCase()}; ${method} needs it ${(b ?? 'in another state').toLowerCase()}`;
    case 'SESSION_AUTHENTICATION_FAILED':
      return `the pool refused the username or password${b === undefined ? '' : ` (${b})`}`;
    case 'SESSION_INVALID':
      return 'the session is no longer valid';
    default:
      return failure.params.length === 0 ? failure.code : `${failure.code}: ${failure.params.join(', ')}`;
  }
}

export function xapiError(failure: XapiFailure, method: string, requestId: string): SkyportError {
  const code = CODES[failure.code] ?? 'ProviderError';
  return new SkyportError(code, `XAPI ${method} failed: ${describe(failure, method)}`, {
    providerCode: failure.code,
    requestId,
    details: { xapiError: [failure.code, ...failure.params] },
  });
}
