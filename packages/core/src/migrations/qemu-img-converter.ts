import { convertImage } from '@skyport/disk';
import type { DiskConverter } from '../ports/index.js';

/** The converter a broker uses unless told otherwise: qemu-img through @skyport/disk. */
export const qemuImgConverter: DiskConverter = {
  async convert(request) {
    const info = await convertImage({
      source: request.source,
      sourceFormat: request.sourceFormat,
      target: request.target,
      targetFormat: request.targetFormat,
      ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    return { virtualSizeBytes: info.virtualSizeBytes };
  },
};
