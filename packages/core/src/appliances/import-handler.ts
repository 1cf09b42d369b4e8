/**
 * `image.import`: an uploaded OVA becomes images of a provider. Extract it (every member
 * checked, the manifest verified), validate the descriptor and the disks (no backing files,
 * formats checked by magic), convert disks the provider does not take, map the VM's hardware
 * to the nearest hardware profile, and import each disk (the first is the root image).
 *
 * Nothing half-imported stays: a failure removes the images this import made, the work
 * folder and the upload. A broker shutdown is not a failure: the upload and the checkpointed
 * images stay, and the resumed operation carries on with the disks not imported yet.
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { convertImage, importOva, type ImportableDisk, type ImportedOva } from '@skyport/disk';
import { SkyportError, type DiskFormat, type HardwareProfile, type Tags } from '@skyport/model';
import type { OperationHandler, StepContext } from '../operations/handlers.js';
import { osFamily } from './guest-os.js';
import { nearestProfile, type ProfileMatch } from './nearest-profile.js';
import { providerCall } from './provider-call.js';
import { TransferProgress } from './transfer-progress.js';
import { workDir } from './appliance-paths.js';

export interface ImageImportInput {
  readonly uploadPath: string;
  readonly uploadBytes: number;
  /** The file's name as the user had it, for messages and the default description. */
  readonly fileName?: string;
  readonly name: string;
  readonly description?: string;
  readonly tags?: Tags;
  readonly lax?: boolean;
}

interface ImportedDisk {
  readonly index: number;
  readonly nativeId: string;
  readonly imageId: string;
  readonly name: string;
}

const GiB = 1024 ** 3;
const MAX_DESCRIPTION = 255;

/** The provider's hardware profiles, as the inventory has them. */
async function profilesOf(step: StepContext): Promise<HardwareProfile[]> {
  const page = await step.ctx.store.resources.list({ kind: 'hardwareProfile', providerIds: [step.conn.record.id], limit: 1000 });
  return page.items.map((r) => r.data as unknown as HardwareProfile);
}

function describeImport(input: ImageImportInput, vm: { name: string; cpus: number; memoryMiB: number }, match: ProfileMatch | undefined): string {
  const profile = match === undefined ? 'no hardware profile known' : `nearest hardware profile ${match.name}${match.fits ? '' : ' (smaller than the appliance)'}`;
  return `${vm.name} from ${input.fileName ?? 'an OVA'}: ${vm.cpus} CPU, ${vm.memoryMiB} MiB; ${profile}`.slice(0, MAX_DESCRIPTION);
}

/** The format to hand the provider: the disk's own when accepted, else qcow2 (or its first format). */
function formatFor(disk: ImportableDisk, accepted: readonly DiskFormat[]): DiskFormat {
  if (accepted.includes(disk.format)) return disk.format;
  return accepted.includes('qcow2') ? 'qcow2' : (accepted[0] ?? 'qcow2');
}

export const importImageHandler: OperationHandler = async (step) => {
  const input = step.op.input as unknown as ImageImportInput;
  const { driver, factory, record: provider } = step.conn;
  const accepted = factory.capabilities.imageImport?.formats;
  const importImage = driver.importImage?.bind(driver);
  if (accepted === undefined || importImage === undefined) {
    throw new SkyportError('Unsupported', `provider ${provider.name} does not support importing images`, { details: { provider: provider.name, feature: 'importing images' } });
  }
  const work = workDir(step.ctx, step.op.id);
  const done = [...((step.op.result?.['images'] as ImportedDisk[] | undefined) ?? [])];
  const progress = new TransferProgress(step);
  let failed = true;
  try {
    // A resumed run starts the extraction over: a half-written folder proves nothing.
    await rm(work, { recursive: true, force: true });
    const uploadBytes = await stat(input.uploadPath).then(
      (s) => s.size,
      () => {
        throw new SkyportError('InvalidArgument', `the uploaded OVA of this import is gone from the broker (${input.fileName ?? 'upload'}); upload it again`, { details: { reason: 'upload-gone' } });
      },
    );
    await progress.phase({ label: 'extracting and verifying the OVA', from: 1, to: 35, totalBytes: uploadBytes });
    const ova: ImportedOva = await importOva({
      source: input.uploadPath,
      workDir: work,
      // Every disk passes through qemu-img, so QEMU's view of what is deployable applies.
      target: 'qemu',
      ...(input.lax === undefined ? {} : { lax: input.lax }),
      onProgress: (bytes) => progress.bytes(bytes),
      signal: step.signal,
    });
    try {
      if (ova.appliance.vms.length !== 1) {
        throw new SkyportError('InvalidArgument', `the OVA holds ${ova.appliance.vms.length} virtual systems; an import takes an appliance with exactly one`, {
          details: { reason: 'vm-count', vms: ova.appliance.vms.map((v) => v.name) },
        });
      }
      const vm = ova.appliance.vms[0]!;
      const disks = ova.disks.filter((d) => d.vmId === vm.id);
      const root = disks[0];
      if (root === undefined) throw new SkyportError('InvalidArgument', `virtual system "${vm.name}" has no disk; there is nothing to import`, { details: { reason: 'no-disk' } });

      const match = nearestProfile(await profilesOf(step), {
        cpus: vm.cpus,
        memoryMiB: vm.memoryMiB,
        diskGiB: Math.max(1, Math.ceil(root.virtualSizeBytes / GiB)),
        overrides: factory.capabilities.instances.profileOverrides,
      });
      const os = osFamily(vm.os);
      const sizes = await Promise.all(disks.map(async (d) => (await stat(d.path)).size));
      const total = sizes.reduce((a, b) => a + b, 0);
      let before = 0;
      for (const [index, disk] of disks.entries()) {
        const size = sizes[index] ?? 0;
        const from = 35 + (63 * before) / Math.max(1, total);
        const to = 35 + (63 * (before + size)) / Math.max(1, total);
        before += size;
        if (done.some((d) => d.index === index)) continue;
        const name = index === 0 ? input.name : `${input.name}-disk${index + 1}`;
        const label = disks.length === 1 ? `importing the disk into ${provider.name}` : `importing disk ${index + 1} of ${disks.length} into ${provider.name}`;
        let path = disk.path;
        const format = formatFor(disk, accepted);
        if (format !== disk.format) {
          await progress.phase({ label: `converting disk ${index + 1} from ${disk.format} to ${format}`, from, to: (from + to) / 2, totalBytes: size });
          path = join(work, `${disk.diskId.replace(/[^A-Za-z0-9._-]/g, '_')}.${format}`);
          await convertImage({ source: disk.path, sourceFormat: disk.format, target: path, targetFormat: format, onProgress: (p) => progress.bytes((size * p) / 100), signal: step.signal });
        }
        await progress.phase({ label, from: format !== disk.format ? (from + to) / 2 : from, to, totalBytes: size });
        const description = index === 0 ? (input.description ?? describeImport(input, vm, match)) : `disk ${index + 1} of ${input.name}`;
        const native = await providerCall(
          step,
          () =>
            importImage({
              name,
              description,
              path,
              format,
              architecture: 'x86_64',
              ...(os === 'other' ? {} : { os }),
              ...(input.tags === undefined ? {} : { tags: input.tags }),
              onProgress: (bytes, of) => progress.bytes(of > 0 ? (bytes / of) * size : bytes),
              signal: step.signal,
            }),
          false,
        );
        const record = await step.ctx.inventory.put(provider.id, 'image', native, index === 0 ? (step.op.targetId ?? undefined) : undefined);
        done.push({ index, nativeId: native.nativeId, imageId: record.id, name });
        await progress.flush();
        await step.checkpoint({ images: done });
        if (path !== disk.path) await rm(path, { force: true });
      }
      await progress.flush();
      failed = false;
      const rootImage = done.find((d) => d.index === 0);
      return {
        imageId: rootImage?.imageId,
        nativeId: rootImage?.nativeId,
        images: done,
        ...(match === undefined ? {} : { hardwareProfile: { id: match.hardwareProfileId, name: match.name, cpus: match.cpus, memoryMiB: match.memoryMiB, diskGiB: match.diskGiB, fits: match.fits } }),
        // What the appliance asked for; an export of the image describes the VM with it again.
        hardware: { cpus: vm.cpus, memoryMiB: vm.memoryMiB, firmware: vm.firmware, os, diskBytes: root.virtualSizeBytes },
        appliance: { name: ova.appliance.name, ovfVersion: ova.appliance.ovfVersion, producer: ova.appliance.producer.tool ?? ova.appliance.producer.dialect, fileName: input.fileName, sizeBytes: uploadBytes },
        warnings: ova.warnings,
      };
    } finally {
      await ova.release();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    // An interrupted import resumes on restart and needs its upload and images; anything else ends here.
    if (!step.signal.aborted) {
      await rm(input.uploadPath, { force: true });
      if (failed) await rollBack(step, done);
    }
  }
};

/** Removes what a failed import made, so a failure leaves the provider as it found it. */
async function rollBack(step: StepContext, imported: readonly ImportedDisk[]): Promise<void> {
  const { driver } = step.conn;
  for (const image of imported) {
    try {
      await driver.deleteImage?.(image.nativeId);
      const record = await step.ctx.store.resources.get(image.imageId);
      if (record) await step.ctx.inventory.remove(record);
    } catch (error) {
      step.ctx.logger.warn({ err: error, imageId: image.imageId, operationId: step.op.id }, 'could not remove an image of a failed import');
    }
  }
}
