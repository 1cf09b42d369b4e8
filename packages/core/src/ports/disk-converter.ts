import type { DiskFormat } from '@skyport/model';

export interface DiskConvertRequest {
  /** Read, never written. */
  readonly source: string;
  readonly sourceFormat: DiskFormat;
  readonly target: string;
  readonly targetFormat: DiskFormat;
  /** 0..100 as the conversion advances. */
  readonly onProgress?: (percent: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * Converts disk images between formats (qemu-img in the composition root). A port so the core
 * starts no processes itself; a broker without one refuses plans that need a conversion.
 */
export interface DiskConverter {
  /** Resolves with the converted image's guest-visible size. */
  convert(request: DiskConvertRequest): Promise<{ readonly virtualSizeBytes: number }>;
}
