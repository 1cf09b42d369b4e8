/** The hardware profiles and the one location a libvirt host offers. */
import type { NativeHardwareProfile, NativeLocation } from '@skyport/core';

export const HOST_LOCATION = 'host';

export const LIBVIRT_PROFILES: readonly NativeHardwareProfile[] = [
  {
    nativeId: 'tiny',
    name: 'tiny',
    architecture: 'x86_64',
    cpus: { kind: 'fixed', value: 1 },
    memoryMiB: { kind: 'fixed', value: 256 },
    diskGiB: { kind: 'fixed', value: 1 },
  },
  {
    nativeId: 'flex',
    name: 'flex',
    architecture: 'x86_64',
    cpus: { kind: 'range', min: 1, max: 4, default: 1 },
    memoryMiB: { kind: 'range', min: 128, max: 8192, default: 512, step: 128 },
    diskGiB: { kind: 'range', min: 1, max: 256, default: 4 },
  },
];

export function hostLocation(uri: string): NativeLocation {
  return { nativeId: HOST_LOCATION, name: `libvirt host ${uri}`, kind: 'region', available: true };
}
