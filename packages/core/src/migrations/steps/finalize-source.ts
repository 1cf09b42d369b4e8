import { destroyInstance } from '../provider-calls.js';
import type { MigrationStep } from '../step-types.js';

export interface FinalizeOutput {
  readonly source: 'deleted' | 'kept';
}

/** After cut-over, the plan's choice for the source: deleted, or kept (stopped) for the user. */
export const finalizeStep: MigrationStep<FinalizeOutput> = {
  id: 'finalize',
  weight: 100,
  async run(step) {
    if (step.spec.options.sourceAfterFinalize === 'keep') return { source: 'kept' };
    const record = await step.services.ctx.store.resources.get(step.vm.sourceInstanceId);
    if (record !== undefined) {
      step.progress({ message: `deleting the source ${step.vm.sourceName}` });
      await destroyInstance(step, step.source, record.nativeId);
    }
    return { source: 'deleted' };
  },
};
