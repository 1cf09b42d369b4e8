/** A libvirt provider's settings, checked when the provider is added. */
import { SkyportError } from '@skyport/model';

export interface LibvirtSettings {
  /** The storage pool holding images, instance overlays, seeds, volumes and console logs. */
  readonly pool: string;
  /** Where to create the pool (a `dir` pool) when it does not exist; undefined: `<data dir>/pool`. */
  readonly poolPath: string | undefined;
  /** `qemu` (TCG, works everywhere) or `kvm` (hardware virtualization on the host). */
  readonly domainType: 'qemu' | 'kvm';
  /** `user` (QEMU user-mode NAT), `none`, or `network:<libvirt network name>`. */
  readonly network: string;
  readonly virsh: string;
  /** How long a stop waits for the guest to power off after the ACPI power button, then destroys. */
  readonly stopTimeoutMs: number;
  /** How long a destroyed instance is still listed as `terminated`. */
  readonly terminatedRetentionMs: number;
  /** Longest time one virsh call may take (uploads and downloads included). */
  readonly commandTimeoutMs: number;
}

export const DEFAULT_LIBVIRT_SETTINGS: LibvirtSettings = {
  pool: 'skyport',
  poolPath: undefined,
  domainType: 'qemu',
  network: 'user',
  virsh: 'virsh',
  stopTimeoutMs: 30_000,
  terminatedRetentionMs: 60_000,
  commandTimeoutMs: 10 * 60_000,
};

function invalid(field: string, message: string): SkyportError {
  return new SkyportError('InvalidArgument', `settings.${field} ${message}`, { details: { field: `settings.${field}` } });
}

export function parseLibvirtSettings(settings: Readonly<Record<string, unknown>>): LibvirtSettings {
  const known = Object.keys(DEFAULT_LIBVIRT_SETTINGS);
  const unknown = Object.keys(settings).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw invalid(unknown[0]!, `is not a setting of the libvirt driver; it takes: ${known.join(', ')}`);
  const text = (name: keyof LibvirtSettings, pattern: RegExp, hint: string): string | undefined => {
    const value = settings[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) throw invalid(name, `must be ${hint}, not ${JSON.stringify(value)}`);
    return value;
  };
  const ms = (name: keyof LibvirtSettings): number | undefined => {
    const value = settings[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalid(name, `must be a whole number of milliseconds, not ${JSON.stringify(value)}`);
    return value;
  };
  const domainType = text('domainType', /^(qemu|kvm)$/, '"qemu" (TCG) or "kvm"') as 'qemu' | 'kvm' | undefined;
  const d = DEFAULT_LIBVIRT_SETTINGS;
  return {
    pool: text('pool', /^[A-Za-z0-9_.-]{1,64}$/, 'a storage pool name (letters, digits, _ . -)') ?? d.pool,
    poolPath: text('poolPath', /^\/[^\0]*$/, 'an absolute path') ?? d.poolPath,
    domainType: domainType ?? d.domainType,
    network: text('network', /^(user|none|network:[A-Za-z0-9_.-]+)$/, '"user", "none" or "network:<name>"') ?? d.network,
    virsh: text('virsh', /^[^\0]+$/, 'the virsh command') ?? d.virsh,
    stopTimeoutMs: ms('stopTimeoutMs') ?? d.stopTimeoutMs,
    terminatedRetentionMs: ms('terminatedRetentionMs') ?? d.terminatedRetentionMs,
    commandTimeoutMs: ms('commandTimeoutMs') ?? d.commandTimeoutMs,
  };
}

/** The libvirt connection URI: `qemu:///system`, `qemu:///session`, `qemu+ssh://user@host/system`, ... */
export function parseUri(endpoint: string | undefined): string {
  const uri = endpoint?.trim() || 'qemu:///session';
  if (!/^qemu(\+(ssh|unix|tcp|tls|libssh2?))?:\/\/[^\s]*\/(system|session)(\?[^\s]*)?$/.test(uri)) {
    throw new SkyportError('InvalidArgument', `endpoint "${uri}" is not a libvirt QEMU URI; use qemu:///system, qemu:///session or qemu+ssh://user@host/system`, { details: { field: 'endpoint' } });
  }
  return uri;
}
