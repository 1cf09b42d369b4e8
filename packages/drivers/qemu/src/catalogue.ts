/**
 * What this host offers: one region with one zone (the host itself) and hardware profiles sized
 * to the host. `flex` spans what QEMU could give (up to all CPUs and all memory); whether memory
 * is free right now is checked when an instance starts.
 */
import { availableParallelism, totalmem } from 'node:os';
import type { NativeHardwareProfile, NativeLocation } from '@skyport/core';
import { notFound } from './errors.js';

export const DEFAULT_REGION = 'local';

export interface Catalogue {
  readonly region: string;
  readonly zone: string;
  locations(): NativeLocation[];
  profiles(): NativeHardwareProfile[];
  profile(id: string): NativeHardwareProfile;
  /** The zone for a request's locationId (a zone or its region); the zone when absent. */
  zoneFor(locationId: string | undefined): string;
}

const MEMORY_STEP = 128;

export function hostCatalogue(region = DEFAULT_REGION, host = { cpus: availableParallelism(), memoryMiB: Math.floor(totalmem() / 1024 ** 2) }): Catalogue {
  // us-east-1 -> us-east-1a, as clouds name zones; a region without a trailing digit gets a dash.
  const zone = /\d$/.test(region) ? `${region}a` : `${region}-a`;
  const maxMemory = Math.max(MEMORY_STEP * 2, Math.floor(host.memoryMiB / MEMORY_STEP) * MEMORY_STEP);
  const profiles: NativeHardwareProfile[] = [
    { nativeId: 'tiny', name: 'tiny', architecture: 'x86_64', cpus: { kind: 'fixed', value: 1 }, memoryMiB: { kind: 'fixed', value: 128 }, diskGiB: { kind: 'fixed', value: 1 } },
    { nativeId: 'small', name: 'small', architecture: 'x86_64', cpus: { kind: 'fixed', value: 1 }, memoryMiB: { kind: 'fixed', value: 512 }, diskGiB: { kind: 'fixed', value: 8 } },
    {
      nativeId: 'flex',
      name: 'flex',
      architecture: 'x86_64',
      cpus: { kind: 'range', min: 1, max: Math.max(1, host.cpus), default: 1 },
      memoryMiB: { kind: 'range', min: MEMORY_STEP, max: maxMemory, default: 256, step: MEMORY_STEP },
      diskGiB: { kind: 'range', min: 1, max: 1024, default: 2 },
    },
  ];
  return {
    region,
    zone,
    locations: () => [
      { nativeId: region, name: region, kind: 'region', available: true },
      { nativeId: zone, name: zone, kind: 'zone', parent: region, available: true },
    ],
    profiles: () => profiles,
    profile(id) {
      const found = profiles.find((p) => p.nativeId === id);
      if (found === undefined) throw notFound('hardware profile', id, 'hardwareProfileId');
      return found;
    },
    zoneFor(locationId) {
      if (locationId === undefined || locationId === zone || locationId === region) return zone;
      throw notFound('location', locationId, 'locationId');
    },
  };
}
