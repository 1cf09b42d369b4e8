/**
 * A fake but plausible serial console, written from the instance's timeline: each boot adds
 * kernel and cloud-init lines (appearing progressively while the boot is under way), each
 * stop adds shutdown lines. So the log grows as the instance lives, like a real one.
 */
import type { Timeline } from './timeline.js';

/** [share of the transition elapsed when the line appears, text]. */
type Script = readonly (readonly [number, string])[];

const LINUX_BOOT: Script = [
  [0, 'Linux version 6.1.0-28-cloud-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC'],
  [0.02, 'Command line: BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro console=tty0 console=ttyS0,115200n8'],
  [0.08, 'BIOS-provided physical RAM map:'],
  [0.15, 'smpboot: Allowing {cpus} CPUs, 0 hotplug CPUs'],
  [0.2, 'Memory: {memoryMiB}M available'],
  [0.35, 'virtio_blk virtio1: [vda] {diskGiB} GiB'],
  [0.45, 'EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.'],
  [0.55, 'systemd[1]: Detected virtualization kvm.'],
  [0.6, 'systemd[1]: Set hostname to <{hostname}>.'],
  [0.7, '[  OK  ] Started systemd-networkd.service - Network Configuration.'],
  [0.8, 'cloud-init[412]: Cloud-init v. 24.1 running \'init\'. Up 4.21 seconds.'],
  [0.9, '[  OK  ] Started ssh.service - OpenBSD Secure Shell server.'],
];

const WINDOWS_BOOT: Script = [
  [0, 'Windows Boot Manager'],
  [0.2, 'Starting Windows...'],
  [0.5, 'Windows is applying computer settings'],
  [0.8, 'EC2Launch-style agent: Windows sysprep configuration complete.'],
];

const LINUX_READY = ['cloud-init[598]: Cloud-init v. 24.1 finished. Datasource DataSourceSim.', '', 'Debian GNU/Linux 12 {hostname} ttyS0', '', '{hostname} login: '];
const WINDOWS_READY = ['Windows is Ready to use', '', 'Computer name is {hostname}'];

const LINUX_SHUTDOWN: Script = [
  [0, '[  OK  ] Stopped target multi-user.target - Multi-User System.'],
  [0.3, '[  OK  ] Stopped ssh.service - OpenBSD Secure Shell server.'],
  [0.6, '[  OK  ] Reached target shutdown.target - System Shutdown.'],
  [0.9, 'reboot: Power down'],
];

const WINDOWS_SHUTDOWN: Script = [[0, 'Shutting down...'], [0.9, 'Power off']];

export interface ConsoleSubject {
  readonly name: string;
  readonly os: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly timeline: Timeline;
}

export function consoleOutput(subject: ConsoleSubject, now: number): string {
  const windows = subject.os === 'windows';
  const hostname = subject.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 63) || 'instance';
  const fill = (text: string): string =>
    text
      .replaceAll('{hostname}', hostname)
      .replaceAll('{cpus}', String(subject.cpus))
      .replaceAll('{memoryMiB}', String(subject.memoryMiB))
      .replaceAll('{diskGiB}', String(subject.diskGiB));
  const lines: string[] = [];
  const play = (script: Script, share: number, kernelClock: boolean): void => {
    for (const [at, text] of script) {
      if (at > share) break;
      // Kernel lines carry seconds since boot; an 8 s boot is what a small cloud VM takes.
      lines.push(kernelClock ? `[${(at * 8).toFixed(6).padStart(12)}] ${fill(text)}` : fill(text));
    }
  };
  const steps = subject.timeline.filter((s) => s[0] <= now);
  steps.forEach(([at, state, reason], i) => {
    const end = subject.timeline[subject.timeline.indexOf(steps[i]!) + 1]?.[0] ?? now;
    const share = end > at ? Math.min(1, (now - at) / (end - at)) : 1;
    switch (state) {
      case 'REBOOTING':
        lines.push(windows ? 'Restarting...' : 'reboot: Restarting system');
        play(windows ? WINDOWS_BOOT : LINUX_BOOT, share, !windows);
        break;
      case 'PROVISIONING':
      case 'STARTING':
        play(windows ? WINDOWS_BOOT : LINUX_BOOT, share, !windows);
        break;
      case 'ACTIVE':
        lines.push(...(windows ? WINDOWS_READY : LINUX_READY).map(fill));
        break;
      case 'STOPPING':
      case 'DELETING':
        play(windows ? WINDOWS_SHUTDOWN : LINUX_SHUTDOWN, share, false);
        break;
      case 'ERROR':
        lines.push(`Kernel panic - not syncing: ${reason ?? 'Fatal exception'}`);
        break;
    }
  });
  return lines.join('\n');
}
