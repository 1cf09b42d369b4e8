/**
 * Runs a host tool (qemu-img, genisoimage, the guest builder) and turns every way it can fail
 * into a SkyportError that quotes what the tool said. The arguments are passed as an array,
 * never through a shell.
 */
import { spawn } from 'node:child_process';
import { SkyportError } from '@skyport/model';
import { hostError } from './errors.js';

export interface CommandOptions {
  /** Names the step in error messages, e.g. `converting the image`. */
  readonly what: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each chunk of stdout as it arrives (progress output). */
  readonly onStdout?: (chunk: string) => void;
}

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Output kept for error messages: the end of it is what says why a tool failed. */
const MAX_KEPT = 64 * 1024;

function keepTail(current: string, chunk: string): string {
  const next = current + chunk;
  return next.length > MAX_KEPT ? next.slice(-MAX_KEPT) : next;
}

/** The last lines of a tool's output, on one line, for a message. */
export function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' | ').trim();
}

export function runCommand(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new SkyportError('Timeout', `${options.what} was cancelled before it started`, { retryable: false }));
      return;
    }
    // Its own process group, so a cancel reaches what the tool started (the guest builder's steps).
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let ended: 'aborted' | 'timeout' | undefined;
    const signalGroup = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const kill = (why: 'aborted' | 'timeout'): void => {
      ended ??= why;
      // SIGTERM lets scripts clean up (trap); SIGKILL follows for anything that ignores it.
      signalGroup('SIGTERM');
      setTimeout(() => signalGroup('SIGKILL'), 2_000).unref();
    };
    const onAbort = (): void => kill('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => kill('timeout'), options.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = keepTail(stdout, chunk);
      options.onStdout?.(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = keepTail(stderr, chunk);
    });
    const finish = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      reject(hostError(`${options.what} failed: ${file} could not be run (${error.code ?? error.message})`, error, 'ToolMissing'));
    });
    child.on('close', (code, signal) => {
      finish();
      if (ended === 'aborted') reject(new SkyportError('Timeout', `${options.what} was cancelled`, { retryable: false, details: { cancelled: true } }));
      else if (ended === 'timeout') reject(new SkyportError('Timeout', `${options.what} did not finish within ${options.timeoutMs} ms`));
      else if (code === 0) resolve({ stdout, stderr });
      else {
        const said = lastLines(stderr) || lastLines(stdout) || 'no output';
        reject(hostError(`${options.what} failed (${signal === null ? `exit code ${code}` : `signal ${signal}`}): ${said}`, undefined, 'ToolFailed'));
        return;
      }
    });
  });
}

/** The exit code of a tool that uses codes for answers (qemu-img check), with its output. */
export function runForExitCode(file: string, args: readonly string[], options: CommandOptions): Promise<CommandResult & { readonly code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = keepTail(stdout, chunk)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = keepTail(stderr, chunk)));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(hostError(`${options.what} failed: ${file} could not be run (${error.code ?? error.message})`, error, 'ToolMissing'));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? -1 });
    });
  });
}
