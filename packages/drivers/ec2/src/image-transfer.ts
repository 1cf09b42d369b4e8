/**
 * Disks in and out of EC2 through S3 and VM Import/Export: an upload to the bucket, then
 * ImportImage; ExportImage to the bucket, then a download. Both tasks are polled with
 * DescribeImportImageTasks / DescribeExportImageTasks (the SDK has no waiter for them); the
 * image itself is awaited with the SDK's `waitUntilImageAvailable`.
 * https://docs.aws.amazon.com/vm-import/latest/userguide/vmimport-image-import.html
 * https://docs.aws.amazon.com/vm-import/latest/userguide/vmexport_image.html
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DescribeExportImageTasksCommand,
  DescribeImportImageTasksCommand,
  ExportImageCommand,
  ImportImageCommand,
  waitUntilImageAvailable,
  type DiskImageFormat,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { DriverImportImageRequest, ExportedDisk } from '@skyport/core';
import { SkyportError, type DiskFormat } from '@skyport/model';
import { checkDiskFile } from './disk-magic.js';
import type { Ec2Connection } from './ec2-connection.js';
import { ec2ArchitectureOf } from './ec2-records.js';
import type { Ec2Settings, ExportFormat } from './ec2-settings.js';

/** VM Import's names for the formats it reads. */
const IMPORT_FORMAT_NAMES: Readonly<Partial<Record<DiskFormat, string>>> = { raw: 'RAW', vmdk: 'VMDK', vhd: 'VHD', vhdx: 'VHDX' };
const EXPORT_FORMAT_NAMES: Readonly<Record<ExportFormat, DiskImageFormat>> = { vmdk: 'VMDK', raw: 'RAW', vhd: 'VHD' };
/** The upload is this share of an import's progress; the import task does the rest. */
const UPLOAD_SHARE = 0.5;

export interface ImageTransferOptions {
  readonly ec2: EC2Client;
  readonly connection: Ec2Connection;
  readonly settings: Ec2Settings;
  readonly bucket: string;
  readonly dataDir: string;
  /** The driver's translating wrapper around one provider call. */
  readonly call: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new SkyportError('Timeout', 'the transfer was cancelled'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new SkyportError('Timeout', 'the transfer was cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class ImageTransfer {
  readonly #s3: S3Client;

  constructor(private readonly options: ImageTransferOptions) {
    const { connection, settings } = options;
    this.#s3 = new S3Client({
      region: connection.region,
      credentials: { ...connection.credentials },
      maxAttempts: settings.maxAttempts,
      ...(settings.s3Endpoint === undefined ? {} : { endpoint: settings.s3Endpoint, forcePathStyle: true }),
      // Checksums only where S3 requires them: S3-compatible stores often reject the newer trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  close(): void {
    this.#s3.destroy();
  }

  get #where(): string {
    return `s3://${this.options.bucket}/${this.options.settings.bucketPrefix}`;
  }

  /** Checks the request locally (format, file): a bad one fails before anything is sent. Returns the file size. */
  async check(request: DriverImportImageRequest): Promise<number> {
    if (IMPORT_FORMAT_NAMES[request.format] === undefined) {
      throw new SkyportError('InvalidArgument', `VM Import does not take ${request.format} disks; give raw, vmdk, vhd or vhdx (convert with qemu-img)`, {
        details: { field: 'format', allowed: Object.keys(IMPORT_FORMAT_NAMES) },
      });
    }
    return checkDiskFile(request.path, request.format);
  }

  /** Uploads the disk, imports it and waits for the image; returns the new image's id. */
  async importImage(request: DriverImportImageRequest): Promise<string> {
    const size = await this.check(request);
    const format = IMPORT_FORMAT_NAMES[request.format]!;
    const { call, ec2, bucket, settings } = this.options;
    const key = `${settings.bucketPrefix}${randomUUID()}-${basename(request.path)}`;
    const progress = (fraction: number): void => request.onProgress?.(Math.min(size, Math.round(size * fraction)), size);
    try {
      await call(`uploading ${request.path} to s3://${bucket}/${key}`, async () => {
        const upload = new Upload({
          client: this.#s3,
          params: { Bucket: bucket, Key: key, Body: createReadStream(request.path), ContentLength: size },
          ...(request.signal === undefined ? {} : { abortController: abortControllerFor(request.signal) }),
        });
        upload.on('httpUploadProgress', (p) => progress(UPLOAD_SHARE * ((p.loaded ?? 0) / size)));
        await upload.done();
      });
      progress(UPLOAD_SHARE);
      const started = await call(`importing ${request.name} from s3://${bucket}/${key}`, () =>
        ec2.send(
          new ImportImageCommand({
            Description: request.description ?? request.name,
            Architecture: ec2ArchitectureOf(request.architecture),
            Platform: request.os?.toLowerCase().startsWith('windows') ? 'Windows' : 'Linux',
            DiskContainers: [{ Description: request.name, Format: format, UserBucket: { S3Bucket: bucket, S3Key: key } }],
            ...(settings.vmImportRole === undefined ? {} : { RoleName: settings.vmImportRole }),
          }),
        ),
      );
      const taskId = started.ImportTaskId;
      if (taskId === undefined) throw new SkyportError('ProviderError', `ImportImage of ${request.name} answered without a task id`, this.#requestId(started.$metadata.requestId));
      const imageId = await this.#awaitImport(taskId, request, (p) => progress(UPLOAD_SHARE + (1 - UPLOAD_SHARE) * p));
      await this.waitForImage(imageId, request.signal);
      progress(1);
      return imageId;
    } finally {
      // The uploaded copy is only the import's input.
      await this.#s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    }
  }

  #requestId(requestId: string | undefined): { requestId?: string } {
    return requestId === undefined ? {} : { requestId };
  }

  async #awaitImport(taskId: string, request: DriverImportImageRequest, onProgress: (fraction: number) => void): Promise<string> {
    const { call, ec2, settings } = this.options;
    const deadline = Date.now() + settings.taskTimeoutMs;
    for (;;) {
      const described = await call(`following import task ${taskId}`, () => ec2.send(new DescribeImportImageTasksCommand({ ImportTaskIds: [taskId] })));
      const task = described.ImportImageTasks?.find((t) => t.ImportTaskId === taskId);
      if (task === undefined) throw new SkyportError('ProviderError', `import task ${taskId} of ${request.name} vanished`, this.#requestId(described.$metadata.requestId));
      if (task.Status === 'completed' && task.ImageId !== undefined) return task.ImageId;
      if (task.Status === 'deleted' || task.Status === 'deleting') {
        const message = task.StatusMessage ?? 'no reason given';
        // VM Import says "ClientError: …" when the disk itself is the problem (no kernel it knows, bad partition table…).
        const code = message.startsWith('ClientError') ? 'InvalidArgument' : 'ProviderError';
        throw new SkyportError(code, `importing ${request.name} failed in import task ${taskId}: ${message}`, { providerCode: 'ImportImageTask', ...this.#requestId(described.$metadata.requestId), details: { taskId } });
      }
      const percent = Number.parseInt(task.Progress ?? '', 10);
      if (!Number.isNaN(percent)) onProgress(Math.min(99, percent) / 100);
      if (Date.now() > deadline) throw new SkyportError('Timeout', `import task ${taskId} of ${request.name} did not finish in ${settings.taskTimeoutMs} ms (last status ${task.Status ?? '?'}: ${task.StatusMessage ?? ''})`);
      await sleep(settings.taskPollMs, request.signal);
    }
  }

  /** Waits with the SDK's waiter until the image is `available`. */
  async waitForImage(imageId: string, signal: AbortSignal | undefined): Promise<void> {
    const { call, ec2, settings } = this.options;
    const delay = Math.max(1, Math.round(settings.taskPollMs / 1000));
    await call(`waiting for image ${imageId} to become available`, async () => {
      await waitUntilImageAvailable(
        { client: ec2, maxWaitTime: Math.max(delay + 1, Math.round(settings.taskTimeoutMs / 1000)), minDelay: delay, maxDelay: Math.max(delay, 120), ...(signal === undefined ? {} : { abortSignal: signal }) },
        { ImageIds: [imageId] },
      );
    });
  }

  /** Exports an image to the bucket, downloads it into the data folder and removes the S3 copy. */
  async exportImage(imageId: string, virtualSizeBytes: number, signal: AbortSignal | undefined): Promise<ExportedDisk> {
    const { call, ec2, bucket, settings, dataDir } = this.options;
    const format = settings.exportFormat;
    const started = await call(`exporting image ${imageId} to ${this.#where}`, () =>
      ec2.send(
        new ExportImageCommand({
          ImageId: imageId,
          DiskImageFormat: EXPORT_FORMAT_NAMES[format],
          S3ExportLocation: { S3Bucket: bucket, S3Prefix: settings.bucketPrefix },
          ...(settings.vmImportRole === undefined ? {} : { RoleName: settings.vmImportRole }),
        }),
      ),
    );
    const taskId = started.ExportImageTaskId;
    if (taskId === undefined) throw new SkyportError('ProviderError', `ExportImage of ${imageId} answered without a task id`, this.#requestId(started.$metadata.requestId));
    const deadline = Date.now() + settings.taskTimeoutMs;
    for (;;) {
      const described = await call(`following export task ${taskId}`, () => ec2.send(new DescribeExportImageTasksCommand({ ExportImageTaskIds: [taskId] })));
      const task = described.ExportImageTasks?.find((t) => t.ExportImageTaskId === taskId);
      if (task === undefined) throw new SkyportError('ProviderError', `export task ${taskId} of image ${imageId} vanished`, this.#requestId(described.$metadata.requestId));
      if (task.Status === 'completed') break;
      if (task.Status === 'deleted' || task.Status === 'deleting') {
        throw new SkyportError('ProviderError', `exporting image ${imageId} failed in export task ${taskId}: ${task.StatusMessage ?? 'no reason given'}`, {
          providerCode: 'ExportImageTask',
          ...this.#requestId(described.$metadata.requestId),
          details: { taskId },
        });
      }
      if (Date.now() > deadline) throw new SkyportError('Timeout', `export task ${taskId} of image ${imageId} did not finish in ${settings.taskTimeoutMs} ms`);
      await sleep(settings.taskPollMs, signal);
    }
    // VM Export names the object after the task: <prefix><export-ami-…>.<format>.
    const key = `${settings.bucketPrefix}${taskId}.${format}`;
    const folder = join(dataDir, 'exports');
    await mkdir(folder, { recursive: true });
    const path = join(folder, `${taskId}.${format}`);
    try {
      await call(`downloading s3://${bucket}/${key}`, async () => {
        const object = await this.#s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), signal === undefined ? {} : { abortSignal: signal });
        if (!(object.Body instanceof Readable)) throw new SkyportError('ProviderError', `s3://${bucket}/${key} came without a body`);
        await pipeline(object.Body, createWriteStream(path), signal === undefined ? {} : { signal });
      });
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    } finally {
      await this.#s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    }
    let released = false;
    return {
      path,
      format,
      virtualSizeBytes,
      async release() {
        if (released) return;
        released = true;
        await rm(path, { force: true });
      },
    };
  }
}

function abortControllerFor(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}
