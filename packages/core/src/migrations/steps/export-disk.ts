import type { DiskFormat } from '@skyport/model';
import { SkyportError } from '@skyport/model';
import { call } from '../provider-calls.js';
import { fileSize } from '../staging.js';
import type { EngineServices, MigrationStep } from '../step-types.js';
import type { PreflightOutput } from './preflight-step.js';
import type { StopSourceOutput } from './stop-source.js';

export interface ExportOutput {
  readonly path: string;
  readonly format: DiskFormat;
  readonly virtualSizeBytes: number;
  readonly sizeBytes: number;
}

/** Lets go of a VM's exported disk (the driver may remove its temporary copy). */
export async function releaseExport(services: EngineServices, vmId: string): Promise<void> {
  const disk = services.exports.get(vmId);
  services.exports.delete(vmId);
  await disk?.release();
}

/**
 * Asks the source's driver for the disk as a local file, read-only. The handle lives in this
 * process only, so after a restart the step is redone when a later step still needs the disk.
 */
export const exportDiskStep: MigrationStep<ExportOutput> = {
  id: 'export-disk',
  weight: 5,
  async run(step) {
    const { driver } = step.source;
    if (driver.exportDisk === undefined) throw new SkyportError('Unsupported', `provider ${step.source.record.name} cannot hand out disks (capability diskExport)`);
    const exportDisk = driver.exportDisk.bind(driver);
    const stopped = await step.output<StopSourceOutput>('stop-source');
    const { sourceNativeId } = await step.output<PreflightOutput>('preflight');
    await releaseExport(step.services, step.vm.id);
    step.progress({ message: `reading the disk of ${step.vm.sourceName} from ${step.source.record.name}` });
    const disk =
      stopped.mode === 'snapshot' && stopped.snapshotImageNativeId !== undefined
        ? await call(step, () => exportDisk('image', stopped.snapshotImageNativeId!, { signal: step.signal }))
        : await call(step, () => exportDisk('instance', sourceNativeId, { signal: step.signal }));
    step.services.exports.set(step.vm.id, disk);
    const sizeBytes = (await fileSize(disk.path)) ?? 0;
    return { path: disk.path, format: disk.format, virtualSizeBytes: disk.virtualSizeBytes, sizeBytes };
  },
  async holds(step, output) {
    return step.services.exports.get(step.vm.id)?.path === output.path && (await fileSize(output.path)) !== undefined;
  },
  async compensate(step) {
    await releaseExport(step.services, step.vm.id);
  },
};
