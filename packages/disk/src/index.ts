/**
 * @skyport/disk — disk images through qemu-img: info, convert with progress, measure and
 * check, always with the source format named and backing files / outside extents refused;
 * plus the OVA export and import of disks the broker's appliance flows use.
 */
export { runQemuImg, qemuImgBinary, QEMU_FORMAT, INSTALL_HINT } from './qemu-img.js';
export { imageInfo, checkDiskFile, type ImageInfo } from './image-info.js';
export { convertImage, measureImage, checkImage, type ConvertImageRequest, type MeasureResult, type CheckResult } from './convert-image.js';
export { exportDiskToOva, type ExportDiskToOvaRequest, type ExportedOva } from './export-ova.js';
export { importOva, type ImportOvaRequest, type ImportedOva, type ImportableDisk } from './import-ova.js';
