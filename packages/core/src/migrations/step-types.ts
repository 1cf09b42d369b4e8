/** The contract between the VM workflow and its steps. */
import type { MigrationStepId } from '@skyport/model';
import type { BrokerContext } from '../context.js';
import type { DiskConverter, ExportedDisk, MigrationPlanRecord, MigrationVmRecord } from '../ports/index.js';
import type { Connection } from '../provider-connections.js';
import type { PlanSpec } from './plan-spec.js';

/** Step ids as stored in histories: the forward steps, and `finalize`. */
export type StepId = MigrationStepId | 'finalize';

/** What the engine shares between the VMs it runs in this process. */
export interface EngineServices {
  readonly ctx: BrokerContext;
  readonly converter: DiskConverter | undefined;
  /**
   * Disks exported in this process, by VM id. A handle does not survive a restart (the driver
   * may remove its temporary copy), which is why `export-disk` is redone on resume when needed.
   */
  readonly exports: Map<string, ExportedDisk>;
  /** `<data dir>/migrations`: work files and the targets' staging areas. */
  readonly workDir: string;
  hurry(providerId: string): void;
}

export interface StepProgress {
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
  /** 0..100 of the current step. */
  readonly stepPercent?: number;
  readonly message?: string;
}

/** What a step gets while it runs (or while its compensation runs). */
export interface VmStepContext {
  readonly services: EngineServices;
  readonly plan: MigrationPlanRecord;
  readonly spec: PlanSpec;
  /** The VM as last written. */
  readonly vm: MigrationVmRecord;
  readonly source: Connection;
  readonly target: Connection;
  readonly signal: AbortSignal;
  /** What interrupted runs of this step recorded with `checkpoint` (empty on a first run). */
  readonly partial: Readonly<Record<string, unknown>>;
  /** Records part of the step's output now: before a provider call whose result must not be lost. */
  checkpoint(data: Record<string, unknown>): Promise<void>;
  /** An earlier step's output; redone first when it no longer holds (a disk exported by a process that died). */
  output<T>(step: StepId): Promise<T>;
  /** An earlier step's output as recorded, or undefined when it has none (for compensations, which never redo). */
  stored<T>(step: StepId): T | undefined;
  progress(update: StepProgress): void;
  /** Shows the target's resources on the VM as soon as they exist. */
  setTargets(patch: { readonly targetInstanceId?: string | null; readonly targetImageId?: string | null }): Promise<void>;
}

/**
 * One durable step: an action whose output is checkpointed before the next step starts, and
 * the compensation that undoes it. Both are idempotent: run again after a crash, they find
 * what an interrupted run did (from `partial`, or by a deterministic name or tag) and go on.
 */
export interface MigrationStep<O = Record<string, unknown>> {
  readonly id: StepId;
  /** Share of the VM's progress bar. */
  readonly weight: number;
  run(step: VmStepContext): Promise<O>;
  /** Given the step's output, or undefined when it never completed (then `step.partial` says how far it got). */
  compensate?(step: VmStepContext, output: O | undefined): Promise<Record<string, unknown> | void>;
  /** Whether a completed output can still be used in this process. Default: yes. */
  holds?(step: VmStepContext, output: O): Promise<boolean>;
}
