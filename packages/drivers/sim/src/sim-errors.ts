/**
 * The sim's error dialect. Each error carries a provider code in the sim's own words (like a
 * real cloud's `InvalidInstanceID.NotFound`) beside the normalized Skyport code; the gateway
 * adds the request id on the way out.
 */
import { SkyportError } from '@skyport/model';

export type SimResourceKind = 'Instance' | 'Image' | 'Flavor' | 'Zone' | 'KeyPair' | 'Volume' | 'Snapshot' | 'SecurityGroup';

export function notFound(kind: SimResourceKind, id: string, field?: string): SkyportError {
  return new SkyportError('NotFound', `${kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${JSON.stringify(id)} does not exist`, {
    providerCode: `${kind}.NotFound`,
    details: { kind, id, ...(field === undefined ? {} : { field }) },
  });
}

export function invalidArgument(field: string, message: string, details: Record<string, unknown> = {}): SkyportError {
  return new SkyportError('InvalidArgument', message, { providerCode: 'InvalidParameterValue', details: { field, ...details } });
}

export function invalidState(message: string, details: Record<string, unknown>): SkyportError {
  return new SkyportError('InvalidState', message, { providerCode: 'IncorrectState', details });
}

export function alreadyExists(kind: SimResourceKind, name: string): SkyportError {
  return new SkyportError('AlreadyExists', `a ${kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} named ${JSON.stringify(name)} already exists`, {
    providerCode: `${kind}.Duplicate`,
    details: { kind, name },
  });
}

export function unsupported(message: string): SkyportError {
  return new SkyportError('Unsupported', message, { providerCode: 'UnsupportedOperation' });
}
