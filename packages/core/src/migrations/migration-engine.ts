/**
 * The migration machinery of one broker process: the dispatcher that hands waiting VMs to the
 * job queue, the jobs that run them, and recovery after a crash.
 */
import { join } from 'node:path';
import type { BrokerContext } from '../context.js';
import type { DiskConverter, MigrationVmRecord } from '../ports/index.js';
import { MigrationDispatcher, enqueueJob } from './dispatcher.js';
import type { EngineServices } from './step-types.js';
import { qemuImgConverter } from './qemu-img-converter.js';
import { removeFile, stagingPath } from './staging.js';
import { releaseExport } from './steps/export-disk.js';
import { MIGRATION_JOB, runVmJob } from './vm-job.js';

/** How often waiting VMs are looked at even when nothing in this process finished (other brokers may have). */
const DISPATCH_EVERY_MS = 2_000;
/** Every this many dispatch passes, VMs whose job went missing (a failed enqueue) get a new one. */
const RECOVER_EVERY = 15;

export interface MigrationEngineOptions {
  /** Default: qemu-img. */
  readonly converter?: DiskConverter;
  readonly hurry: (providerId: string) => void;
}

export class MigrationEngine {
  readonly services: EngineServices;
  readonly #dispatcher: MigrationDispatcher;
  readonly #controls = new Map<string, (request: 'cancel' | 'pause') => void>();
  #timer: NodeJS.Timeout | undefined;

  constructor(ctx: BrokerContext, options: MigrationEngineOptions) {
    this.services = { ctx, converter: options.converter ?? qemuImgConverter, exports: new Map(), workDir: join(ctx.dataDir, 'migrations'), hurry: options.hurry };
    this.#dispatcher = new MigrationDispatcher(this.services);
  }

  get canConvert(): boolean {
    return this.services.converter !== undefined;
  }

  async start(): Promise<void> {
    const recovered = await this.#dispatcher.recover();
    if (recovered > 0) this.services.ctx.logger.info({ recovered }, 'migration VMs given new jobs after a restart');
    this.#dispatcher.kick();
    let ticks = 0;
    this.#timer = setInterval(() => {
      if (++ticks % RECOVER_EVERY === 0) {
        void this.#dispatcher.recover().catch((err: unknown) => this.services.ctx.logger.warn({ err }, 'could not check migration jobs'));
      }
      this.#dispatcher.kick();
    }, DISPATCH_EVERY_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Lets go of disks still exported (after the job queue stopped, so no job reads them). */
  async releaseAll(): Promise<void> {
    const exports = [...this.services.exports.values()];
    this.services.exports.clear();
    await Promise.allSettled(exports.map((disk) => disk.release()));
  }

  kick(): void {
    this.#dispatcher.kick();
  }

  /** Queues a rollback or finalize job for a VM already marked `queued` with its operation id. */
  enqueue(vm: MigrationVmRecord): Promise<void> {
    return enqueueJob(this.services, vm);
  }

  /** Lets go of what this process holds for a VM of a plan being deleted: its exported disk, its staged files. */
  async forget(vm: MigrationVmRecord): Promise<void> {
    await releaseExport(this.services, vm.id);
    for (const format of ['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx'] as const) await removeFile(stagingPath(this.services.workDir, vm.targetProviderId, vm.id, format));
  }

  /**
   * Tells a VM's job of a cancel or pause at once when this process runs it (jobs in other
   * processes notice the stored request within a poll).
   */
  signalLocal(vmId: string, request: 'cancel' | 'pause'): void {
    this.#controls.get(vmId)?.(request);
  }

  /** The job queue's entry: migration jobs here, every other operation to `fallback`. */
  async run(operationId: string, signal: AbortSignal, fallback: () => Promise<void>): Promise<void> {
    const op = await this.services.ctx.store.operations.get(operationId);
    if (op?.type !== MIGRATION_JOB) return fallback();
    if (op.status !== 'running') return;
    await runVmJob(this.services, op, signal, {
      register: (vmId, control) => {
        this.#controls.set(vmId, control);
        return () => {
          if (this.#controls.get(vmId) === control) this.#controls.delete(vmId);
        };
      },
      settled: (vm) => {
        if (vm !== undefined) {
          this.services.hurry(vm.sourceProviderId);
          this.services.hurry(vm.targetProviderId);
        }
        this.#dispatcher.kick();
      },
    });
  }
}
