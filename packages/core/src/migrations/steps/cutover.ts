import { rm } from 'node:fs/promises';
import { deleteImage } from '../provider-calls.js';
import { vmWorkDir, removeFile } from '../staging.js';
import type { MigrationStep } from '../step-types.js';
import { releaseExport } from './export-disk.js';
import type { PreflightOutput } from './preflight-step.js';
import { restartSource, stopInstance, type StopSourceOutput } from './stop-source.js';
import type { TransferOutput } from './transfer.js';

export interface CutoverOutput {
  readonly at: string;
  /** `snapshot` mode: whether the source ran until now (a rollback restarts it). */
  readonly wasRunning?: boolean;
}

/**
 * The target takes over: in `snapshot` mode the source is stopped now (it ran while its copy
 * moved); the broker's files of the VM are removed. The source itself is kept until finalize.
 */
export const cutoverStep: MigrationStep<CutoverOutput> = {
  id: 'cutover',
  weight: 2,
  async run(step) {
    const stopped = await step.output<StopSourceOutput>('stop-source');
    const { sourceNativeId } = await step.output<PreflightOutput>('preflight');
    let wasRunning: boolean | undefined;
    if (stopped.mode === 'snapshot') {
      step.progress({ message: `stopping the source ${step.vm.sourceName}` });
      wasRunning = await stopInstance(step, sourceNativeId);
      if (stopped.snapshotImageNativeId !== undefined) await deleteImage(step, step.source, stopped.snapshotImageNativeId);
    }
    await releaseExport(step.services, step.vm.id);
    const staged = step.stored<TransferOutput>('transfer');
    if (staged !== undefined) await removeFile(staged.path);
    await rm(vmWorkDir(step.services.workDir, step.plan.id, step.vm.id), { recursive: true, force: true });
    return { at: step.services.ctx.clock.now().toISOString(), ...(wasRunning === undefined ? {} : { wasRunning }) };
  },
  async compensate(step, output) {
    const wasRunning = output?.wasRunning ?? (step.partial['wasRunning'] as boolean | undefined);
    const preflight = step.stored<PreflightOutput>('preflight');
    if (wasRunning === true && preflight !== undefined) return restartSource(step, preflight.sourceNativeId);
    return undefined;
  },
};
