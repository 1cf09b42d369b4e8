/**
 * Why a QEMU process ended, in words for `stateReason`, and whether that leaves the instance
 * stopped (the guest powered off, someone stopped QEMU cleanly) or in error (a crash, a kill).
 */
import type { RawInstanceState } from './driver-state.js';
import type { ExitInfo } from './vm-process.js';

export interface ExitVerdict {
  readonly state: Extract<RawInstanceState, 'shutoff' | 'crashed'>;
  readonly reason: string;
}

/** The last meaningful console line, quoted, for a reason text. */
export function lastConsoleLine(consoleTail: string): string {
  const line = consoleTail.trim().split('\n').filter((l) => l.trim() !== '').at(-1)?.trim();
  return line === undefined ? 'the console is empty' : `last console line: ${JSON.stringify(line.slice(0, 200))}`;
}

export function classifyExit(exit: ExitInfo, consoleTail: string, qemuLogTail: string): ExitVerdict {
  const consoleLine = lastConsoleLine(consoleTail);
  if (exit.shutdownReason === 'guest-shutdown' || exit.shutdownReason === 'guest-reset' || exit.shutdownReason === 'guest-panic') {
    if (exit.shutdownReason === 'guest-panic') return { state: 'crashed', reason: `the guest kernel panicked; ${consoleLine}` };
    return { state: 'shutoff', reason: `the guest powered itself off; ${consoleLine}` };
  }
  if (exit.shutdownReason === 'host-signal') return { state: 'shutoff', reason: 'QEMU was stopped by a signal from outside Skyport' };
  if (exit.shutdownReason === 'host-qmp-quit') return { state: 'shutoff', reason: 'QEMU was told to quit over QMP' };
  if (!exit.known) {
    // Re-attached after a restart: not our child, so no exit status to read.
    return { state: 'crashed', reason: `QEMU ended unexpectedly (it was started before the broker restarted, so its exit status is unknown); ${consoleLine}` };
  }
  if (exit.signal !== null) return { state: 'crashed', reason: `QEMU was killed by ${exit.signal}; ${consoleLine}` };
  const log = qemuLogTail.trim().split('\n').at(-1)?.trim();
  if (exit.code === 0) return { state: 'shutoff', reason: `QEMU exited; ${consoleLine}` };
  return { state: 'crashed', reason: `QEMU exited with code ${exit.code}${log ? `: ${log}` : ''}; ${consoleLine}` };
}

/** After a restart the process is simply gone: did the guest power off first? */
export function classifyVanished(pid: number, wasStopping: boolean, consoleTail: string): ExitVerdict {
  if (wasStopping) return { state: 'shutoff', reason: 'the instance finished stopping while the broker was not running' };
  if (/reboot: Power down|SKYPORT-SHUTDOWN/.test(consoleTail.split('\n').slice(-5).join('\n'))) {
    return { state: 'shutoff', reason: 'the guest powered itself off while the broker was not running' };
  }
  return { state: 'crashed', reason: `QEMU (pid ${pid}) is no longer running: it ended while the broker was not running; ${lastConsoleLine(consoleTail)}` };
}
