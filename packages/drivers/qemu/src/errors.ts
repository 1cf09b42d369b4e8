/**
 * The qemu driver's error dialect: every error is a SkyportError whose message says what was
 * wrong and what to do, with a provider code in QEMU's or the driver's own words.
 */
import { SkyportError } from '@skyport/model';

export type QemuResourceKind = 'instance' | 'image' | 'hardware profile' | 'location' | 'key pair' | 'volume' | 'snapshot';

/** The exact command that installs what the driver needs on Debian. */
export function installCommand(packages: readonly string[]): string {
  return `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

export function notFound(kind: QemuResourceKind, id: string, field?: string): SkyportError {
  return new SkyportError('NotFound', `${kind} ${JSON.stringify(id)} does not exist on this host`, {
    providerCode: 'NotFound',
    details: { kind, id, ...(field === undefined ? {} : { field }) },
  });
}

export function invalidArgument(field: string, message: string, details: Record<string, unknown> = {}): SkyportError {
  return new SkyportError('InvalidArgument', message, { providerCode: 'InvalidArgument', details: { field, ...details } });
}

export function invalidState(message: string, details: Record<string, unknown> = {}): SkyportError {
  return new SkyportError('InvalidState', message, { providerCode: 'InvalidState', details });
}

export function alreadyExists(kind: QemuResourceKind, name: string): SkyportError {
  return new SkyportError('AlreadyExists', `a ${kind} named ${JSON.stringify(name)} already exists; choose another name`, {
    providerCode: 'Duplicate',
    details: { kind, name },
  });
}

export function unsupported(message: string): SkyportError {
  return new SkyportError('Unsupported', message, { providerCode: 'Unsupported' });
}

/** The host cannot do what was asked (a tool failed, a file could not be written). */
export function hostError(message: string, cause?: unknown, providerCode = 'HostError'): SkyportError {
  return new SkyportError('ProviderError', message, { providerCode, ...(cause === undefined ? {} : { cause }) });
}

export function unavailable(message: string, cause?: unknown): SkyportError {
  return new SkyportError('ProviderUnavailable', message, { providerCode: 'HostUnavailable', ...(cause === undefined ? {} : { cause }) });
}

/** The message of anything thrown, for wrapping into a reasoned error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
