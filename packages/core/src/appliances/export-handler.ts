/**
 * `instance.export` and `image.export`: the provider hands out the disk (`exportDisk`), the
 * disk package converts it to a streamOptimized VMDK and packs descriptor, manifest and disk
 * into `<dataDir>/exports/<operation id>/<name>.ova` in one streaming pass; the OVA's SHA-256
 * is taken so a download can be checked end to end. The result names the file to download.
 * Exports run again from the start when resumed: nothing at the provider changes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { exportDiskToOva } from '@skyport/disk';
import { SkyportError } from '@skyport/model';
import type { OperationHandler } from '../operations/handlers.js';
import { applianceFileStem, exportDir, workDir } from './appliance-paths.js';
import { osSection } from './guest-os.js';
import { providerCall } from './provider-call.js';
import { TransferProgress } from './transfer-progress.js';

export interface ExportInput {
  readonly kind: 'image' | 'instance';
  readonly nativeId: string;
  /** The resource's name: the OVA's, its descriptor's and its disk's file names. */
  readonly name: string;
  readonly ovfVersion: '1.0' | '2.0';
  /** How the VM is described in the descriptor. */
  readonly vm: { readonly cpus: number; readonly memoryMiB: number; readonly firmware: 'bios' | 'efi'; readonly os?: string };
  /** Hours an export is kept, as the broker was tuned when it was asked for. */
  readonly retentionMs: number;
}

/** The result an export operation ends with (and what the download reads). */
export interface ExportResult {
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly ovfVersion: '1.0' | '2.0';
  readonly expiresAt: string;
  /** Members in archive order: descriptor first, then manifest, then the disk. */
  readonly members: readonly string[];
}

export const exportHandler: OperationHandler = async (step) => {
  const input = step.op.input as unknown as ExportInput;
  const { driver, record: provider } = step.conn;
  const exportDisk = driver.exportDisk?.bind(driver);
  if (exportDisk === undefined || step.conn.factory.capabilities.diskExport === undefined) {
    throw new SkyportError('Unsupported', `provider ${provider.name} does not support exporting disks`, { details: { provider: provider.name, feature: 'exporting disks' } });
  }
  const dir = exportDir(step.ctx, step.op.id);
  const stem = applianceFileStem(input.name);
  const out = join(dir, `${stem}.ova`);
  const progress = new TransferProgress(step);
  // Scratch space under the operation's own work folder, so the sweeper knows whose it is.
  const scratch = workDir(step.ctx, step.op.id);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await mkdir(scratch, { recursive: true });
  try {
    await progress.step(2, `asking ${provider.name} for the disk of ${input.kind} ${input.name}`);
    const disk = await providerCall(step, () => exportDisk(input.kind, input.nativeId, { signal: step.signal }), true);
    try {
      await progress.phase({ label: 'converting to streamOptimized VMDK and packing the OVA', from: 5, to: 92, totalBytes: disk.virtualSizeBytes });
      const written = await exportDiskToOva({
        disk: { path: disk.path, format: disk.format },
        vm: {
          id: stem,
          name: input.name,
          cpus: input.vm.cpus,
          memoryMiB: input.vm.memoryMiB,
          firmware: input.vm.firmware,
          hardwareFamilies: [],
          os: osSection(input.vm.os),
          // One NIC of the kind every platform has a driver for; the importer maps the network.
          nics: [{ name: 'Network adapter 1', network: 'VM Network', adapter: 'e1000' }],
          cdroms: 0,
          products: [],
        },
        out,
        ovfVersion: input.ovfVersion,
        workDir: scratch,
        onProgress: (percent) => progress.bytes((disk.virtualSizeBytes * percent) / 100),
        signal: step.signal,
      });
      const { size } = await stat(out);
      await progress.phase({ label: 'computing the SHA-256 of the OVA', from: 92, to: 99, totalBytes: size });
      const hash = createHash('sha256');
      let hashed = 0;
      for await (const chunk of createReadStream(out, { signal: step.signal }) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        hashed += chunk.length;
        progress.bytes(hashed);
      }
      await progress.flush();
      const result: ExportResult = {
        fileName: `${stem}.ova`,
        sizeBytes: size,
        sha256: hash.digest('hex'),
        ovfVersion: input.ovfVersion,
        expiresAt: new Date(step.ctx.clock.now().getTime() + input.retentionMs).toISOString(),
        members: [`${stem}.ovf`, ...(written.manifest === undefined ? [] : [`${stem}.mf`]), ...written.appliance.files.map((f) => f.href)],
      };
      return { ...result };
    } finally {
      await disk.release();
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
};
