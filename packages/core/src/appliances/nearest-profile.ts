/**
 * Maps an appliance's hardware (CPUs, memory, root disk) to the nearest hardware profile of a
 * provider: the profile that fits with the least to spare, with the values to launch it at
 * (profiles with ranges or lists can match more closely than their defaults). When nothing
 * fits, the profile that falls least short, marked `fits: false`, so the user is told.
 */
import { dimensionDefault, type HardwareProfile, type ProfileDimension } from '@skyport/model';

export interface WantedHardware {
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly architecture?: 'x86_64' | 'aarch64';
  /** Whether the driver takes values other than a profile's defaults (`instances.profileOverrides`). */
  readonly overrides: boolean;
}

export interface ProfileMatch {
  readonly hardwareProfileId: string;
  readonly name: string;
  /** Values inside the profile's dimensions: its fixed value, or the smallest that fits. */
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  /** Whether every wanted value is met. */
  readonly fits: boolean;
}

/**
 * CPUs and memory are what a profile costs, so they decide; the disk only has to fit (a root
 * disk larger than the image is normal) and breaks ties. A profile that matches only through
 * overrides pays a little, so a fixed profile that matches as well is what users get.
 */
const OVERRIDE_PENALTY = 0.05;
const DISK_TIE_BREAK = 1e-6;

/** The smallest value the dimension allows that is at least `wanted`, or its largest one. */
export function closestValue(d: ProfileDimension, wanted: number): { value: number; fits: boolean } {
  switch (d.kind) {
    case 'fixed':
      return { value: d.value, fits: d.value >= wanted };
    case 'range': {
      if (wanted <= d.min) return { value: d.min, fits: true };
      const step = d.step ?? 1;
      const value = d.min + Math.ceil((wanted - d.min) / step) * step;
      if (value <= d.max) return { value, fits: true };
      return { value: d.min + Math.floor((d.max - d.min) / step) * step, fits: false };
    }
    case 'enum': {
      const sorted = [...d.values].sort((a, b) => a - b);
      const value = sorted.find((v) => v >= wanted);
      return value === undefined ? { value: sorted.at(-1) ?? 0, fits: false } : { value, fits: true };
    }
  }
}

export function nearestProfile(profiles: readonly HardwareProfile[], wanted: WantedHardware): ProfileMatch | undefined {
  const architecture = wanted.architecture ?? 'x86_64';
  const candidates = profiles.filter((p) => p.architecture === architecture);
  let best: { match: ProfileMatch; score: number } | undefined;
  // Without overrides a profile runs at its defaults only.
  const usable = (d: ProfileDimension): ProfileDimension => (wanted.overrides || d.kind === 'fixed' ? d : { kind: 'fixed', value: dimensionDefault(d) });
  for (const profile of candidates.length > 0 ? candidates : profiles) {
    const cpus = closestValue(usable(profile.cpus), wanted.cpus);
    const memory = closestValue(usable(profile.memoryMiB), wanted.memoryMiB);
    const disk = closestValue(usable(profile.diskGiB), wanted.diskGiB);
    const fits = cpus.fits && memory.fits && disk.fits;
    const ratio = (value: number, want: number) => value / Math.max(1, want);
    const overridden =
      cpus.value !== dimensionDefault(profile.cpus) || memory.value !== dimensionDefault(profile.memoryMiB) || disk.value !== dimensionDefault(profile.diskGiB);
    // Fitting profiles by how much they give beyond the need; others (after every fitting
    // one) by how short they fall.
    const score = fits
      ? ratio(cpus.value, wanted.cpus) + ratio(memory.value, wanted.memoryMiB) + (overridden ? OVERRIDE_PENALTY : 0) + DISK_TIE_BREAK * disk.value
      : 1_000_000 +
        Math.max(0, 1 - ratio(cpus.value, wanted.cpus)) +
        Math.max(0, 1 - ratio(memory.value, wanted.memoryMiB)) +
        Math.max(0, 1 - ratio(disk.value, wanted.diskGiB));
    if (best === undefined || score < best.score) {
      best = { score, match: { hardwareProfileId: profile.id, name: profile.name, cpus: cpus.value, memoryMiB: memory.value, diskGiB: disk.value, fits } };
    }
  }
  return best?.match;
}
