/**
 * The provider settings of an EC2 provider (not secret; credentials are separate). Checked when
 * the provider is added, so a typo fails there rather than on first use.
 */
import { SkyportError } from '@skyport/model';

export type ExportFormat = 'vmdk' | 'raw' | 'vhd';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['vmdk', 'raw', 'vhd'];

export interface Ec2Settings {
  /**
   * Instance types listed as hardware profiles: names or `*`/`?` patterns, matched by EC2's
   * `instance-type` filter. AWS has hundreds; the default keeps the current general-purpose,
   * compute and memory families. `["*"]` lists every type.
   */
  readonly instanceTypes: readonly string[];
  /** Owners whose images are listed besides the account's own: account ids or `amazon`, `aws-marketplace`. */
  readonly imageOwners: readonly string[];
  /** Extra images listed by id (e.g. one public AMI to launch from) without listing their owner's catalogue. */
  readonly imageIds: readonly string[];
  /** Root disk size of a profile's default, when the request does not ask for another. */
  readonly rootDiskGiB: number;
  /** Device names tried in order when a volume is attached without one (the first one free is used). */
  readonly deviceNames: readonly string[];
  /** EBS volume type for new volumes; unset leaves the provider's default. */
  readonly volumeType: string | undefined;
  /** Attempts per request, throttling and 5xx included (the SDK's standard retry with backoff). */
  readonly maxAttempts: number;
  /** Time allowed for one HTTP request. */
  readonly requestTimeoutMs: number;
  /** S3 bucket for image import and export; without it the provider cannot transfer disks. */
  readonly bucket: string | undefined;
  /** Key prefix inside the bucket. */
  readonly bucketPrefix: string;
  /** S3 endpoint, for S3-compatible storage beside an EC2-compatible cloud (path-style addressing). */
  readonly s3Endpoint: string | undefined;
  /** The IAM role VM Import/Export assumes (AWS's default name is `vmimport`). */
  readonly vmImportRole: string | undefined;
  /** Disk format ExportImage writes. */
  readonly exportFormat: ExportFormat;
  /** Poll interval of import/export tasks. */
  readonly taskPollMs: number;
  /** Time allowed for one import or export task. */
  readonly taskTimeoutMs: number;
}

export const DEFAULT_INSTANCE_TYPES: readonly string[] = ['t3.*', 't3a.*', 't4g.*', 'm7i.*', 'm7g.*', 'c7i.*', 'c7g.*', 'r7i.*', 'r7g.*'];

export const DEFAULT_SETTINGS: Ec2Settings = {
  instanceTypes: DEFAULT_INSTANCE_TYPES,
  imageOwners: [],
  imageIds: [],
  rootDiskGiB: 8,
  // AWS's recommended names for EBS data volumes on HVM instances.
  deviceNames: ['f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p'].map((l) => `/dev/sd${l}`),
  volumeType: undefined,
  maxAttempts: 5,
  requestTimeoutMs: 30_000,
  bucket: undefined,
  bucketPrefix: 'skyport/',
  s3Endpoint: undefined,
  vmImportRole: undefined,
  exportFormat: 'vmdk',
  taskPollMs: 15_000,
  taskTimeoutMs: 4 * 60 * 60_000,
};

const KNOWN = Object.keys(DEFAULT_SETTINGS);

function invalid(field: string, message: string, allowed?: unknown): SkyportError {
  return new SkyportError('InvalidArgument', `ec2 setting ${field} ${message}`, { details: { field: `settings.${field}`, ...(allowed === undefined ? {} : { allowed }) } });
}

function stringList(raw: Record<string, unknown>, field: keyof Ec2Settings, fallback: readonly string[]): readonly string[] {
  const value = raw[field];
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.trim() !== '')) throw invalid(field, 'must be a list of non-empty strings');
  return value as string[];
}

function optionalString(raw: Record<string, unknown>, field: keyof Ec2Settings): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  return value;
}

function integer(raw: Record<string, unknown>, field: keyof Ec2Settings, fallback: number, min: number, max: number): number {
  const value = raw[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(field, `must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return value;
}

export function parseEc2Settings(raw: Readonly<Record<string, unknown>>): Ec2Settings {
  const unknown = Object.keys(raw).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) {
    throw new SkyportError('InvalidArgument', `unknown ec2 setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the settings are ${KNOWN.join(', ')}`, {
      details: { field: 'settings', allowed: KNOWN },
    });
  }
  const r = raw as Record<string, unknown>;
  const exportFormat = r['exportFormat'] ?? DEFAULT_SETTINGS.exportFormat;
  if (typeof exportFormat !== 'string' || !(EXPORT_FORMATS as readonly string[]).includes(exportFormat)) {
    throw invalid('exportFormat', `must be one of ${EXPORT_FORMATS.join(', ')}`, EXPORT_FORMATS);
  }
  const bucketPrefix = optionalString(r, 'bucketPrefix') ?? DEFAULT_SETTINGS.bucketPrefix;
  const s3Endpoint = optionalString(r, 's3Endpoint');
  if (s3Endpoint !== undefined && !/^https?:\/\//.test(s3Endpoint)) throw invalid('s3Endpoint', 'must be an http(s) URL');
  return {
    instanceTypes: stringList(r, 'instanceTypes', DEFAULT_SETTINGS.instanceTypes),
    imageOwners: stringList(r, 'imageOwners', DEFAULT_SETTINGS.imageOwners),
    imageIds: stringList(r, 'imageIds', DEFAULT_SETTINGS.imageIds),
    rootDiskGiB: integer(r, 'rootDiskGiB', DEFAULT_SETTINGS.rootDiskGiB, 1, 16_384),
    deviceNames: stringList(r, 'deviceNames', DEFAULT_SETTINGS.deviceNames),
    volumeType: optionalString(r, 'volumeType'),
    maxAttempts: integer(r, 'maxAttempts', DEFAULT_SETTINGS.maxAttempts, 1, 20),
    requestTimeoutMs: integer(r, 'requestTimeoutMs', DEFAULT_SETTINGS.requestTimeoutMs, 100, 600_000),
    bucket: optionalString(r, 'bucket'),
    bucketPrefix,
    s3Endpoint,
    vmImportRole: optionalString(r, 'vmImportRole'),
    exportFormat: exportFormat as ExportFormat,
    taskPollMs: integer(r, 'taskPollMs', DEFAULT_SETTINGS.taskPollMs, 1, 600_000),
    taskTimeoutMs: integer(r, 'taskTimeoutMs', DEFAULT_SETTINGS.taskTimeoutMs, 1_000, 48 * 60 * 60_000),
  };
}
