/**
 * TCG or KVM? `/dev/kvm` existing proves nothing: under some nested hypervisors it opens fine and
 * a guest then hangs for minutes. So `auto` boots the guest kernel once under KVM with a short
 * timeout and uses KVM only if it printed its probe marker. The verdict is cached per host kernel,
 * QEMU and guest build, so the probe runs once per host.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import type { Accelerator } from './qemu-command.js';
import type { AcceleratorSetting } from './qemu-settings.js';
import { runCommand } from './run-command.js';

export interface AcceleratorChoice {
  readonly accelerator: Accelerator;
  /** Why, in words shown in logs and the instance's console header. */
  readonly reason: string;
}

export interface ProbeInputs {
  readonly qemuSystem: string;
  readonly cacheDir: string;
  readonly timeoutMs: number;
  /** The guest kernel and initramfs; without them there is nothing to probe with. */
  readonly guest?: { readonly key: string; readonly kernel: string; readonly initrd: string };
  readonly kvmDevice?: string;
}

const MARKER = 'SKYPORT-PROBE-OK';

/** Boots the probe; true when the marker appeared within the timeout. */
export function probeBoot(qemuSystem: string, guest: { kernel: string; initrd: string }, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      qemuSystem,
      ['-accel', 'kvm', '-cpu', 'host', '-m', '128M', '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot', '-serial', 'stdio',
        '-kernel', guest.kernel, '-initrd', guest.initrd, '-append', 'console=ttyS0 quiet panic=-1 skyport.probe=1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let settled = false;
    const finish = (ok: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve({ ok, detail });
    };
    const timer = setTimeout(() => finish(false, `no boot marker within ${timeoutMs} ms under KVM`), timeoutMs);
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4096);
      if (output.includes(MARKER)) finish(true, 'the probe guest booted under KVM');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => finish(false, `QEMU could not run: ${error.message}`));
    child.on('exit', (code) => finish(false, `QEMU exited (code ${code}) before the boot marker: ${output.trim().split('\n').slice(-2).join(' | ')}`));
  });
}

export async function chooseAccelerator(setting: AcceleratorSetting, inputs: ProbeInputs): Promise<AcceleratorChoice> {
  if (setting === 'tcg') return { accelerator: 'tcg', reason: 'configured (accelerator: tcg)' };
  if (setting === 'kvm') return { accelerator: 'kvm', reason: 'configured (accelerator: kvm)' };
  const device = inputs.kvmDevice ?? '/dev/kvm';
  if (!(await access(device).then(() => true, () => false))) return { accelerator: 'tcg', reason: `${device} does not exist` };
  if (inputs.guest === undefined) return { accelerator: 'tcg', reason: 'no guest kernel to probe KVM with yet' };
  const { stdout: version } = await runCommand(inputs.qemuSystem, ['--version'], { what: 'reading the QEMU version', timeoutMs: 10_000 });
  const key = `${release()} ${version.split('\n')[0] ?? ''} ${inputs.guest.key}`;
  const cacheFile = join(inputs.cacheDir, 'kvm-probe.json');
  const cached = await readFile(cacheFile, 'utf8').then((t) => JSON.parse(t) as { key: string; ok: boolean; detail: string }, () => undefined);
  const verdict = cached?.key === key ? cached : { key, ...(await probeBoot(inputs.qemuSystem, inputs.guest, inputs.timeoutMs)) };
  if (cached?.key !== key) {
    await mkdir(dirname(cacheFile), { recursive: true });
    await writeFile(cacheFile, JSON.stringify({ ...verdict, probedAt: new Date().toISOString() }) + '\n');
  }
  return verdict.ok
    ? { accelerator: 'kvm', reason: `KVM probe boot succeeded (${verdict.detail})` }
    : { accelerator: 'tcg', reason: `KVM probe boot failed: ${verdict.detail}` };
}
