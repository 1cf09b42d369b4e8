/** The steps of one VM, in the order they run; `finalize` runs on its own, after cut-over. */
import { MIGRATION_STEPS, type MigrationStepId } from '@skyport/model';
import type { MigrationStep, StepId } from '../step-types.js';
import { bootVerifyStep } from './boot-verify.js';
import { convertStep } from './convert.js';
import { createTargetStep } from './create-target.js';
import { cutoverStep } from './cutover.js';
import { exportDiskStep } from './export-disk.js';
import { finalizeStep } from './finalize-source.js';
import { importImageStep } from './import-image.js';
import { preflightStep } from './preflight-step.js';
import { stopSourceStep } from './stop-source.js';
import { transferStep } from './transfer.js';

const FORWARD: Readonly<Record<MigrationStepId, MigrationStep<any>>> = {
  preflight: preflightStep,
  'stop-source': stopSourceStep,
  'export-disk': exportDiskStep,
  convert: convertStep,
  transfer: transferStep,
  import: importImageStep,
  'create-target': createTargetStep,
  'boot-verify': bootVerifyStep,
  cutover: cutoverStep,
};

export const STEPS: ReadonlyMap<StepId, MigrationStep<any>> = new Map<StepId, MigrationStep<any>>([...MIGRATION_STEPS.map((id) => [id, FORWARD[id]] as const), ['finalize', finalizeStep]]);
