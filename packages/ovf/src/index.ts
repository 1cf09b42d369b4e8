/**
 * @skyport/ovf — OVF/OVA without server dependencies: a tolerant reader into one canonical
 * VM spec, a strict validator, a writer, manifests and certificates, and streaming OVA
 * archives with hardened parsing throughout.
 */
export * from './vm-spec.js';
export * from './limits.js';
export { type OvfVersion, OVF_NS } from './namespaces.js';
export { bytesPerUnit } from './units.js';
export { readOvf, parseOvf, type ReadOvfOptions } from './read-ovf.js';
export { validateOvf, type ValidateOvfOptions, type OvfValidation } from './validate-ovf.js';
export { type ValidationTarget, VALIDATION_TARGETS } from './validate-target.js';
export type { ValidationIssue, ValidationReport, Severity } from './issues.js';
export { diskFormatOfUri, FORMAT_URIS } from './hardware-catalogue.js';
export { writeOvf, type WriteOvfOptions } from './write-ovf.js';
export { validatePackage, type ValidatePackageOptions } from './validate-package.js';
export { directoryPackage, memoryPackage, isSafePackagePath, type PackageFiles } from './package-files.js';
export { parseManifest, formatManifest, verifyManifest, digestFile, DIGEST_ALGORITHMS, type DigestAlgorithm, type ManifestEntry, type ParsedManifest } from './manifest.js';
export { readCertificate, verifyCertificate, type OvfCertificate } from './certificate.js';
export { sniffDisk, parseVmdkDescriptor, isDeltaVmdk, SNIFF_BYTES, type DiskSniff, type VmdkDescriptor } from './disk-sniffer.js';
export { writeOvaFile, writeOvaStream, type OvaFile, type WriteOvaOptions, type WrittenOva } from './ova-writer.js';
export { extractOva, readOvaDescriptor, checkMember, DEFAULT_OVA_LIMITS, type OvaLimits, type ExtractOvaOptions, type ExtractedOva } from './ova-reader.js';
