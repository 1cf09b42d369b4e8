/**
 * An OVA to disks a driver can import: extract (manifest verified, hostile members refused),
 * validate the descriptor for the target, then check every disk with qemu-img's safety rules.
 * On any failure the working folder is removed, so nothing half-imported remains.
 */
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { SkyportError, type DiskFormat } from '@skyport/model';
import { directoryPackage, extractOva, validatePackage, type Appliance, type ExtractOvaOptions, type ValidationIssue, type ValidationTarget } from '@skyport/ovf';
import { imageInfo } from './image-info.js';

export interface ImportOvaRequest extends ExtractOvaOptions {
  readonly source: string | Readable;
  /** An empty or missing folder that receives the package's files. */
  readonly workDir: string;
  readonly target?: ValidationTarget;
  readonly lax?: boolean;
}

export interface ImportableDisk {
  readonly diskId: string;
  readonly vmId: string;
  readonly path: string;
  readonly format: DiskFormat;
  readonly virtualSizeBytes: number;
}

export interface ImportedOva {
  readonly appliance: Appliance;
  readonly disks: readonly ImportableDisk[];
  readonly warnings: readonly string[];
  /** Removes the working folder. */
  release(): Promise<void>;
}

export async function importOva(request: ImportOvaRequest): Promise<ImportedOva> {
  const extracted = await extractOva(request.source, request.workDir, request);
  try {
    const report = await validatePackage(extracted.descriptor, directoryPackage(request.workDir), {
      descriptorName: extracted.descriptorName,
      ...(request.target === undefined ? {} : { target: request.target }),
      ...(request.lax === undefined ? {} : { lax: request.lax }),
    });
    if (!report.valid) {
      throw new SkyportError('InvalidArgument', `the OVA is not valid: ${report.errors.map(describe).join('; ')}`, { details: { reason: 'invalid-ova', errors: report.errors } });
    }
    const disks: ImportableDisk[] = [];
    for (const vm of extracted.appliance.vms) {
      for (const disk of vm.disks) {
        const path = disk.file === undefined ? undefined : extracted.files.get(disk.file.id);
        const format = disk.format?.diskFormat;
        if (path === undefined || format === undefined) {
          throw new SkyportError('InvalidArgument', `disk "${disk.diskId}" of "${vm.name}" has no file in the package or no known format (${disk.format?.uri ?? 'none'})`, { details: { reason: 'disk-unusable', diskId: disk.diskId } });
        }
        const info = await imageInfo(path, format);
        disks.push({ diskId: disk.diskId, vmId: vm.id, path, format, virtualSizeBytes: info.virtualSizeBytes });
      }
    }
    return {
      appliance: extracted.appliance,
      disks,
      warnings: [...extracted.warnings, ...report.warnings.map(describe)],
      release: () => rm(request.workDir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(request.workDir, { recursive: true, force: true });
    throw error;
  }
}

function describe(issue: ValidationIssue): string {
  return `${issue.message} [${issue.code} at ${issue.where}]`;
}
