/**
 * The AWS CLI (Debian's awscli), unchanged, through the whole lifecycle a user goes through:
 * `--endpoint-url` is the broker's EC2 port, `--region` names a Skyport provider.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AWS_CLI, clientEnv, runProcess, type CliResult } from '../testing/aws-cli.js';
import { startEc2Broker, type Ec2TestBroker } from '../testing/ec2-broker.js';

describe('AWS CLI against the EC2 API', () => {
  let broker: Ec2TestBroker;
  let imageId: string;
  let groupId: string;
  let ids: string[];

  /** `aws ec2 <args>`; parses JSON output, fails the test on a non-zero exit unless `expectError`. */
  async function aws(args: readonly string[], expectError?: string): Promise<any> {
    const result: CliResult = await runProcess(AWS_CLI, ['ec2', ...args, '--endpoint-url', broker.endpoint, '--region', broker.region, '--output', 'json'], clientEnv(broker.key, broker.dataDir));
    if (expectError !== undefined) {
      assert.notEqual(result.code, 0, `expected ${expectError}, got ${result.stdout}`);
      assert.match(result.stderr, new RegExp(`\\(${expectError.replace(/\./g, '\\.')}\\)`), result.stderr);
      return result.stderr;
    }
    assert.equal(result.code, 0, `aws ec2 ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout.trim() === '' ? undefined : JSON.parse(result.stdout);
  }

  before(async () => {
    broker = await startEc2Broker({ region: 'cli' });
  });
  after(async () => {
    await broker?.close();
  });

  test('describe-regions, -availability-zones, -instance-types, -images', async () => {
    assert.deepEqual((await aws(['describe-regions'])).Regions.map((r: any) => r.RegionName), ['cli']);
    assert.deepEqual((await aws(['describe-availability-zones', '--zone-names', 'cli-1b'])).AvailabilityZones.map((z: any) => z.ZoneName), ['cli-1b']);
    const types = await aws(['describe-instance-types', '--instance-types', 'small', 'mem']);
    assert.deepEqual(types.InstanceTypes.map((t: any) => [t.InstanceType, t.VCpuInfo.DefaultVCpus]).sort(), [['mem', 4], ['small', 1]]);
    imageId = (await aws(['describe-images', '--owners', 'amazon', '--filters', 'Name=name,Values=debian-12'])).Images[0].ImageId;
    assert.match(imageId, /^ami-[0-9a-f]{17}$/);
  });

  test('key pairs: create, import from a file, describe, delete', async () => {
    const created = await aws(['create-key-pair', '--key-name', 'cli-key']);
    assert.match(created.KeyMaterial, /BEGIN OPENSSH PRIVATE KEY/);
    const [described] = (await aws(['describe-key-pairs', '--key-names', 'cli-key', '--include-public-key'])).KeyPairs;
    const pub = join(broker.dataDir, 'cli-key.pub');
    await writeFile(pub, described.PublicKey + '\n');
    const imported = await aws(['import-key-pair', '--key-name', 'cli-imported', '--public-key-material', `fileb://${pub}`]);
    assert.equal(imported.KeyFingerprint, created.KeyFingerprint);
    await aws(['delete-key-pair', '--key-name', 'cli-imported']);
    await aws(['describe-key-pairs', '--key-names', 'cli-imported'], 'InvalidKeyPair.NotFound');
  });

  test('security groups: create, authorize, describe, revoke', async () => {
    groupId = (await aws(['create-security-group', '--group-name', 'cli-web', '--description', 'web servers'])).GroupId;
    await aws(['authorize-security-group-ingress', '--group-id', groupId, '--protocol', 'tcp', '--port', '22', '--cidr', '10.0.0.0/8']);
    await aws(['authorize-security-group-ingress', '--group-name', 'cli-web', '--ip-permissions', 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]']);
    const [group] = (await aws(['describe-security-groups', '--group-ids', groupId])).SecurityGroups;
    assert.deepEqual(group.IpPermissions.map((p: any) => [p.IpProtocol, p.FromPort, p.ToPort, p.IpRanges.map((r: any) => r.CidrIp)]), [
      ['tcp', 22, 22, ['10.0.0.0/8']],
      ['tcp', 443, 443, ['0.0.0.0/0']],
    ]);
    await aws(['revoke-security-group-ingress', '--group-id', groupId, '--protocol', 'tcp', '--port', '443', '--cidr', '0.0.0.0/0']);
    assert.equal((await aws(['describe-security-groups', '--filters', 'Name=group-name,Values=cli-web'])).SecurityGroups[0].IpPermissions.length, 1);
  });

  test('run-instances, wait instance-running, describe with filters and pages', async () => {
    const run = await aws([
      'run-instances',
      '--image-id', imageId,
      '--instance-type', 'small',
      '--count', '2',
      '--key-name', 'cli-key',
      '--user-data', '#!/bin/sh\necho hello from user-data',
      '--security-group-ids', groupId,
      '--tag-specifications', 'ResourceType=instance,Tags=[{Key=Name,Value=cli-web},{Key=env,Value=cli}]',
      '--client-token', 'cli-launch-1',
    ]);
    ids = run.Instances.map((i: any) => i.InstanceId);
    assert.equal(ids.length, 2);
    const again = await aws(['run-instances', '--image-id', imageId, '--instance-type', 'small', '--count', '2', '--key-name', 'cli-key', '--user-data', '#!/bin/sh\necho hello from user-data', '--security-group-ids', groupId, '--tag-specifications', 'ResourceType=instance,Tags=[{Key=Name,Value=cli-web},{Key=env,Value=cli}]', '--client-token', 'cli-launch-1']);
    assert.deepEqual(again.Instances.map((i: any) => i.InstanceId), ids, 'the same ClientToken returns the same instances');
    await aws(['wait', 'instance-running', '--instance-ids', ...ids]);

    const running = await aws(['describe-instances', '--filters', 'Name=tag:env,Values=cli', 'Name=instance-state-name,Values=running']);
    assert.deepEqual(running.Reservations.flatMap((r: any) => r.Instances.map((i: any) => i.InstanceId)).sort(), [...ids].sort());
    const instance = running.Reservations[0].Instances[0];
    assert.deepEqual([instance.InstanceType, instance.KeyName, instance.State.Code, instance.SecurityGroups[0].GroupName], ['small', 'cli-key', 16, 'cli-web']);
    await aws(['run-instances', '--image-id', imageId, '--instance-type', 'medium', '--count', '5']);
    const page = await aws(['describe-instances', '--no-paginate', '--max-results', '5']);
    assert.equal(page.Reservations.length, 5);
    assert.ok(page.NextToken, 'a first page of five out of seven has a NextToken');
    const rest = await aws(['describe-instances', '--no-paginate', '--max-results', '5', '--next-token', page.NextToken]);
    assert.equal(rest.Reservations.length, 2);
    assert.equal(rest.NextToken, undefined);
    assert.equal((await aws(['describe-instances', '--page-size', '5'])).Reservations.length, 7, 'the CLI follows NextToken by itself');
    const ids3 = await aws(['describe-instances', '--filters', 'Name=instance-type,Values=medium', '--query', 'Reservations[].Instances[].InstanceId']);
    assert.equal(ids3.length, 5);
  });

  test('stop, start, reboot, console output, status', async () => {
    const [id] = ids;
    const stopped = await aws(['stop-instances', '--instance-ids', id!]);
    assert.deepEqual(stopped.StoppingInstances[0].CurrentState, { Code: 64, Name: 'stopping' });
    await aws(['wait', 'instance-stopped', '--instance-ids', id!]);
    await aws(['start-instances', '--instance-ids', id!]);
    await aws(['wait', 'instance-running', '--instance-ids', id!]);
    await aws(['reboot-instances', '--instance-ids', id!]);
    const output = await aws(['get-console-output', '--instance-id', id!]);
    assert.equal(output.InstanceId, id);
    assert.ok(typeof output.Output === 'string' && output.Output.length > 0, 'the CLI decodes the base64 console output');
    const status = await aws(['describe-instance-status', '--instance-ids', ...ids]);
    assert.deepEqual(status.InstanceStatuses.map((s: any) => s.InstanceStatus.Status), ['ok', 'ok']);
  });

  test('tags: create, describe, delete', async () => {
    await aws(['create-tags', '--resources', ...ids, '--tags', 'Key=owner,Value=ops', 'Key=tier,Value=web']);
    const tags = await aws(['describe-tags', '--filters', `Name=resource-id,Values=${ids[0]}`]);
    assert.deepEqual(tags.Tags.map((t: any) => `${t.Key}=${t.Value}`).sort(), ['Name=cli-web', 'env=cli', 'owner=ops', 'tier=web']);
    await aws(['delete-tags', '--resources', ids[0]!, '--tags', 'Key=owner']);
    assert.equal((await aws(['describe-tags', '--filters', 'Name=key,Values=owner'])).Tags.length, 1);
  });

  test('volumes and snapshots, with their waiters', async () => {
    const volumeId = (await aws(['create-volume', '--availability-zone', 'cli-1a', '--size', '1', '--tag-specifications', 'ResourceType=volume,Tags=[{Key=Name,Value=cli-data}]'])).VolumeId;
    await aws(['wait', 'volume-available', '--volume-ids', volumeId]);
    await aws(['attach-volume', '--volume-id', volumeId, '--instance-id', ids[0]!, '--device', '/dev/vdf']);
    await aws(['wait', 'volume-in-use', '--volume-ids', volumeId]);
    const [volume] = (await aws(['describe-volumes', '--volume-ids', volumeId])).Volumes;
    assert.deepEqual([volume.State, volume.Attachments[0].InstanceId, volume.Attachments[0].Device], ['in-use', ids[0], '/dev/vdf']);
    await aws(['detach-volume', '--volume-id', volumeId]);
    await aws(['wait', 'volume-available', '--volume-ids', volumeId]);
    const snapshotId = (await aws(['create-snapshot', '--volume-id', volumeId, '--description', 'nightly'])).SnapshotId;
    await aws(['wait', 'snapshot-completed', '--snapshot-ids', snapshotId]);
    const snapshots = await aws(['describe-snapshots', '--owner-ids', 'self']);
    assert.deepEqual(snapshots.Snapshots.map((s: any) => [s.SnapshotId, s.State, s.Description]), [[snapshotId, 'completed', 'nightly']]);
    await aws(['delete-snapshot', '--snapshot-id', snapshotId]);
    await aws(['delete-volume', '--volume-id', volumeId]);
    await aws(['wait', 'volume-deleted', '--volume-ids', volumeId]);
  });

  test('create-image and deregister-image', async () => {
    const provider = await broker.admin.providers.get(broker.region);
    if (provider.capabilities.imageFromInstance === undefined) {
      await aws(['create-image', '--instance-id', ids[1]!, '--name', 'cli-image', '--no-reboot'], 'UnsupportedOperation');
      return;
    }
    await aws(['stop-instances', '--instance-ids', ids[1]!]);
    await aws(['wait', 'instance-stopped', '--instance-ids', ids[1]!]);
    const imageFromInstance = (await aws(['create-image', '--instance-id', ids[1]!, '--name', 'cli-image'])).ImageId;
    await aws(['wait', 'image-available', '--image-ids', imageFromInstance]);
    assert.deepEqual((await aws(['describe-images', '--owners', 'self'])).Images.map((i: any) => i.Name), ['cli-image']);
    await aws(['deregister-image', '--image-id', imageFromInstance]);
  });

  test('terminate-instances and wait instance-terminated', async () => {
    const result = await aws(['terminate-instances', '--instance-ids', ...ids]);
    assert.deepEqual(result.TerminatingInstances.map((t: any) => t.CurrentState.Name), ['shutting-down', 'shutting-down']);
    await aws(['wait', 'instance-terminated', '--instance-ids', ...ids]);
    const visible = await aws(['describe-instances', '--instance-ids', ...ids]);
    assert.deepEqual(visible.Reservations.map((r: any) => r.Instances[0].State.Name), ['terminated', 'terminated']);
  });

  test('--dry-run and errors as the CLI prints them', async () => {
    const dry = await aws(['run-instances', '--image-id', imageId, '--instance-type', 'small', '--dry-run'], 'DryRunOperation');
    assert.match(dry, /Request would have succeeded, but DryRun flag is set/);
    await aws(['describe-instances', '--instance-ids', 'i-00000000000000000'], 'InvalidInstanceID.NotFound');
    await aws(['terminate-instances', '--instance-ids', 'i-nope'], 'InvalidInstanceID.Malformed');
    await aws(['describe-instances', '--max-results', '3', '--no-paginate'], 'InvalidParameterValue');
  });
});
