/**
 * A disk to an OVA: convert to a streamOptimized VMDK (the format every OVF consumer reads),
 * describe it in a descriptor, and pack descriptor, manifest and disk in one streaming pass.
 * This is what the broker's export flow calls with the disk a driver hands out.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { DiskFormat } from '@skyport/model';
import { FORMAT_URIS, writeOvaFile, writeOvf, type Appliance, type VmSpec, type WrittenOva } from '@skyport/ovf';
import { convertImage } from './convert-image.js';

export interface ExportDiskToOvaRequest {
  readonly disk: { readonly path: string; readonly format: DiskFormat };
  /** The VM to describe; its `disks` are replaced by the one exported disk. */
  readonly vm: Omit<VmSpec, 'disks'>;
  readonly out: string;
  readonly ovfVersion?: '1.0' | '2.0';
  /** Folder for the converted disk (default: the system's temporary folder). */
  readonly workDir?: string;
  /** 0..100 over the whole export: conversion is most of the work. */
  readonly onProgress?: (percent: number) => void;
  readonly signal?: AbortSignal;
}

export interface ExportedOva extends WrittenOva {
  readonly descriptor: string;
  readonly appliance: Appliance;
}

const CONVERT_SHARE = 90;

export async function exportDiskToOva(request: ExportDiskToOvaRequest): Promise<ExportedOva> {
  const work = await mkdtemp(join(request.workDir ?? tmpdir(), 'skyport-export-'));
  try {
    const stem = basename(request.out).replace(/\.ova$/i, '') || 'appliance';
    const diskName = `${stem}-disk1.vmdk`;
    const vmdk = join(work, diskName);
    const info = await convertImage({
      source: request.disk.path,
      sourceFormat: request.disk.format,
      target: vmdk,
      targetFormat: 'vmdk',
      vmdkSubformat: 'streamOptimized',
      onProgress: (p) => request.onProgress?.((p * CONVERT_SHARE) / 100),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    const { size } = await stat(vmdk);
    const file = { id: 'file1', href: diskName, size };
    const appliance: Appliance = {
      ovfVersion: request.ovfVersion ?? '1.0',
      producer: { dialect: 'generic', tool: 'Skyport' },
      name: request.vm.name,
      files: [file],
      networks: [],
      deploymentOptions: [],
      eulas: [],
      vms: [
        {
          ...request.vm,
          disks: [{ diskId: 'vmdisk1', capacityBytes: info.virtualSizeBytes, format: { uri: FORMAT_URIS.streamOptimized, diskFormat: 'vmdk', variant: 'streamOptimized' }, fileRef: 'file1', file, index: 0 }],
        },
      ],
    };
    const descriptor = writeOvf(appliance, { version: request.ovfVersion ?? '1.0' });
    const written = await writeOvaFile(request.out, {
      descriptorName: `${stem}.ovf`,
      descriptor,
      files: [{ name: diskName, path: vmdk }],
      manifest: 'sha256',
      onProgress: (done, total) => request.onProgress?.(CONVERT_SHARE + (total === 0 ? 10 : (done / total) * (100 - CONVERT_SHARE))),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    return { ...written, descriptor, appliance };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
