/** What the host can give to new VMs, from /proc/meminfo (MemAvailable counts reclaimable cache). */
import { readFile } from 'node:fs/promises';
import { freemem, totalmem } from 'node:os';

export interface HostMemory {
  readonly totalMiB: number;
  readonly availableMiB: number;
}

export async function hostMemory(): Promise<HostMemory> {
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kib = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(meminfo);
    return match ? Number(match[1]) : undefined;
  };
  const total = kib('MemTotal');
  const available = kib('MemAvailable');
  return {
    totalMiB: Math.floor((total ?? totalmem() / 1024) / 1024),
    availableMiB: Math.floor((available ?? freemem() / 1024) / 1024),
  };
}
