/**
 * Appliances through the broker: `skyport images import FILE.ova`, `skyport images export`,
 * `skyport instances export` and `skyport exports download|delete`. Imports stream the file
 * with an upload bar, then follow the operation; exports follow the operation, then
 * download the OVA with a bar and check its SHA-256. (`skyport ova inspect|validate` read
 * files locally, without a broker: see ova.ts.)
 */
import { createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { SkyportError, type Image, type Operation } from '@skyport/model';
import { contextOf, type CliContext, type CliEnvironment } from '../context.js';
import { examples } from '../help.js';
import { addWaitOption, finishOperations, type WaitFlag } from '../long-action.js';
import { followOperations } from '../operation-progress.js';
import { CliFailure, UsageError } from '../options.js';
import { downloadExport, type DownloadTarget } from '../export-download.js';
import { formatBytes, transferDisplay } from '../transfer-bar.js';
import { formatTime } from '../format.js';
import type { ExportSummary } from '@skyport/client';

interface ExportFlags extends WaitFlag {
  readonly out?: string;
  readonly ovf?: string;
  readonly keep?: boolean;
  readonly force?: boolean;
}

function group(program: Command, name: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (found === undefined) throw new Error(`the ${name} command group must be registered before the appliance commands`);
  return found;
}

/** `web-server-1.0.ova` → `web-server-1.0`: an image name the broker accepts. */
function nameFromFile(file: string): string {
  const stem = basename(file).replace(/\.ova$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 128);
  return stem === '' ? 'imported' : stem;
}

/** Passes bytes through, counting them for the bar. */
function counter(onBytes: (done: number) => void): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      onBytes(done);
      callback(null, chunk);
    },
  });
}

/** An OVA to upload: its bytes as a web stream, its name and its size when known. */
interface OvaSource {
  readonly fileName: string;
  readonly sizeBytes: number;
  open(onBytes: (done: number) => void): ReadableStream<Uint8Array>;
}

async function fileSource(cwd: string, file: string): Promise<OvaSource> {
  const path = resolve(cwd, file);
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new CliFailure(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  if (!info.isFile()) throw new CliFailure(`${file} is not a file`);
  return {
    fileName: basename(file),
    sizeBytes: info.size,
    open: (onBytes) => Readable.toWeb(createReadStream(path).pipe(counter(onBytes))) as unknown as ReadableStream<Uint8Array>,
  };
}

/**
 * An http(s) URL, streamed from its server straight into the upload: the CLI's host never
 * holds the file, on disk or in memory. The broker checks it as it would a local file.
 */
async function urlSource(url: URL, signal?: AbortSignal): Promise<OvaSource> {
  const response = await fetch(url, { redirect: 'follow', ...(signal === undefined ? {} : { signal }) }).catch((error: unknown) => {
    throw new CliFailure(`cannot fetch ${url.href}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`);
  });
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new CliFailure(`cannot fetch ${url.href}: the server answered ${response.status} ${response.statusText}`);
  }
  const body = response.body;
  const name = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  return {
    fileName: name === '' ? 'download.ova' : name,
    sizeBytes: Number(response.headers.get('content-length') ?? Number.NaN),
    open: (onBytes) => Readable.toWeb(Readable.fromWeb(body as NodeReadableStream<Uint8Array>).pipe(counter(onBytes))) as unknown as ReadableStream<Uint8Array>,
  };
}

function isUrl(argument: string): URL | undefined {
  if (!/^https?:\/\//i.test(argument)) return undefined;
  try {
    return new URL(argument);
  } catch {
    throw new UsageError(`${argument} is not a valid URL`);
  }
}

async function showImported(ctx: CliContext, image: Image, op: Operation): Promise<void> {
  const profile = op.result?.['hardwareProfile'] as { name: string; cpus: number; memoryMiB: number; diskGiB: number; fits: boolean } | undefined;
  const hardware = op.result?.['hardware'] as { cpus: number; memoryMiB: number } | undefined;
  ctx.out.details([
    ['image', image.id],
    ['name', image.name],
    ['state', image.state],
    ['size GiB', image.sizeGiB],
    ['appliance', hardware === undefined ? undefined : `${hardware.cpus} CPU, ${hardware.memoryMiB} MiB`],
    ['hardware profile', profile === undefined ? 'none known' : `${profile.name} (${profile.cpus} CPU, ${profile.memoryMiB} MiB, ${profile.diskGiB} GiB)${profile.fits ? '' : ', smaller than the appliance'}`],
  ]);
  if (profile !== undefined) {
    ctx.out.note(`launch it: skyport instances create --provider ${image.providerId} --image ${image.id} --profile ${profile.name} --name <name>`);
  }
}

function ovfVersion(value: string | undefined): '1.0' | '2.0' {
  if (value === undefined || value === '1.0' || value === '1') return '1.0';
  if (value === '2.0' || value === '2') return '2.0';
  throw new UsageError(`--ovf must be 1.0 or 2.0, not "${value}"`);
}

function failure(op: Operation): SkyportError {
  return new SkyportError(op.error?.code ?? 'Internal', `operation ${op.id} (${op.type} ${op.targetId ?? ''}) ${op.status}: ${op.error?.message ?? op.message ?? 'no reason given'}`, {
    ...(op.error?.details === undefined ? {} : { details: op.error.details }),
  });
}

/** Starts an export, follows it, downloads it (and removes it from the broker unless --keep). */
async function exportAndDownload(ctx: CliContext, cwd: string, start: () => Promise<Operation>, opts: ExportFlags): Promise<void> {
  const out = opts.out === undefined ? undefined : resolve(cwd, opts.out);
  // Checked before the broker does any work; the default name is known only once it is done.
  if (out !== undefined && opts.force !== true && (await access(out).then(() => true, () => false))) {
    throw new CliFailure(`${opts.out} exists; choose another --out or add --force to replace it`);
  }
  const started = await start();
  if (opts.wait === false) {
    await finishOperations(ctx, [started], { wait: false });
    ctx.out.note(`then download it: skyport exports download ${started.id}${opts.out === undefined ? '' : ` --out ${opts.out}`}`);
    return;
  }
  const [done] = await followOperations(ctx.client, ctx.out, [started]);
  if (done === undefined || done.status !== 'succeeded') throw failure(done ?? started);
  await saveExport(ctx, done.id, { ...(out === undefined ? {} : { out }), dir: cwd, force: opts.force === true }, opts.keep === true);
}

async function saveExport(ctx: CliContext, operationId: string, target: DownloadTarget, keep: boolean): Promise<void> {
  const saved = await downloadExport(ctx, operationId, target);
  if (!keep) await ctx.client.exports.delete(operationId);
  if (ctx.json) ctx.out.json(saved);
  else {
    ctx.out.line(`${saved.file} (${formatBytes(saved.sizeBytes)}, sha256 ${saved.sha256})`);
    if (keep) ctx.out.note(`the export stays on the broker until it expires; remove it now with: skyport exports delete ${operationId}`);
  }
}

function exportCommand(parent: Command, env: CliEnvironment, kind: 'image' | 'instance'): void {
  examples(
    addWaitOption(
      parent
        .command('export')
        .description(
          kind === 'instance'
            ? 'export a stopped instance as an OVA (OVF 1.0, streamOptimized VMDK, SHA-256 manifest) and download it'
            : 'export an image as an OVA (OVF 1.0, streamOptimized VMDK, SHA-256 manifest) and download it',
        )
        .argument('<id>', `${kind} id`)
        .option('--out <file>', 'where to write the OVA (default: <name>.ova in the current folder)')
        .option('--ovf <version>', 'OVF version: 1.0 (default, read by every platform) or 2.0')
        .option('--keep', 'keep the export on the broker after the download (it expires after 24 hours)')
        .option('--force', 'replace --out if it exists'),
    ).action(async (id: string, opts: ExportFlags, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const version = ovfVersion(opts.ovf);
      await exportAndDownload(ctx, env.cwd, () => (kind === 'image' ? ctx.client.images.export(id, { ovfVersion: version }) : ctx.client.instances.export(id, { ovfVersion: version })), opts);
    }),
    kind === 'instance'
      ? ['skyport instances stop i-0123456789abcdef0 && skyport instances export i-0123456789abcdef0 --out web-1.ova', 'skyport instances export i-0123456789abcdef0 --ovf 2.0 --no-wait']
      : ['skyport images export ami-0123456789abcdef0 --out golden.ova', 'skyport images export ami-0123456789abcdef0 --keep --json'],
  );
}

export function registerAppliances(program: Command, env: CliEnvironment): void {
  const images = group(program, 'images');
  examples(
    addWaitOption(
      images
        .command('import')
        .description('upload an OVA and import it as an image (its hardware mapped to the nearest hardware profile), with progress')
        .argument('<file-or-url>', 'the .ova file, or an http(s) URL streamed from its server into the broker')
        .requiredOption('--provider <provider>', 'provider to import into (name or id)')
        .option('--name <name>', "image name, unique in the provider (default: the file's name without .ova)")
        .option('--description <text>', 'what the image is (default: the appliance, its hardware and the profile)')
        .option('--lax', 'accept what only a deployment target or an extension objects to, as warnings')
        .option('--idempotency-key <key>', 'makes a retried import safe: the same key and request make one image'),
    ).action(async (file: string, opts: WaitFlag & { provider: string; name?: string; description?: string; lax?: boolean; idempotencyKey?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, env);
      const url = isUrl(file);
      const source = url === undefined ? await fileSource(env.cwd, file) : await urlSource(url);
      const display = transferDisplay(ctx.out, `${url === undefined ? 'uploading' : 'streaming'} ${source.fileName}`, source.sizeBytes);
      let op: Operation;
      try {
        op = await ctx.client.images.import(
          {
            provider: opts.provider,
            name: opts.name ?? nameFromFile(source.fileName),
            fileName: source.fileName,
            ...(opts.description === undefined ? {} : { description: opts.description }),
            ...(opts.lax === undefined ? {} : { lax: opts.lax }),
          },
          source.open((done) => display.update(done)),
          opts.idempotencyKey === undefined ? {} : { idempotencyKey: opts.idempotencyKey },
        );
      } finally {
        display.stop();
      }
      await finishOperations(ctx, [op], { wait: opts.wait !== false, show: (image, done) => showImported(ctx, image as Image, done) });
    }),
    [
      'skyport images import appliance.ova --provider sim-east',
      'skyport images import web.ova --provider local --name web-golden --no-wait',
      'skyport images import https://downloads.example.com/appliance-2.1.ova --provider local',
    ],
  );
  exportCommand(images, env, 'image');
  exportCommand(group(program, 'instances'), env, 'instance');

  const exportsGroup = program.command('exports').description('OVAs made by `images export` and `instances export`, named by their operation id');
  examples(
    exportsGroup
      .command('list')
      .description('finished exports that can still be downloaded, newest first')
      .action(async (_opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        const list = await ctx.client.exports.list();
        if (ctx.json) return ctx.out.json(list);
        ctx.out.table(
          [
            { header: 'export', value: (e: ExportSummary) => e.operationId },
            { header: 'file', value: (e) => e.fileName },
            { header: 'size', value: (e) => formatBytes(e.sizeBytes) },
            { header: 'from', value: (e) => `${e.source.kind} ${e.source.id}` },
            { header: 'ovf', value: (e) => e.ovfVersion },
            { header: 'expires', value: (e) => formatTime(e.expiresAt) },
          ],
          list,
          'exports',
        );
        return undefined;
      }),
    ['skyport exports list', 'skyport --json exports list'],
  );
  examples(
    exportsGroup
      .command('download')
      .description('download a finished export (with a progress bar; the SHA-256 is checked)')
      .argument('<operation-id>', 'the export operation')
      .option('--out <file>', 'where to write the OVA (default: its name, in the current folder)')
      .option('--keep', 'keep the export on the broker after the download')
      .option('--force', 'replace the file if it exists')
      .action(async (operationId: string, opts: { out?: string; keep?: boolean; force?: boolean }, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        await saveExport(ctx, operationId, { ...(opts.out === undefined ? {} : { out: opts.out }), dir: env.cwd, force: opts.force === true }, opts.keep === true);
      }),
    ['skyport exports download op-0123456789abcdef0 --out web-1.ova'],
  );
  examples(
    exportsGroup
      .command('delete')
      .description('remove an export from the broker now (exports expire after 24 hours anyway)')
      .argument('<operation-id>', 'the export operation')
      .action(async (operationId: string, _opts: object, cmd: Command) => {
        const ctx = contextOf(cmd, env);
        await ctx.client.exports.delete(operationId);
        if (ctx.json) ctx.out.json({ deleted: operationId });
        else ctx.out.note(`deleted export ${operationId}`);
      }),
    ['skyport exports delete op-0123456789abcdef0'],
  );
}
