/**
 * One running qemu-system process and its QMP connection. Processes are started detached (own
 * process group, output to a log file, not keeping Node alive), so they outlive the broker and
 * a later broker re-attaches to them by pid and socket.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkyportError } from '@skyport/model';
import { readTail } from './file-tail.js';
import { isAlive, isOurQemu } from './process-identity.js';
import { QmpClient } from './qmp-client.js';

/** How a QEMU process ended. Code and signal are known only for processes this broker started. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Whether code/signal are known (false for a process re-attached after a restart). */
  readonly known: boolean;
  /** The last SHUTDOWN event QEMU sent: `guest-shutdown` (the guest powered off), `host-qmp-quit`, `host-signal`... */
  readonly shutdownReason?: string;
}

export interface SpawnOptions {
  readonly binary: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly logPath: string;
  readonly qmpSocket: string;
  readonly startTimeoutMs: number;
}

export class VmProcess {
  #shutdownReason: string | undefined;

  private constructor(
    readonly pid: number,
    readonly qmp: QmpClient,
    /** Resolves once when the process has ended. */
    readonly exited: Promise<ExitInfo>,
    private readonly exitedNow: () => boolean,
  ) {
    qmp.onEvent((event) => {
      if (event.event === 'SHUTDOWN' && typeof event.data?.['reason'] === 'string') this.#shutdownReason = event.data['reason'];
    });
  }

  get running(): boolean {
    return !this.exitedNow();
  }

  /** Why QEMU is shutting down, as far as QMP said before the end. */
  get shutdownReason(): string | undefined {
    return this.#shutdownReason;
  }

  /** Starts QEMU and waits until its QMP socket answers; on failure nothing is left running. */
  static async spawn(options: SpawnOptions): Promise<VmProcess> {
    const log = openSync(options.logPath, 'a');
    let child;
    try {
      child = spawn(options.binary, options.args, { cwd: options.cwd, detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    child.unref();
    let done = false;
    let shutdownReason: () => string | undefined = () => undefined;
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('error', () => {
        done = true;
        resolve({ code: null, signal: null, known: true });
      });
      child.once('exit', (code, signal) => {
        done = true;
        const reason = shutdownReason();
        resolve({ code, signal, known: true, ...(reason === undefined ? {} : { shutdownReason: reason }) });
      });
    });
    const pid = child.pid;
    let qmp: QmpClient;
    try {
      if (pid === undefined) throw new SkyportError('ProviderError', `${options.binary} could not be started`, { providerCode: 'QemuSpawnFailed' });
      qmp = await QmpClient.connect(options.qmpSocket, { timeoutMs: options.startTimeoutMs, alive: () => !done });
    } catch (error) {
      if (!done) child.kill('SIGKILL');
      await exited;
      const said = (await readTail(options.logPath, 2048)).trim().split('\n').slice(-3).join(' | ');
      throw new SkyportError('ProviderError', `QEMU did not start: ${said || (error instanceof Error ? error.message : String(error))}`, {
        providerCode: 'QemuStartFailed',
        details: { log: said },
        cause: error,
      });
    }
    const vm = new VmProcess(pid, qmp, exited, () => done);
    shutdownReason = () => vm.shutdownReason;
    return vm;
  }

  /**
   * Re-attaches to a QEMU started by an earlier broker. Undefined when the pid is not (any more)
   * our QEMU or its QMP socket does not answer.
   */
  static async attach(pid: number, qmpSocket: string): Promise<VmProcess | undefined> {
    if (!(await isOurQemu(pid, qmpSocket))) return undefined;
    let qmp: QmpClient;
    try {
      qmp = await QmpClient.connect(qmpSocket, { timeoutMs: 5_000 });
    } catch {
      return undefined;
    }
    let done = false;
    let vm: VmProcess | undefined;
    // Not our child: no exit status. The QMP connection closing tells us it is ending.
    const exited = qmp.closed.then(async () => {
      for (let i = 0; i < 200 && (await isAlive(pid)); i++) await sleep(25);
      // Still alive: the connection was let go (detach), not ended by an exit; this never resolves.
      if (await isAlive(pid)) await new Promise<never>(() => undefined);
      done = true;
      const reason = vm?.shutdownReason;
      return { code: null, signal: null, known: false, ...(reason === undefined ? {} : { shutdownReason: reason }) };
    });
    vm = new VmProcess(pid, qmp, exited, () => done);
    return vm;
  }

  /** Hard stop: QMP `quit`, then SIGKILL if QEMU is still there after `graceMs`. */
  async quit(graceMs = 5_000): Promise<ExitInfo> {
    if (this.running) {
      await this.qmp.execute('quit').catch(() => undefined);
      // The timer keeps Node alive until the exit arrives (the child itself is unref'd); cancelled once it has.
      const settled = new AbortController();
      const grace = sleep(graceMs, false, { signal: settled.signal }).catch(() => true);
      const ended = await Promise.race([this.exited.then(() => true), grace]);
      settled.abort();
      if (!ended) this.kill();
    }
    return this.exited;
  }

  kill(): void {
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  /** Lets go of the process without stopping it (the driver is closing; the VM keeps running). */
  detach(): void {
    this.qmp.close();
  }
}
