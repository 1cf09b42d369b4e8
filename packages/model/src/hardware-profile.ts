import type { HardwareProfile, ProfileDimension } from './entities.js';
import { SkyportError } from './errors.js';

export function dimensionDefault(d: ProfileDimension): number {
  return d.kind === 'fixed' ? d.value : d.default;
}

export function dimensionAllows(d: ProfileDimension, value: number): boolean {
  switch (d.kind) {
    case 'fixed':
      return value === d.value;
    case 'range':
      return value >= d.min && value <= d.max && (d.step === undefined || (value - d.min) % d.step === 0);
    case 'enum':
      return d.values.includes(value);
  }
}

export function describeDimension(d: ProfileDimension): string {
  switch (d.kind) {
    case 'fixed':
      return `exactly ${d.value}`;
    case 'range':
      return `${d.min}..${d.max}${d.step === undefined ? '' : ` in steps of ${d.step}`}`;
    case 'enum':
      return `one of ${d.values.join(', ')}`;
  }
}

export interface ProfileOverrides {
  readonly cpus?: number;
  readonly memoryMiB?: number;
  readonly diskGiB?: number;
}

export interface ResolvedHardware {
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
}

/** Applies user overrides to a profile; rejects values outside the profile's dimensions. */
export function resolveHardware(profile: HardwareProfile, overrides: ProfileOverrides = {}): ResolvedHardware {
  const pick = (field: keyof ProfileOverrides, d: ProfileDimension): number => {
    const value = overrides[field];
    if (value === undefined) return dimensionDefault(d);
    if (!Number.isInteger(value) || !dimensionAllows(d, value)) {
      throw new SkyportError(
        'InvalidArgument',
        `${field} ${value} is not allowed by hardware profile ${profile.name}: it must be ${describeDimension(d)}`,
        { details: { field, value, allowed: d, hardwareProfileId: profile.id } },
      );
    }
    return value;
  };
  return { cpus: pick('cpus', profile.cpus), memoryMiB: pick('memoryMiB', profile.memoryMiB), diskGiB: pick('diskGiB', profile.diskGiB) };
}
