/**
 * The qemu-img calls the driver makes. Foreign files are always opened with `--image-opts` and an
 * explicit driver over the plain `file` protocol: QEMU then neither probes the format (how a raw
 * disk poses as qcow2) nor interprets the name as a protocol (`json:`, `nbd:`...).
 */
import type { DiskFormat } from '@skyport/model';
import { runCommand, runForExitCode } from './run-command.js';

/** Skyport's format names -> QEMU's block driver names. */
export const QEMU_FORMAT: Readonly<Record<DiskFormat, string>> = { qcow2: 'qcow2', raw: 'raw', vmdk: 'vmdk', vhd: 'vpc', vhdx: 'vhdx' };

/** The part of `qemu-img info --output=json` the driver reads. */
export interface ImageInfo {
  readonly 'virtual-size': number;
  readonly format: string;
  readonly 'actual-size'?: number;
  readonly 'backing-filename'?: string;
  readonly 'full-backing-filename'?: string;
  readonly 'format-specific'?: {
    readonly type: string;
    readonly data?: {
      readonly corrupt?: boolean;
      readonly 'data-file'?: string;
      readonly extents?: readonly { readonly filename: string }[];
    };
  };
}

/** `--image-opts` for a local file in a known format; commas are doubled as QEMU's option syntax wants. */
export function imageOpts(path: string, qemuFormat: string): string {
  return `driver=${qemuFormat},file.driver=file,file.filename=${path.replaceAll(',', ',,')}`;
}

export class QemuImg {
  constructor(private readonly binary: string) {}

  async info(path: string, qemuFormat: string, signal?: AbortSignal): Promise<ImageInfo> {
    const { stdout } = await runCommand(this.binary, ['info', '--output=json', '--image-opts', imageOpts(path, qemuFormat)], {
      what: `reading ${path} as ${qemuFormat}`,
      timeoutMs: 60_000,
      ...(signal === undefined ? {} : { signal }),
    });
    return JSON.parse(stdout) as ImageInfo;
  }

  /**
   * Consistency check where the format has one: `corrupt` is true when qemu-img found
   * corruptions (exit 2); leaked clusters (exit 3) are harmless and pass.
   */
  async check(path: string, qemuFormat: string): Promise<{ readonly supported: boolean; readonly corrupt: boolean; readonly output: string }> {
    const result = await runForExitCode(this.binary, ['check', '--image-opts', imageOpts(path, qemuFormat)], { what: `checking ${path}`, timeoutMs: 300_000 });
    const output = `${result.stdout}\n${result.stderr}`.trim();
    if (/does not support checks/.test(result.stderr)) return { supported: false, corrupt: false, output };
    return { supported: true, corrupt: result.code !== 0 && result.code !== 3, output };
  }

  /** A qcow2 copy-on-write overlay over `base` (the base is never written). */
  async createOverlay(path: string, base: string, sizeBytes: number): Promise<void> {
    await runCommand(this.binary, ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', base, path, String(sizeBytes)], { what: `creating the overlay ${path}`, timeoutMs: 60_000 });
  }

  async createBlank(path: string, sizeBytes: number): Promise<void> {
    await runCommand(this.binary, ['create', '-q', '-f', 'qcow2', path, String(sizeBytes)], { what: `creating the disk ${path}`, timeoutMs: 60_000 });
  }

  async resize(path: string, sizeBytes: number): Promise<void> {
    await runCommand(this.binary, ['resize', '-q', '-f', 'qcow2', path, String(sizeBytes)], { what: `resizing ${path}`, timeoutMs: 60_000 });
  }

  /**
   * Converts `source` (opened as `qemuFormat`, following a qcow2 backing chain of our own) into a
   * standalone qcow2 file; `onPercent` gets qemu-img's progress (0..100).
   */
  async convertToQcow2(
    source: { readonly path: string; readonly qemuFormat: string },
    target: string,
    options: { readonly onPercent?: (percent: number) => void; readonly signal?: AbortSignal; readonly what?: string } = {},
  ): Promise<void> {
    await runCommand(this.binary, ['convert', '-p', '-O', 'qcow2', '--image-opts', imageOpts(source.path, source.qemuFormat), target], {
      what: options.what ?? `converting ${source.path}`,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onStdout: (chunk) => {
        // qemu-img -p writes "    (12.34/100%)\r" repeatedly.
        const matches = [...chunk.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
        const last = matches.at(-1)?.[1];
        if (last !== undefined) options.onPercent?.(Number(last));
      },
    });
  }
}
