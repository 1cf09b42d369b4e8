/**
 * The appliance use cases: import an OVA as images of a provider, export an image or a
 * stopped instance as an OVA, and the exported files (download, delete). Long work runs in
 * operations (`image.import`, `image.export`, `instance.export`); these methods check what
 * can be checked at once, so a wrong request fails before anything is queued.
 */
import { rm, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { SkyportError, newId, type Image, type Instance, type Operation } from '@skyport/model';
import { readOvaDescriptor, readOvf, validateOvf } from '@skyport/ovf';
import type { Broker, CreateOptions, ExportOptions, ImportOvaRequest } from '../broker.js';
import type { BrokerContext } from '../context.js';
import { uploadsDir } from '../appliances/appliance-paths.js';
import type { ExportInput } from '../appliances/export-handler.js';
import type { ImageImportInput } from '../appliances/import-handler.js';
import { writeUpload, type WrittenUpload } from '../appliances/upload-writer.js';
import { freshInstance } from './fresh-instance.js';
import { alreadyStarted, idempotent } from './idempotent.js';
import { recordOf, visibleRecord } from './queries.js';
import { requireName, requireTags, unsupported } from './validation.js';

const MAX_DESCRIPTION = 255;
const OVF_VERSIONS = ['1.0', '2.0'] as const;
/** How an image is described when nothing says what hardware it ran on. */
const DEFAULT_VM = { cpus: 1, memoryMiB: 1024, firmware: 'bios' as const };

function ovfVersionOf(options: ExportOptions | undefined): '1.0' | '2.0' {
  const version = options?.ovfVersion ?? '1.0';
  if (!(OVF_VERSIONS as readonly string[]).includes(version)) {
    throw new SkyportError('InvalidArgument', `ovfVersion "${String(version)}" is not supported; use ${OVF_VERSIONS.join(' or ')}`, { details: { field: 'ovfVersion', allowed: OVF_VERSIONS } });
  }
  return version;
}

/** The upload: the request's body written under uploads/, or a file already there. */
async function receive(ctx: BrokerContext, request: ImportOvaRequest): Promise<WrittenUpload> {
  if ((request.body === undefined) === (request.path === undefined)) {
    throw new SkyportError('InvalidArgument', 'give the OVA either as the request body or as the path of a file in the broker\'s uploads folder', { details: { field: 'body' } });
  }
  if (request.body !== undefined) return writeUpload(uploadsDir(ctx), request.body, ctx.tuning.maxUploadBytes, request.sizeBytes);
  // Only files the broker owns: anything else would let a caller import any file of the host.
  const path = resolve(uploadsDir(ctx), request.path ?? '');
  const rel = relative(uploadsDir(ctx), path);
  const file = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? undefined : await stat(path).catch(() => undefined);
  if (file === undefined || !file.isFile()) {
    throw new SkyportError('InvalidArgument', `path "${request.path}" is not a file in the broker's uploads folder; upload the OVA as the request body instead`, { details: { field: 'path' } });
  }
  return { path, sizeBytes: file.size };
}

/** Reads and validates the descriptor only (it comes first): a wrong OVA fails before an operation exists. */
async function checkDescriptor(path: string, lax: boolean): Promise<{ vmName: string }> {
  let text: string;
  try {
    text = (await readOvaDescriptor(path)).text;
  } catch (error) {
    if (error instanceof SkyportError) throw error;
    throw new SkyportError('InvalidArgument', `the upload is not a readable OVA: ${(error as Error).message}`, { details: { reason: 'not-ova' }, cause: error });
  }
  const report = validateOvf(text, { target: 'qemu', lax });
  if (!report.valid) {
    const errors = report.errors.slice(0, 5).map((e) => `${e.message} [${e.code} at ${e.where}]`);
    throw new SkyportError('InvalidArgument', `the OVA's descriptor is not valid: ${errors.join('; ')}${report.errors.length > 5 ? ` (and ${report.errors.length - 5} more)` : ''}`, {
      details: { reason: 'invalid-ova', errors: report.errors },
    });
  }
  const appliance = report.appliance ?? readOvf(text);
  if (appliance.vms.length !== 1) {
    throw new SkyportError('InvalidArgument', `the OVA holds ${appliance.vms.length} virtual systems; an import takes an appliance with exactly one`, { details: { reason: 'vm-count' } });
  }
  return { vmName: appliance.vms[0]!.name };
}

/** The hardware an image's own import recorded, so its export describes the same VM. */
async function importedHardware(ctx: BrokerContext, imageId: string): Promise<ExportInput['vm'] | undefined> {
  const ops = await ctx.store.operations.list({ targetId: imageId, statuses: ['succeeded'], limit: 20 });
  const hardware = ops.items.find((o) => o.type === 'image.import')?.result?.['hardware'] as Partial<ExportInput['vm']> | undefined;
  if (hardware?.cpus === undefined || hardware.memoryMiB === undefined) return undefined;
  return { cpus: hardware.cpus, memoryMiB: hardware.memoryMiB, firmware: hardware.firmware === 'efi' ? 'efi' : 'bios', ...(hardware.os === undefined ? {} : { os: hardware.os }) };
}

export function applianceImports(ctx: BrokerContext, hurry: (providerId: string) => void): Pick<Broker['images'], 'importOva' | 'export'> {
  return {
    async importOva(request: ImportOvaRequest, options?: CreateOptions): Promise<Operation> {
      // The body is not part of what an idempotency key stands for: the same import, retried.
      const hashed = { providerId: request.providerId, name: request.name, description: request.description, tags: request.tags, lax: request.lax, fileName: request.fileName };
      const started = await alreadyStarted(ctx, 'image.import', options, hashed);
      if (started) return started;
      const { record: provider, factory, driver } = await ctx.connections.get(request.providerId);
      if (!factory.capabilities.imageImport || !driver.importImage) throw unsupported(provider.name, 'importing images');
      requireName('name', request.name);
      requireTags('tags', request.tags);
      if (request.description !== undefined && (typeof request.description !== 'string' || request.description.length > MAX_DESCRIPTION)) {
        throw new SkyportError('InvalidArgument', `description must be a string of at most ${MAX_DESCRIPTION} characters`, { details: { field: 'description', max: MAX_DESCRIPTION } });
      }
      const sameName = await ctx.store.resources.list({ kind: 'image', providerIds: [provider.id], name: request.name.replace(/\*/g, ''), limit: 1 });
      if (sameName.items.length > 0) {
        throw new SkyportError('AlreadyExists', `an image named "${request.name}" already exists in provider ${provider.name} (${sameName.items[0]?.id})`, { details: { field: 'name', id: sameName.items[0]?.id } });
      }
      const upload = await receive(ctx, request);
      try {
        const { vmName } = await checkDescriptor(upload.path, request.lax === true);
        let created = false;
        const op = await idempotent(ctx, 'image.import', options, hashed, async () => {
          created = true;
          const input: ImageImportInput = {
            uploadPath: upload.path,
            uploadBytes: upload.sizeBytes,
            name: request.name,
            ...(request.fileName === undefined ? {} : { fileName: request.fileName }),
            ...(request.description === undefined ? {} : { description: request.description }),
            ...(request.tags === undefined ? {} : { tags: request.tags }),
            ...(request.lax === undefined ? {} : { lax: request.lax }),
          };
          hurry(provider.id);
          return {
            type: 'image.import',
            providerId: provider.id,
            targetKind: 'image',
            targetId: newId('image'),
            input: { ...input },
            message: `queued: import ${vmName} from ${request.fileName ?? 'the uploaded OVA'} as image ${request.name} into ${provider.name}`,
          };
        });
        // A racing retry with the same key won: its upload is the one imported.
        if (!created) await rm(upload.path, { force: true });
        return op;
      } catch (error) {
        await rm(upload.path, { force: true });
        throw error;
      }
    },

    async export(id: string, options?: ExportOptions): Promise<Operation> {
      const record = await recordOf(ctx, 'image', id);
      const { record: provider, factory, driver } = await ctx.connections.get(record.providerId);
      if (!factory.capabilities.diskExport || !driver.exportDisk) throw unsupported(provider.name, 'exporting disks');
      const ovfVersion = ovfVersionOf(options);
      if (record.state !== 'available') {
        throw new SkyportError('InvalidState', `cannot export image ${id}: it is ${record.state}; export needs it to be available`, { details: { currentState: record.state, allowedStates: ['available'] } });
      }
      const image = record.data as unknown as Image;
      const vm = (await importedHardware(ctx, id)) ?? { ...DEFAULT_VM, ...(image.os === undefined ? {} : { os: image.os }) };
      const input: ExportInput = { kind: 'image', nativeId: record.nativeId, name: record.name, ovfVersion, vm, retentionMs: ctx.tuning.exportRetentionMs };
      hurry(provider.id);
      return ctx.operations.enqueue({ type: 'image.export', providerId: provider.id, targetKind: 'image', targetId: id, input: { ...input }, message: `queued: export image ${record.name} as OVF ${ovfVersion}` });
    },
  };
}

export function instanceExports(ctx: BrokerContext, hurry: (providerId: string) => void): Pick<Broker['instances'], 'export'> {
  return {
    async export(id: string, options?: ExportOptions): Promise<Operation> {
      const record = await recordOf(ctx, 'instance', id);
      const { record: provider, factory, driver } = await ctx.connections.get(record.providerId);
      if (!factory.capabilities.diskExport || !driver.exportDisk) throw unsupported(provider.name, 'exporting disks');
      const ovfVersion = ovfVersionOf(options);
      // A disk read while the guest writes is not consistent: exports are of stopped instances.
      const instance: Instance = await freshInstance(ctx, record);
      if (instance.state !== 'stopped') {
        throw new SkyportError('InvalidState', `cannot export instance ${id}: it is ${instance.state}; export needs it to be stopped (skyport instances stop ${id})`, {
          details: { currentState: instance.state, allowedStates: ['stopped'] },
        });
      }
      const image = await visibleRecord(ctx, instance.imageId);
      const os = (image?.data as unknown as Image | undefined)?.os;
      // An instance boots the way its image did: an EFI appliance stays EFI when exported again.
      const firmware = image === undefined ? 'bios' : ((await importedHardware(ctx, image.id))?.firmware ?? 'bios');
      const input: ExportInput = {
        kind: 'instance',
        nativeId: record.nativeId,
        name: record.name,
        ovfVersion,
        vm: { cpus: instance.cpus, memoryMiB: instance.memoryMiB, firmware, ...(os === undefined ? {} : { os }) },
        retentionMs: ctx.tuning.exportRetentionMs,
      };
      hurry(provider.id);
      return ctx.operations.enqueue({ type: 'instance.export', providerId: provider.id, targetKind: 'instance', targetId: id, input: { ...input }, message: `queued: export instance ${record.name} as OVF ${ovfVersion}` });
    },
  };
}
