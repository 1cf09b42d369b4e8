/** Settings, capabilities per provider and the error table, without a network. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSkyportError } from '@skyport/model';
import { DEFAULT_SETTINGS, ec2CapabilitiesFor, ec2Driver, parseEc2Settings, skyportCodeOf } from './index.js';

const config = (over: Record<string, unknown> = {}) => ({
  providerId: 'p',
  name: 'aws',
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  settings: {},
  dataDir: '/nonexistent',
  ...over,
});

test('settings: defaults, checks, and unknown names refused with the known ones', () => {
  assert.deepEqual(parseEc2Settings({}), DEFAULT_SETTINGS);
  assert.equal(parseEc2Settings({ rootDiskGiB: 30 }).rootDiskGiB, 30);
  const refused = (settings: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => parseEc2Settings(settings), (e: unknown) => isSkyportError(e) && e.code === 'InvalidArgument' && pattern.test(e.message));
  refused({ bukcet: 'x' }, /unknown ec2 setting bukcet; the settings are instanceTypes, .*bucket/);
  refused({ exportFormat: 'qcow2' }, /exportFormat must be one of vmdk, raw, vhd/);
  refused({ instanceTypes: 't3.micro' }, /instanceTypes must be a list of non-empty strings/);
  refused({ maxAttempts: 0 }, /maxAttempts must be an integer from 1 to 20/);
  refused({ s3Endpoint: 'minio:9000' }, /s3Endpoint must be an http\(s\) URL/);
});

test('configuration: region and both keys are needed, the endpoint must be a URL', () => {
  const refused = (over: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(() => ec2Driver.create(config(over)), (e: unknown) => isSkyportError(e) && e.code === 'InvalidArgument' && pattern.test(e.message));
  refused({ region: undefined }, /needs a region/);
  refused({ credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' } }, /needs the credentials secretAccessKey/);
  refused({ endpoint: 'cloud.example:8773' }, /is not an http\(s\) URL/);
  refused({ settings: { nope: 1 } }, /unknown ec2 setting nope/);
  assert.deepEqual(ec2Driver.configFields.filter((f) => f.secret).map((f) => f.name), ['accessKeyId', 'secretAccessKey', 'sessionToken']);
});

test('capabilities: image transfer only with a bucket, in the configured export format', () => {
  assert.equal(ec2CapabilitiesFor({}).imageImport, undefined);
  assert.deepEqual(ec2CapabilitiesFor({ bucket: 'b', exportFormat: 'raw' }).diskExport, { formats: ['raw'] });
  assert.equal(ec2CapabilitiesFor({ bucket: 'b' }).instances.profileOverrides, false);
  assert.equal(ec2CapabilitiesFor({ bucket: 'b', nonsense: true }).imageImport, undefined, 'invalid settings declare the base set');
});

test('error codes: the EC2 families map to Skyport codes', () => {
  const cases: [string, number | undefined, string][] = [
    ['InvalidInstanceID.NotFound', 400, 'NotFound'],
    ['InvalidVolume.NotFound', 400, 'NotFound'],
    ['InvalidInstanceID.Malformed', 400, 'NotFound'],
    ['InvalidGroupId.Malformed', 400, 'NotFound'],
    ['InvalidPermission.Malformed', 400, 'InvalidArgument'],
    ['InvalidKeyPair.Duplicate', 400, 'AlreadyExists'],
    ['AuthFailure', 401, 'Unauthenticated'],
    ['UnauthorizedOperation', 403, 'Forbidden'],
    ['InvalidParameterValue', 400, 'InvalidArgument'],
    ['IncorrectInstanceState', 400, 'InvalidState'],
    ['DependencyViolation', 400, 'InvalidState'],
    ['InsufficientInstanceCapacity', 500, 'QuotaExceeded'],
    ['InstanceLimitExceeded', 400, 'QuotaExceeded'],
    ['VcpuLimitExceeded', 400, 'QuotaExceeded'],
    ['RequestLimitExceeded', 503, 'Throttled'],
    ['Throttling', 400, 'Throttled'],
    ['IdempotentParameterMismatch', 400, 'IdempotencyMismatch'],
    ['UnsupportedOperation', 400, 'Unsupported'],
    ['InternalError', 500, 'ProviderUnavailable'],
    ['SomethingNew', 503, 'ProviderUnavailable'],
    ['SomethingNew', 400, 'ProviderError'],
  ];
  for (const [code, status, expected] of cases) assert.equal(skyportCodeOf(code, status), expected, code);
});
