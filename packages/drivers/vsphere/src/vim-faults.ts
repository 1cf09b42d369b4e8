/**
 * vSphere faults (vim25 `MethodFault` subtypes) translated into SkyportError at the driver's
 * edge. The fault's type name is kept as the provider code, and the operation id the driver
 * sent as the request id (vCenter logs it with every line the request causes).
 */
import { SkyportError, type ErrorCode } from '@skyport/model';
import { child, childNames, childText, textOf, toMoRef, xsiType, type XmlNode } from './soap-xml.js';

/** A fault as read from a SOAP Fault's detail or a task's `info.error`. */
export interface VimFault {
  /** The fault's type, e.g. `InvalidPowerState`. */
  readonly type: string;
  /** The server's message (`faultstring` or `localizedMessage`). */
  readonly message: string;
  /** The fault object, to read its fields (`existingState`, `obj`, ...). */
  readonly node: XmlNode | undefined;
}

/** Reads the fault out of a SOAP `Fault` element. */
export function faultFromSoap(fault: XmlNode): VimFault {
  const message = childText(fault, 'faultstring') ?? '';
  const detail = child(fault, 'detail');
  const first = childNames(detail)[0];
  const node = first === undefined ? undefined : child(detail, first);
  const local = first === undefined ? undefined : first.slice(first.indexOf(':') + 1);
  const type = xsiType(node) ?? local?.replace(/Fault$/, '') ?? (childText(fault, 'faultcode') ?? 'ServerFault');
  return { type, message, node };
}

/** Reads the fault out of a task's `info.error` (a LocalizedMethodFault). */
export function faultFromTaskError(error: XmlNode): VimFault {
  const node = child(error, 'fault');
  return { type: xsiType(node) ?? 'MethodFault', message: childText(error, 'localizedMessage') ?? '', node };
}

const CODES: Readonly<Record<string, ErrorCode>> = {
  InvalidLogin: 'Unauthenticated',
  NotAuthenticated: 'Unauthenticated',
  NoPermission: 'Forbidden',
  NoPermissionOnHost: 'Forbidden',
  ManagedObjectNotFound: 'NotFound',
  NotFound: 'NotFound',
  InvalidPowerState: 'InvalidState',
  InvalidState: 'InvalidState',
  InvalidHostState: 'InvalidState',
  TaskInProgress: 'InvalidState',
  ToolsUnavailable: 'InvalidState',
  DuplicateName: 'AlreadyExists',
  AlreadyExists: 'AlreadyExists',
  InvalidArgument: 'InvalidArgument',
  InvalidProperty: 'InvalidArgument',
  InvalidName: 'InvalidArgument',
  InvalidDeviceSpec: 'InvalidArgument',
  InvalidVmConfig: 'InvalidArgument',
  NotSupported: 'Unsupported',
  NotImplemented: 'Unsupported',
  MethodNotFound: 'Unsupported',
  InsufficientResourcesFault: 'QuotaExceeded',
  NotEnoughLicenses: 'QuotaExceeded',
  OutOfBounds: 'InvalidArgument',
  HostNotConnected: 'ProviderUnavailable',
  HostCommunication: 'ProviderUnavailable',
  HostNotReachable: 'ProviderUnavailable',
  RequestCanceled: 'ProviderError',
};

/** Faults that a later retry of the same request may get past. */
const RETRYABLE = new Set(['TaskInProgress', 'HostCommunication', 'HostNotConnected', 'HostNotReachable']);

const POWER_STATE_WORDS: Readonly<Record<string, string>> = { poweredOn: 'running', poweredOff: 'stopped', suspended: 'suspended' };

/** A sentence for a fault, with the fields that make it actionable. */
function describe(fault: VimFault, what: string): string {
  const base = fault.message.trim() === '' ? fault.type : `${fault.type}: ${fault.message.trim()}`;
  switch (fault.type) {
    case 'InvalidLogin':
      return `vSphere refused the user name or password while ${what} (${base}); check the provider's credentials username and password`;
    case 'InvalidPowerState': {
      const existing = childText(fault.node, 'existingState');
      const requested = childText(fault.node, 'requestedState');
      const now = existing === undefined ? '' : ` it is ${POWER_STATE_WORDS[existing] ?? existing} (${existing})`;
      const needed = requested === undefined ? '' : `; the action needs ${POWER_STATE_WORDS[requested] ?? requested} (${requested})`;
      return `vSphere refused ${what}:${now}${needed}`;
    }
    case 'ManagedObjectNotFound': {
      const obj = toMoRef(child(fault.node, 'obj'));
      return `vSphere does not know ${obj === undefined ? 'the object' : `${obj.type} ${obj.value}`} (${what}): ${base}`;
    }
    case 'NoPermission':
      return `the vSphere user may not do this (${what}): missing privilege ${childText(fault.node, 'privilegeId') ?? '(unknown)'}; grant it in vCenter's roles`;
    case 'DuplicateName':
      return `vSphere refused ${what}: the name ${JSON.stringify(childText(fault.node, 'name') ?? '')} is already taken in that folder; choose another name`;
    default:
      return `vSphere failed ${what}: ${base}`;
  }
}

/** Translates a vSphere fault; `what` names the action ("powering off vm-42"). */
export function vimFaultToError(fault: VimFault, what: string, requestId: string): SkyportError {
  const code = CODES[fault.type] ?? 'ProviderError';
  const details: Record<string, unknown> = { fault: fault.type };
  for (const name of ['existingState', 'requestedState', 'privilegeId', 'name', 'invalidProperty']) {
    const value = childText(fault.node, name);
    if (value !== undefined) details[name] = value;
  }
  const obj = toMoRef(child(fault.node, 'obj'));
  if (obj !== undefined) details['object'] = `${obj.type}:${obj.value}`;
  return new SkyportError(code, describe(fault, what), {
    providerCode: fault.type,
    requestId,
    retryable: RETRYABLE.has(fault.type) || undefined,
    details,
  });
}

/** The fault type of a SkyportError made here, to branch on (e.g. re-login on NotAuthenticated). */
export function providerFaultOf(error: unknown): string | undefined {
  return error instanceof SkyportError ? error.providerCode : undefined;
}


