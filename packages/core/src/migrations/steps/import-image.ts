import { SkyportError } from '@skyport/model';
import type { NativeImage } from '../../ports/index.js';
import { importedImageName, migrationTags } from '../migration-names.js';
import { call, deleteImage, findImageByName, observeImage, waitUntil } from '../provider-calls.js';
import type { MigrationStep, VmStepContext } from '../step-types.js';
import type { PreflightOutput } from './preflight-step.js';
import type { TransferOutput } from './transfer.js';

export interface ImportOutput {
  readonly imageNativeId: string;
  readonly imageId: string;
  readonly name: string;
}

/** The image an interrupted run of this step made, by recorded id or by its deterministic name. */
async function existing(step: VmStepContext, name: string): Promise<NativeImage | undefined> {
  const recorded = step.partial['imageNativeId'] as string | undefined;
  if (recorded === undefined && step.partial['attempted'] !== true) return undefined;
  const found = await findImageByName(step, step.target, name);
  if (found === undefined || (recorded !== undefined && found.nativeId !== recorded)) return undefined;
  if (found.state !== 'failed') return found;
  // A failed import is removed and made again.
  await deleteImage(step, step.target, found.nativeId);
  return undefined;
}

/**
 * Imports the staged disk as an image of the target. Its name is fixed per VM, so a run
 * interrupted after the provider accepted the import finds the image instead of importing twice.
 */
export const importImageStep: MigrationStep<ImportOutput> = {
  id: 'import',
  weight: 20,
  async run(step) {
    const { driver } = step.target;
    const name = importedImageName(step.vm.id);
    let native = await existing(step, name);
    if (native === undefined) {
      if (driver.importImage === undefined) throw new SkyportError('Unsupported', `provider ${step.target.record.name} cannot import images (capability imageImport)`);
      const importImage = driver.importImage.bind(driver);
      const staged = await step.output<TransferOutput>('transfer');
      const { target } = await step.output<PreflightOutput>('preflight');
      await step.checkpoint({ attempted: true });
      const message = `importing the disk into ${step.target.record.name}`;
      step.progress({ bytesDone: 0, bytesTotal: staged.sizeBytes, stepPercent: 0, message });
      native = await call(
        step,
        () =>
          importImage({
            name,
            description: `${step.vm.sourceName}, migrated from ${step.source.record.name} by plan ${step.plan.name}`,
            path: staged.path,
            format: staged.format,
            architecture: target.architecture,
            tags: migrationTags(step.vm.id),
            signal: step.signal,
            onProgress: (done, total) => step.progress({ bytesDone: done, bytesTotal: total, stepPercent: total === 0 ? 0 : (done / total) * 100, message }),
          }),
        false,
      );
    }
    // Written to the inventory before the checkpoint: the image is visible even if the broker
    // dies right here, and the next run finds it by name.
    const image = await observeImage(step, step.target, native);
    await step.checkpoint({ imageNativeId: native.nativeId });
    await step.setTargets({ targetImageId: image.id });
    if (native.state !== 'available') {
      await waitUntil(step, `image ${name}`, () => findImageByName(step, step.target, name), (i) =>
        i === undefined ? 'the imported image disappeared' : i.state === 'available' ? true : i.state === 'failed' ? 'the import failed at the provider' : false,
      );
    }
    return { imageNativeId: native.nativeId, imageId: image.id, name };
  },
  async compensate(step, output) {
    const name = importedImageName(step.vm.id);
    const nativeId = output?.imageNativeId ?? (step.partial['imageNativeId'] as string | undefined) ?? (step.partial['attempted'] === true ? (await findImageByName(step, step.target, name))?.nativeId : undefined);
    if (nativeId === undefined) return { removed: false };
    const result = await deleteImage(step, step.target, nativeId);
    await step.setTargets({ targetImageId: null });
    return result === 'deleted' ? { removed: true } : { removed: false, reason: `provider ${step.target.record.name} cannot delete images; remove ${name} there` };
  },
};
