/** `qemu-img convert` with progress, `measure` and `check`. */
import type { DiskFormat } from '@skyport/model';
import { imageInfo, type ImageInfo } from './image-info.js';
import { QEMU_FORMAT, runQemuImg } from './qemu-img.js';

export interface ConvertImageRequest {
  readonly source: string;
  readonly sourceFormat: DiskFormat;
  readonly target: string;
  readonly targetFormat: DiskFormat;
  /** VMDK subformat; `streamOptimized` is what OVA packages carry. */
  readonly vmdkSubformat?: 'streamOptimized' | 'monolithicSparse' | 'monolithicFlat';
  /** Called with 0..100 as qemu-img reports progress. */
  readonly onProgress?: (percent: number) => void;
  readonly signal?: AbortSignal;
}

/** Options per target format that make the output portable. */
function targetOptions(request: ConvertImageRequest): string[] {
  switch (request.targetFormat) {
    case 'vmdk':
      return ['-o', `subformat=${request.vmdkSubformat ?? 'streamOptimized'}`];
    case 'vhd':
      // Without force_size the size is rounded to CHS geometry and the guest sees a bigger disk.
      return ['-o', 'subformat=dynamic,force_size=on'];
    case 'qcow2':
      return ['-o', 'compat=1.1'];
    default:
      return [];
  }
}

/** Converts a checked source image; resolves with the target's info. */
export async function convertImage(request: ConvertImageRequest): Promise<ImageInfo> {
  await imageInfo(request.source, request.sourceFormat);
  let last = -1;
  const parse = (text: string): void => {
    // `-p` prints "    (12.34/100%)" records separated by carriage returns.
    for (const match of text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)) {
      const percent = Number(match[1]);
      if (percent !== last) {
        last = percent;
        request.onProgress?.(percent);
      }
    }
  };
  await runQemuImg(
    ['convert', '-p', '-f', QEMU_FORMAT[request.sourceFormat], '-O', QEMU_FORMAT[request.targetFormat], ...targetOptions(request), request.source, request.target],
    request.source,
    { onStdout: parse, ...(request.signal === undefined ? {} : { signal: request.signal }) },
  );
  if (last < 100) request.onProgress?.(100);
  return imageInfo(request.target, request.targetFormat);
}

export interface MeasureResult {
  readonly requiredBytes: number;
  readonly fullyAllocatedBytes: number;
}

/** Space a conversion will need (`qemu-img measure`). */
export async function measureImage(source: string, sourceFormat: DiskFormat, targetFormat: DiskFormat): Promise<MeasureResult> {
  await imageInfo(source, sourceFormat);
  const { stdout } = await runQemuImg(['measure', '--output=json', '-f', QEMU_FORMAT[sourceFormat], '-O', QEMU_FORMAT[targetFormat], source], source);
  const json = JSON.parse(stdout) as { required?: number; 'fully-allocated'?: number };
  return { requiredBytes: json.required ?? 0, fullyAllocatedBytes: json['fully-allocated'] ?? 0 };
}

export interface CheckResult {
  readonly ok: boolean;
  readonly corruptions: number;
  readonly leaks: number;
  /** The format has no consistency check (raw, VHD). */
  readonly unsupported?: boolean;
}

/** `qemu-img check` (exit 2: corruption, 3: leaks, 63: no check for this format). */
export async function checkImage(path: string, format: DiskFormat): Promise<CheckResult> {
  await imageInfo(path, format);
  const result = await runQemuImg(['check', '--output=json', '-f', QEMU_FORMAT[format], path], path, { okCodes: [2, 3, 63] });
  if (result.code === 63) return { ok: true, corruptions: 0, leaks: 0, unsupported: true };
  const json = JSON.parse(result.stdout || '{}') as { corruptions?: number; leaks?: number };
  return { ok: result.code === 0, corruptions: json.corruptions ?? 0, leaks: json.leaks ?? 0 };
}
