import { SkyportError, type MigrationTargetSpec } from '@skyport/model';
import { freshInstance } from '../../services/fresh-instance.js';
import { InventoryLookup } from '../inventory-lookup.js';
import { providerFindings } from '../preflight.js';
import { resolveTarget, type NativeTarget } from '../resolve-target.js';
import type { MigrationStep } from '../step-types.js';

export interface PreflightOutput {
  readonly sourceNativeId: string;
  /** The decisions the later steps act on, fixed here so a resumed VM does not decide again. */
  readonly target: NativeTarget;
  readonly targetSpec: MigrationTargetSpec;
}

/**
 * The plan's preflight for this VM alone, on the source's live state: a VM whose blockers
 * appeared after the plan was checked fails here, before anything is touched.
 */
export const preflightStep: MigrationStep<PreflightOutput> = {
  id: 'preflight',
  weight: 2,
  async run(step) {
    const { ctx } = step.services;
    const record = await ctx.store.resources.get(step.vm.sourceInstanceId);
    if (record !== undefined && record.vanishedAt === null) await freshInstance(ctx, record);
    const resolved = await resolveTarget(
      { lookup: new InventoryLookup(ctx.store), spec: step.spec, source: step.source, target: step.target, canConvert: step.services.converter !== undefined },
      step.vm,
    );
    const blockers = [...providerFindings(step.source, step.target, step.spec.options.sourceMode), ...resolved.findings].filter((f) => f.severity === 'blocker');
    if (blockers.length > 0 || resolved.native === undefined || resolved.source === undefined) {
      throw new SkyportError('InvalidState', `preflight of ${step.vm.sourceName} found ${blockers.length} blocker(s): ${blockers.map((b) => b.message).join('; ')}`, {
        details: { findings: blockers },
      });
    }
    return { sourceNativeId: resolved.source.nativeId, target: resolved.native, targetSpec: resolved.spec };
  },
};
