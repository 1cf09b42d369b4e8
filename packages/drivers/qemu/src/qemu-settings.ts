/**
 * The qemu driver's knobs, read from the provider's (non-secret) settings and validated up front,
 * so a typo fails when the provider is added rather than at the first VM.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SkyportError } from '@skyport/model';

export type AcceleratorSetting = 'auto' | 'tcg' | 'kvm';
export type NetworkMode = 'restricted' | 'nat';

export interface QemuSettings {
  /** `auto`: KVM only when a real probe boot succeeds within `kvmProbeTimeoutMs`, else TCG. */
  readonly accelerator: AcceleratorSetting;
  readonly kvmProbeTimeoutMs: number;
  /** Command names or absolute paths of the host tools. */
  readonly qemuSystem: string;
  readonly qemuImg: string;
  readonly genisoimage: string;
  /** How long a stop waits for the guest to power off after the ACPI power button. */
  readonly stopTimeoutMs: number;
  /** Build and register the `skyport-tiny` guest image. */
  readonly guestImage: boolean;
  /** Build artefacts shared by every provider of this host (guest image, KVM probe result). */
  readonly cacheDir: string;
  /** `restricted`: the guest reaches nothing but its forwarded ports; `nat`: outbound traffic too. */
  readonly network: NetworkMode;
  /** How long a destroyed instance stays listed as terminated. */
  readonly terminatedRetentionMs: number;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['SKYPORT_CACHE_DIR'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'skyport');
}

export const DEFAULT_QEMU_SETTINGS: QemuSettings = {
  accelerator: 'auto',
  kvmProbeTimeoutMs: 5_000,
  qemuSystem: 'qemu-system-x86_64',
  qemuImg: 'qemu-img',
  genisoimage: 'genisoimage',
  stopTimeoutMs: 30_000,
  guestImage: true,
  cacheDir: defaultCacheDir(),
  network: 'restricted',
  terminatedRetentionMs: 60_000,
};

const NAMES = Object.keys(DEFAULT_QEMU_SETTINGS);

function invalid(setting: string, value: unknown, allowed: string): SkyportError {
  return new SkyportError('InvalidArgument', `qemu setting ${setting} = ${JSON.stringify(value)} is invalid: it must be ${allowed}`, {
    details: { field: `settings.${setting}`, value },
  });
}

function oneOf<T extends string>(raw: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalid(name, value, `one of ${allowed.join(', ')}`);
  return value as T;
}

function milliseconds(raw: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const value = raw[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(name, value, `a whole number of milliseconds from ${min} to ${max}`);
  return value;
}

function text(raw: Record<string, unknown>, name: string, fallback: string): string {
  const value = raw[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') throw invalid(name, value, 'a non-empty string');
  return value;
}

export function parseQemuSettings(raw: Readonly<Record<string, unknown>>): QemuSettings {
  for (const key of Object.keys(raw)) {
    if (!NAMES.includes(key)) throw invalid(key, raw[key], `one of the known settings (${NAMES.join(', ')})`);
  }
  const d = DEFAULT_QEMU_SETTINGS;
  const guestImage = raw['guestImage'];
  if (guestImage !== undefined && typeof guestImage !== 'boolean') throw invalid('guestImage', guestImage, 'true or false');
  return {
    accelerator: oneOf(raw, 'accelerator', ['auto', 'tcg', 'kvm'], d.accelerator),
    kvmProbeTimeoutMs: milliseconds(raw, 'kvmProbeTimeoutMs', d.kvmProbeTimeoutMs, 500, 120_000),
    qemuSystem: text(raw, 'qemuSystem', d.qemuSystem),
    qemuImg: text(raw, 'qemuImg', d.qemuImg),
    genisoimage: text(raw, 'genisoimage', d.genisoimage),
    stopTimeoutMs: milliseconds(raw, 'stopTimeoutMs', d.stopTimeoutMs, 0, 3_600_000),
    guestImage: guestImage ?? d.guestImage,
    cacheDir: text(raw, 'cacheDir', defaultCacheDir()),
    network: oneOf(raw, 'network', ['restricted', 'nat'], d.network),
    terminatedRetentionMs: milliseconds(raw, 'terminatedRetentionMs', d.terminatedRetentionMs, 0, 86_400_000),
  };
}
