import { rename } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SkyportError, type DiskFormat } from '@skyport/model';
import { importFormatFor } from '../resolve-target.js';
import { fileSize, removeFile, vmWorkDir } from '../staging.js';
import type { MigrationStep } from '../step-types.js';
import { releaseExport, type ExportOutput } from './export-disk.js';

export interface ConvertOutput {
  /** The exported disk is already in a format the target imports. */
  readonly skipped: boolean;
  readonly format: DiskFormat;
  readonly path?: string;
  readonly sizeBytes?: number;
}

/** Converts the exported disk when the target does not import its format (or the plan asks another). */
export const convertStep: MigrationStep<ConvertOutput> = {
  id: 'convert',
  weight: 20,
  async run(step) {
    const exported = await step.output<ExportOutput>('export-disk');
    const formats = step.target.factory.capabilities.imageImport?.formats ?? [];
    const format = importFormatFor(exported.format, formats, step.spec.mappings.diskFormat);
    if (format === undefined) throw new SkyportError('Unsupported', `provider ${step.target.record.name} imports no disk format`);
    if (format === exported.format) return { skipped: true, format };
    const converter = step.services.converter;
    if (converter === undefined) throw new SkyportError('Unsupported', `the disk must be converted from ${exported.format} to ${format}, and this broker has no disk converter (qemu-img)`);
    const dir = vmWorkDir(step.services.workDir, step.plan.id, step.vm.id);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `disk.${format}`);
    await removeFile(path);
    const message = `converting ${exported.format} to ${format}`;
    step.progress({ stepPercent: 0, message });
    await converter.convert({
      source: exported.path,
      sourceFormat: exported.format,
      target: `${path}.partial`,
      targetFormat: format,
      signal: step.signal,
      onProgress: (percent) => step.progress({ stepPercent: percent, message }),
    });
    await rename(`${path}.partial`, path);
    // The converted copy is what moves on; the source's disk is no longer read.
    await releaseExport(step.services, step.vm.id);
    return { skipped: false, format, path, sizeBytes: (await fileSize(path)) ?? 0 };
  },
  async holds(_step, output) {
    return output.skipped || (output.path !== undefined && (await fileSize(output.path)) === output.sizeBytes);
  },
  async compensate(step, output) {
    const formats = step.target.factory.capabilities.imageImport?.formats ?? [];
    const dir = vmWorkDir(step.services.workDir, step.plan.id, step.vm.id);
    for (const format of output?.path === undefined ? formats : [output.format]) await removeFile(join(dir, `disk.${format}`));
  },
};
