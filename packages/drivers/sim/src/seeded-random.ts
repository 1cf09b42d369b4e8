import { randomInt } from 'node:crypto';

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: tiny, fast and good enough for simulation. Seeded runs repeat exactly, which is
 * what makes fault-injection tests deterministic; unseeded runs draw a seed from the OS.
 */
export function seededRandom(seed: number = randomInt(2 ** 31)): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `base` scattered uniformly by ±`fraction`, never negative. */
export function jitter(random: Random, base: number, fraction: number): number {
  return Math.max(0, Math.round(base * (1 - fraction + 2 * fraction * random())));
}
