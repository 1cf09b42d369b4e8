import { SkyportError, type DiskFormat } from '@skyport/model';
import { copyFile, fileSize, removeFile, sha256File, stagingPath } from '../staging.js';
import type { MigrationStep } from '../step-types.js';
import type { ConvertOutput } from './convert.js';
import { releaseExport, type ExportOutput } from './export-disk.js';

export interface TransferOutput {
  readonly path: string;
  readonly format: DiskFormat;
  readonly sizeBytes: number;
  /** Of the source's bytes, hashed as they were copied (the history keeps it, for checks end to end). */
  readonly sha256: string;
}

/**
 * Copies the disk into the target's staging area, hashing the source's bytes on the way. A
 * fresh copy is not read again (that would mostly read the page cache, not the disk, and hash
 * everything twice; bench/migrate); a continued one is, since part of it came from another run.
 */
export const transferStep: MigrationStep<TransferOutput> = {
  id: 'transfer',
  weight: 25,
  async run(step) {
    const converted = await step.output<ConvertOutput>('convert');
    const input = converted.skipped ? await step.output<ExportOutput>('export-disk') : { path: converted.path!, format: converted.format };
    const dest = stagingPath(step.services.workDir, step.target.record.id, step.vm.id, input.format);
    // A copy left by an interrupted run is continued only from the very same source file (a
    // redone export may hand out the same disk laid out differently).
    const from = { path: input.path, size: (await fileSize(input.path)) ?? 0 };
    const previous = step.partial['from'] as { path?: string; size?: number } | undefined;
    if (previous?.path !== from.path || previous.size !== from.size) await removeFile(dest);
    await step.checkpoint({ path: dest, from });
    const copying = `copying the disk to ${step.target.record.name}'s staging area`;
    const copied = await copyFile(input.path, dest, {
      signal: step.signal,
      onProgress: (done, total) => step.progress({ bytesDone: done, bytesTotal: total, stepPercent: total === 0 ? 100 : (done / total) * 100, message: copying }),
    });
    const staged = await fileSize(dest);
    // A continued copy kept bytes an earlier process wrote: only a hash of the file itself
    // proves they are the source's.
    const check = copied.resumedAt > 0 ? await sha256File(dest, { signal: step.signal, onProgress: () => step.progress({ bytesDone: copied.bytes, bytesTotal: copied.bytes, stepPercent: 100, message: 'checking the continued copy' }) }) : copied.sha256;
    if (staged !== copied.bytes || check !== copied.sha256) {
      await removeFile(dest);
      throw new SkyportError('Internal', `the staged copy of ${step.vm.sourceName}'s disk does not match the source (${staged ?? 0} of ${copied.bytes} bytes, sha256 ${check}); the copy is redone on retry`, { retryable: true });
    }
    // Done with what was copied: the export handle, or the converted file.
    if (converted.skipped) await releaseExport(step.services, step.vm.id);
    else if (converted.path !== undefined) await removeFile(converted.path);
    return { path: dest, format: input.format, sizeBytes: copied.bytes, sha256: copied.sha256 };
  },
  async holds(_step, output) {
    return (await fileSize(output.path)) === output.sizeBytes;
  },
  async compensate(step, output) {
    const path = output?.path ?? (step.partial['path'] as string | undefined);
    if (path !== undefined) await removeFile(path);
  },
};
