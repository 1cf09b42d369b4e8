/**
 * Runs qemu-img. Every call names the source format (`-f`): letting qemu probe is how a raw
 * image that looks like qcow2 gets qemu to open files it names. A missing binary becomes one
 * clear error with the install command; a refused image an `InvalidArgument` naming it.
 */
import { spawn } from 'node:child_process';
import { SkyportError, type DiskFormat } from '@skyport/model';

export const INSTALL_HINT = 'apt-get install -y --no-install-recommends qemu-utils';

/** qemu-img's own name for each format (a VHD is "vpc"). */
export const QEMU_FORMAT: Readonly<Record<DiskFormat, string>> = { qcow2: 'qcow2', raw: 'raw', vmdk: 'vmdk', vhd: 'vpc', vhdx: 'vhdx' };

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly onStdout?: (text: string) => void;
  readonly signal?: AbortSignal;
  /** Exit codes that are answers, not failures (qemu-img check uses 2 and 3). */
  readonly okCodes?: readonly number[];
}

export function qemuImgBinary(): string {
  return process.env['SKYPORT_QEMU_IMG'] ?? 'qemu-img';
}

/** Runs `qemu-img args...`; `subject` is the file the failure message names. */
export function runQemuImg(args: readonly string[], subject: string, options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(qemuImgBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.signal === undefined ? {} : { signal: options.signal }) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.onStdout?.(text);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new SkyportError('Internal', `qemu-img is not installed on the broker host; install it with \`${INSTALL_HINT}\``, { details: { reason: 'qemu-img-missing', install: INSTALL_HINT }, cause: error }));
      } else if (error.name === 'AbortError') {
        reject(new SkyportError('Timeout', `qemu-img was cancelled while working on ${subject}`, { retryable: false, cause: error }));
      } else {
        reject(new SkyportError('Internal', `qemu-img could not run: ${error.message}`, { cause: error }));
      }
    });
    child.on('close', (code) => {
      const exit = code ?? -1;
      if (exit === 0 || options.okCodes?.includes(exit) === true) {
        resolve({ code: exit, stdout, stderr });
        return;
      }
      if (options.signal?.aborted === true) return;
      const reason = stderr.trim().replace(/^qemu-img: /gm, '') || `exit code ${exit}`;
      reject(new SkyportError('InvalidArgument', `qemu-img refused ${subject}: ${reason}`, { details: { reason: 'qemu-img-failed', file: subject, exitCode: exit, stderr: stderr.trim() } }));
    });
  });
}
