/**
 * Package-level validation: the descriptor plus the files it names, the checks only a
 * deployer can make (ovftool's suite has negatives of this kind): files present with their
 * declared sizes, disk files really in their declared format, VMDKs that are not deltas of
 * some other disk and keep their extents inside the package, capacities that hold the disk,
 * and, when there is one, a certificate that signed the manifest.
 */
import { gunzipSync } from 'node:zlib';
import { IssueCollector } from './issues.js';
import { isDeltaVmdk, sniffDisk, SNIFF_BYTES, type DiskSniff } from './disk-sniffer.js';
import { VMDK_CREATE_TYPES } from './hardware-catalogue.js';
import { readCertificate, verifyCertificate } from './certificate.js';
import { isSafePackagePath, type PackageFiles } from './package-files.js';
import { validateOvf, type OvfValidation, type ValidateOvfOptions } from './validate-ovf.js';
import type { FileReference, VmDisk } from './vm-spec.js';

export interface ValidatePackageOptions extends ValidateOvfOptions {
  /** Name of the descriptor in the package, to find `<name>.mf` and `<name>.cert`. */
  readonly descriptorName?: string;
}

export async function validatePackage(descriptor: string, files: PackageFiles, options: ValidatePackageOptions = {}): Promise<OvfValidation> {
  const base = validateOvf(descriptor, options);
  const appliance = base.appliance;
  if (appliance === undefined) return base;
  const issues = new IssueCollector(options.lax === true);
  issues.add([...base.errors, ...base.warnings]);
  const disksByFile = new Map<string, VmDisk>();
  for (const vm of appliance.vms) for (const disk of vm.disks) if (disk.file !== undefined) disksByFile.set(disk.file.id, disk);
  for (const file of appliance.files) await checkFile(file, disksByFile.get(file.id), files, issues);
  if (options.descriptorName !== undefined) await checkCertificate(options.descriptorName, files, issues);
  return { ...issues.report(), appliance };
}

async function checkFile(file: FileReference, disk: VmDisk | undefined, files: PackageFiles, issues: IssueCollector): Promise<void> {
  const where = `/Envelope/References/File[@ovf:id='${file.id}']`;
  if (/^https?:\/\//i.test(file.href)) {
    issues.error('package.remote-file', `file "${file.id}" is at ${file.href}; Skyport imports only files inside the package`, where);
    return;
  }
  if (files.allows?.(file.href) === false) {
    issues.error('package.path-escape', `file "${file.id}" has href "${file.href}", which points outside the package`, where);
    return;
  }
  const names = file.chunkSize === undefined ? [file.href] : await chunkNames(file.href, files);
  let size = 0;
  for (const name of names) {
    const partSize = await files.size(name);
    if (partSize === undefined) {
      issues.error('package.file-missing', `file "${file.id}" (${name}) is not in the package`, where);
      return;
    }
    size += partSize;
  }
  if (file.size !== undefined && file.size !== size) {
    issues.error('package.size-mismatch', `file "${file.id}" (${file.href}) is ${size} bytes but the descriptor says ${file.size}`, where);
  }
  if (disk === undefined) return;
  let head = await files.read(names[0] ?? file.href, 0, SNIFF_BYTES);
  if (file.compression === 'gzip') {
    try {
      head = gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH: a prefix of the stream is enough */ }).subarray(0, SNIFF_BYTES);
    } catch {
      issues.error('package.not-gzip', `file "${file.id}" is marked ovf:compression="gzip" but is not gzip data`, where);
      return;
    }
  }
  const sniff = sniffDisk(head);
  checkDiskContent(file, disk, sniff, issues, where);
}

function checkDiskContent(file: FileReference, disk: VmDisk, sniff: DiskSniff, issues: IssueCollector, where: string): void {
  const declared = disk.format?.diskFormat;
  if (declared !== undefined && declared !== 'raw' && sniff.format !== declared) {
    issues.error('package.disk-format', `file "${file.id}" (${file.href}) should be ${declared} (ovf:format) but ${sniff.format === undefined ? 'is no disk image Skyport recognises' : `is ${sniff.format}`}`, where);
    return;
  }
  if (sniff.backingFile !== undefined) issues.error('package.backing-file', `disk file ${file.href} depends on the backing file "${sniff.backingFile}"; packages must hold self-contained disks`, where);
  const vmdk = sniff.vmdk;
  if (vmdk !== undefined) {
    if (vmdk.createType !== undefined && !VMDK_CREATE_TYPES.has(vmdk.createType.toLowerCase())) {
      issues.error('package.vmdk-create-type', `disk file ${file.href} has createType "${vmdk.createType}", which is no VMDK type`, where);
    }
    if (isDeltaVmdk(vmdk) && disk.parentRef === undefined) {
      issues.error('package.vmdk-delta', `disk file ${file.href} is a delta of "${vmdk.parentFileNameHint ?? `CID ${vmdk.parentCid ?? '?'}`}", which the descriptor does not declare as its parent`, where);
    }
    for (const extent of vmdk.extents) {
      if (extent.file !== undefined && !isSafePackagePath(extent.file)) {
        issues.error('package.vmdk-extent', `disk file ${file.href} has an extent "${extent.file}" outside the package`, where);
      }
    }
  }
  if (sniff.virtualSize !== undefined && sniff.virtualSize > 0 && disk.capacityBytes > 0 && disk.capacityBytes < sniff.virtualSize) {
    issues.error('package.capacity', `disk "${disk.diskId}" declares ${disk.capacityBytes} bytes but its file holds a ${sniff.virtualSize}-byte disk`, where);
  }
}

async function chunkNames(href: string, files: PackageFiles): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < 100_000; i += 1) {
    const name = `${href}.${String(i).padStart(3, '0')}`;
    if ((await files.size(name)) === undefined) break;
    names.push(name);
  }
  return names.length === 0 ? [`${href}.000`] : names;
}

async function checkCertificate(descriptorName: string, files: PackageFiles, issues: IssueCollector): Promise<void> {
  const stem = descriptorName.replace(/\.ovf$/i, '');
  const certSize = await files.size(`${stem}.cert`);
  if (certSize === undefined) return;
  const where = `/${stem}.cert`;
  try {
    const certificate = readCertificate(Buffer.from(await files.read(`${stem}.cert`, 0, certSize)).toString('utf8'));
    const manifestSize = await files.size(certificate.manifestName);
    if (manifestSize === undefined) {
      issues.error('package.certificate', `the certificate signs ${certificate.manifestName}, which is not in the package`, where);
      return;
    }
    if (!verifyCertificate(certificate, await files.read(certificate.manifestName, 0, manifestSize))) {
      issues.error('package.certificate', `the signature in ${stem}.cert does not match ${certificate.manifestName} (signed by ${certificate.subject.replace(/\n/g, ', ')}); the package was altered or signed with another key`, where);
    }
  } catch (error) {
    issues.error('package.certificate', (error as Error).message, where);
  }
}
