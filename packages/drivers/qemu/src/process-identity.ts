/**
 * Is a pid from the state file still our QEMU? Pids are reused, so after a broker restart a
 * recorded pid may belong to anything; it counts only when /proc shows a live (not zombie)
 * qemu-system process whose command line names the instance's own QMP socket.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** The process state letter from /proc/PID/stat (R, S, D, Z, ...), or undefined if gone. */
export async function processState(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses; the state follows the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** Alive means present and not a zombie waiting to be reaped. */
export async function isAlive(pid: number): Promise<boolean> {
  const state = await processState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

export async function isOurQemu(pid: number, qmpSocket: string): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  if (!(await isAlive(pid))) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return false;
  const argv = cmdline.split('\0');
  return basename(argv[0] ?? '').startsWith('qemu-system') && argv.some((arg) => arg.includes(qmpSocket));
}
