import type { HardwareProfile, ProfileDimension } from '@skyport/model';

export interface HardwareNeed {
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
}

export interface ProfileFit {
  readonly profile: HardwareProfile;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  /** The profile gives at least the CPUs and memory asked for. */
  readonly covers: boolean;
}

/** The value a dimension can take that is closest to `want` from above, else its largest. */
export function fitDimension(d: ProfileDimension, want: number): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'range': {
      if (want <= d.min) return d.min;
      if (want >= d.max) return d.max;
      if (d.step === undefined) return Math.ceil(want);
      const steps = Math.ceil((want - d.min) / d.step);
      return Math.min(d.max, d.min + steps * d.step);
    }
    case 'enum': {
      const sorted = [...d.values].sort((a, b) => a - b);
      return sorted.find((v) => v >= want) ?? sorted.at(-1) ?? d.default;
    }
  }
}

/**
 * A profile that matches only by choosing values pays a little, so a fixed profile that
 * matches as well wins: it is what the provider prices and people recognise.
 */
const CHOSEN_VALUES_PENALTY = 0.01;

/** How far a profile's choice is from the need: shortfall weighs far more than waste. */
function cost(profile: HardwareProfile, fit: Omit<ProfileFit, 'profile' | 'covers'>, need: HardwareNeed): number {
  const relative = (got: number, want: number): number => (want <= 0 ? 0 : (got - want) / want);
  const cpu = relative(fit.cpus, need.cpus);
  const mem = relative(fit.memoryMiB, need.memoryMiB);
  const short = Math.max(0, -cpu) + Math.max(0, -mem);
  const chosen = profile.cpus.kind === 'fixed' && profile.memoryMiB.kind === 'fixed' ? 0 : CHOSEN_VALUES_PENALTY;
  return short * 100 + Math.max(0, cpu) + Math.max(0, mem) + chosen;
}

/**
 * The hardware profile that fits `need` best, with the values to ask it for: the smallest
 * choice that gives at least the CPUs and memory (ranges and enums are fitted, not taken at
 * their defaults), or, when nothing is large enough, the one that falls shortest.
 */
export function nearestProfile(profiles: readonly HardwareProfile[], need: HardwareNeed, architecture?: string): ProfileFit | undefined {
  let best: { fit: ProfileFit; cost: number } | undefined;
  for (const profile of profiles) {
    if (architecture !== undefined && profile.architecture !== architecture) continue;
    const values = {
      cpus: fitDimension(profile.cpus, need.cpus),
      memoryMiB: fitDimension(profile.memoryMiB, need.memoryMiB),
      diskGiB: fitDimension(profile.diskGiB, need.diskGiB),
    };
    const c = cost(profile, values, need);
    // Ties go to the name first in order, so the choice does not depend on listing order.
    if (best === undefined || c < best.cost || (c === best.cost && profile.name < best.fit.profile.name)) {
      best = { fit: { profile, ...values, covers: values.cpus >= need.cpus && values.memoryMiB >= need.memoryMiB }, cost: c };
    }
  }
  return best?.fit;
}
