/**
 * The AWS SDK for JavaScript v3, unchanged, against a running broker: the lifecycle a user
 * goes through, waiters and paginators included.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachVolumeCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateImageCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  EC2ServiceException,
  GetConsoleOutputCommand,
  ImportKeyPairCommand,
  RebootInstancesCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  type RunInstancesCommandInput,
  waitUntilImageAvailable,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
  waitUntilSnapshotCompleted,
  waitUntilVolumeAvailable,
  waitUntilVolumeDeleted,
  waitUntilVolumeInUse,
} from '@aws-sdk/client-ec2';
import { createEc2Api } from '../create-ec2-api.js';
import { startEc2Broker, type Ec2TestBroker } from '../testing/ec2-broker.js';

const WAIT = { maxWaitTime: 60, minDelay: 1, maxDelay: 2 };
/** Skyport's instance types are hardware profile names; the SDK's TypeScript enum lists AWS's only. */
const type = (name: string) => name as RunInstancesCommandInput['InstanceType'];

async function rejectsWith(promise: Promise<unknown>, code: string, status?: number): Promise<EC2ServiceException> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EC2ServiceException, `expected an EC2 error, got ${String(error)}`);
    assert.equal(error.name, code, error.message);
    if (status !== undefined) assert.equal(error.$metadata.httpStatusCode, status);
    assert.ok(error.$metadata.requestId, 'the request id comes with every error');
    return error;
  }
  assert.fail(`expected ${code}`);
}

describe('AWS SDK for JavaScript v3 against the EC2 API', () => {
  let broker: Ec2TestBroker;
  let ec2: EC2Client;
  let imageId: string;
  let groupId: string;
  let instanceIds: string[];

  before(async () => {
    broker = await startEc2Broker();
    ec2 = new EC2Client({ endpoint: broker.endpoint, region: broker.region, credentials: broker.key, maxAttempts: 2 });
  });
  after(async () => {
    ec2?.destroy();
    await broker?.close();
  });

  test('regions are providers, zones and instance types come from the provider', async () => {
    const regions = await ec2.send(new DescribeRegionsCommand({}));
    assert.deepEqual(regions.Regions?.map((r) => r.RegionName), [broker.region]);
    assert.ok(regions.$metadata.requestId);
    const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(zones.AvailabilityZones?.map((z) => [z.ZoneName, z.State, z.RegionName]), [
      ['fast-1a', 'available', 'fast'],
      ['fast-1b', 'available', 'fast'],
      ['fast-1c', 'available', 'fast'],
    ]);
    const types = await ec2.send(new DescribeInstanceTypesCommand({ Filters: [{ Name: 'vcpu-info.default-vcpus', Values: ['1', '2'] }] }));
    assert.deepEqual(types.InstanceTypes?.map((t) => [t.InstanceType, t.VCpuInfo?.DefaultVCpus, t.MemoryInfo?.SizeInMiB]).sort(), [
      ['flex', 2, 2048],
      ['medium', 2, 4096],
      ['small', 1, 1024],
    ]);
  });

  test('images: filters and owners', async () => {
    const debian = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['debian-*'] }] }));
    assert.equal(debian.Images?.length, 1);
    const image = debian.Images![0]!;
    assert.match(image.ImageId!, /^ami-[0-9a-f]{17}$/);
    assert.deepEqual([image.Name, image.State, image.Architecture, image.Public, image.ImageOwnerAlias], ['debian-12', 'available', 'x86_64', true, 'amazon']);
    imageId = image.ImageId!;
    assert.equal((await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images?.length, 4);
    assert.equal((await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images?.length, 0);
    const windows = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'platform', Values: ['windows'] }] }));
    assert.deepEqual(windows.Images?.map((i) => i.Platform), ['windows']);
    await rejectsWith(ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-00000000000000000'] })), 'InvalidAMIID.NotFound', 400);
  });

  test('key pairs: create, import, describe, delete', async () => {
    const created = await ec2.send(new CreateKeyPairCommand({ KeyName: 'js-key' }));
    assert.match(created.KeyMaterial!, /PRIVATE KEY/);
    assert.match(created.KeyPairId!, /^key-/);
    const described = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['js-key'], IncludePublicKey: true }));
    const publicKey = described.KeyPairs![0]!.PublicKey!;
    assert.equal(described.KeyPairs![0]!.KeyFingerprint, created.KeyFingerprint);
    const imported = await ec2.send(new ImportKeyPairCommand({ KeyName: 'js-imported', PublicKeyMaterial: new TextEncoder().encode(publicKey) }));
    assert.equal(imported.KeyFingerprint, created.KeyFingerprint);
    await rejectsWith(ec2.send(new CreateKeyPairCommand({ KeyName: 'js-key' })), 'InvalidKeyPair.Duplicate');
    await rejectsWith(ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['nope'] })), 'InvalidKeyPair.NotFound');
    await ec2.send(new DeleteKeyPairCommand({ KeyName: 'js-imported' }));
    assert.deepEqual((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs?.map((k) => k.KeyName), ['js-key']);
  });

  test('security groups: create, authorize, describe, revoke', async () => {
    groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'js-web', Description: 'web servers', TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'team', Value: 'web' }] }] }))).GroupId!;
    assert.match(groupId, /^sg-/);
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '192.168.0.0/16' }] },
          { IpProtocol: 'tcp', FromPort: 80, ToPort: 81, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        ],
      }),
    );
    await rejectsWith(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '10.0.0.0/8' })), 'InvalidPermission.Duplicate');
    const [group] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups!;
    assert.equal(group!.GroupName, 'js-web');
    assert.deepEqual(group!.Tags, [{ Key: 'team', Value: 'web' }]);
    const ssh = group!.IpPermissions!.find((p) => p.FromPort === 22)!;
    assert.deepEqual(ssh.IpRanges?.map((r) => r.CidrIp).sort(), ['10.0.0.0/8', '192.168.0.0/16']);
    assert.deepEqual(group!.IpPermissions!.find((p) => p.FromPort === 80)!.Ipv6Ranges, [{ CidrIpv6: '::/0' }]);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '192.168.0.0/16' }] }] }));
    const byName = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['js-*'] }] }));
    assert.deepEqual(byName.SecurityGroups![0]!.IpPermissions!.find((p) => p.FromPort === 22)!.IpRanges, [{ CidrIp: '10.0.0.0/8' }]);
  });

  test('run-instances with key, user-data, tags and security group; ClientToken makes it idempotent', async () => {
    const input = {
      ImageId: imageId,
      InstanceType: type('small'),
      MinCount: 2,
      MaxCount: 2,
      KeyName: 'js-key',
      UserData: Buffer.from('#cloud-config\nhostname: web\n').toString('base64'),
      SecurityGroupIds: [groupId],
      TagSpecifications: [{ ResourceType: 'instance' as const, Tags: [{ Key: 'Name', Value: 'web server' }, { Key: 'env', Value: 'js' }] }],
      ClientToken: 'js-launch-1',
    };
    const run = await ec2.send(new RunInstancesCommand(input));
    instanceIds = run.Instances!.map((i) => i.InstanceId!);
    assert.equal(instanceIds.length, 2);
    assert.match(run.ReservationId!, /^r-[0-9a-f]{17}$/);
    assert.match(run.OwnerId!, /^\d{12}$/);
    for (const [index, instance] of run.Instances!.entries()) {
      assert.match(instance.InstanceId!, /^i-[0-9a-f]{17}$/);
      assert.equal(instance.AmiLaunchIndex, index);
      assert.equal(instance.InstanceType, 'small');
      assert.equal(instance.KeyName, 'js-key');
      assert.ok(['pending', 'running'].includes(instance.State!.Name!));
      assert.deepEqual(instance.SecurityGroups, [{ GroupId: groupId, GroupName: 'js-web' }]);
      assert.deepEqual(instance.Tags?.find((t) => t.Key === 'Name'), { Key: 'Name', Value: 'web server' });
    }
    const again = await ec2.send(new RunInstancesCommand(input));
    assert.deepEqual(again.Instances!.map((i) => i.InstanceId), instanceIds);
    assert.equal(again.ReservationId, run.ReservationId);
    await rejectsWith(ec2.send(new RunInstancesCommand({ ...input, InstanceType: type('medium') })), 'IdempotentParameterMismatch', 400);

    await waitUntilInstanceRunning({ client: ec2, ...WAIT }, { InstanceIds: instanceIds });
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
    assert.equal(described.Reservations?.length, 2);
    const first = described.Reservations![0]!.Instances![0]!;
    assert.deepEqual([first.State?.Name, first.State?.Code], ['running', 16]);
    assert.match(first.Placement!.AvailabilityZone!, /^fast-1[abc]$/);
    assert.ok(first.LaunchTime instanceof Date);
  });

  test('describe-instances: filters and pagination', async () => {
    const byTag = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:env', Values: ['js'] }, { Name: 'instance-state-name', Values: ['running'] }] }));
    assert.deepEqual(byTag.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId)).sort(), [...instanceIds].sort());
    assert.equal(byTag.NextToken, undefined);
    const byGroup = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance.group-name', Values: ['js-web'] }, { Name: 'instance-type', Values: ['sm*'] }] }));
    assert.equal(byGroup.Reservations?.length, 2);
    const none = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['absent'] }] }));
    assert.deepEqual(none.Reservations, []);
    // Five more, so pages of 5 need a second page.
    await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: type('small'), MinCount: 5, MaxCount: 5 }));
    const pages: number[] = [];
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 5 }, {})) pages.push(page.Reservations!.length);
    assert.deepEqual(pages, [5, 2]);
  });

  test('stop, start, reboot, console output and status', async () => {
    const [id] = instanceIds;
    const stop = await ec2.send(new StopInstancesCommand({ InstanceIds: [id!] }));
    assert.deepEqual(stop.StoppingInstances, [{ InstanceId: id, PreviousState: { Code: 16, Name: 'running' }, CurrentState: { Code: 64, Name: 'stopping' } }]);
    await waitUntilInstanceStopped({ client: ec2, ...WAIT }, { InstanceIds: [id!] });
    const again = await ec2.send(new StopInstancesCommand({ InstanceIds: [id!] }));
    assert.deepEqual(again.StoppingInstances![0]!.CurrentState, { Code: 80, Name: 'stopped' });
    await rejectsWith(ec2.send(new RebootInstancesCommand({ InstanceIds: [id!] })), 'IncorrectInstanceState');
    const start = await ec2.send(new StartInstancesCommand({ InstanceIds: [id!] }));
    assert.deepEqual(start.StartingInstances![0]!.CurrentState, { Code: 0, Name: 'pending' });
    await waitUntilInstanceRunning({ client: ec2, ...WAIT }, { InstanceIds: [id!] });
    await ec2.send(new RebootInstancesCommand({ InstanceIds: [id!] }));
    const console = await ec2.send(new GetConsoleOutputCommand({ InstanceId: id! }));
    assert.equal(console.InstanceId, id);
    assert.ok(Buffer.from(console.Output!, 'base64').toString('utf8').length > 0);
    const status = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: instanceIds }));
    assert.ok(status.InstanceStatuses!.every((s) => s.InstanceStatus?.Status === 'ok' && s.SystemStatus?.Status === 'ok'));
  });

  test('volumes, attachments, snapshots and tags', async () => {
    const [id] = instanceIds;
    const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'fast-1a', Size: 2, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: 'data' }] }] }));
    const volumeId = volume.VolumeId!;
    assert.match(volumeId, /^vol-/);
    assert.deepEqual([volume.Size, volume.AvailabilityZone, volume.VolumeType], [2, 'fast-1a', 'standard']);
    await waitUntilVolumeAvailable({ client: ec2, ...WAIT }, { VolumeIds: [volumeId] });
    // Device names are the provider's (the sim's are /dev/vdb-/dev/vdz); its refusal comes back at once.
    const refused = await rejectsWith(ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: id!, Device: '/dev/sdf' })), 'InvalidParameterValue', 400);
    assert.match(refused.message, /\/dev\/vdb/);
    const attach = await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: id!, Device: '/dev/vdf' }));
    assert.deepEqual([attach.State, attach.Device], ['attaching', '/dev/vdf']);
    await waitUntilVolumeInUse({ client: ec2, ...WAIT }, { VolumeIds: [volumeId] });
    const attached = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [id!] }] }));
    // As at EC2, a volume is in-use from the start of the attachment; the attachment says how far it got.
    assert.deepEqual(attached.Volumes?.map((v) => [v.VolumeId, v.State, v.Attachments?.[0]?.Device]), [[volumeId, 'in-use', '/dev/vdf']]);
    assert.ok(['attaching', 'attached'].includes(attached.Volumes![0]!.Attachments![0]!.State!));
    await rejectsWith(ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId })), 'VolumeInUse');
    // Right after the in-use waiter, the attachment may still be in progress; detach waits for it.
    await ec2.send(new DetachVolumeCommand({ VolumeId: volumeId }));
    await waitUntilVolumeAvailable({ client: ec2, ...WAIT }, { VolumeIds: [volumeId] });

    const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: 'before upgrade' }));
    assert.match(snapshot.SnapshotId!, /^snap-/);
    await waitUntilSnapshotCompleted({ client: ec2, ...WAIT }, { SnapshotIds: [snapshot.SnapshotId!] });
    const snapshots = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'volume-id', Values: [volumeId] }] }));
    assert.deepEqual(snapshots.Snapshots?.map((s) => [s.SnapshotId, s.State, s.Progress, s.VolumeSize, s.Description]), [[snapshot.SnapshotId, 'completed', '100%', 2, 'before-upgrade']]);

    await ec2.send(new CreateTagsCommand({ Resources: [volumeId, snapshot.SnapshotId!, id!], Tags: [{ Key: 'backup', Value: 'daily' }] }));
    const tags = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['backup'] }] }));
    assert.deepEqual(tags.Tags?.map((t) => t.ResourceType).sort(), ['instance', 'snapshot', 'volume']);
    await ec2.send(new DeleteTagsCommand({ Resources: [volumeId], Tags: [{ Key: 'backup', Value: 'weekly' }] }));
    assert.equal((await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [volumeId] }, { Name: 'key', Values: ['backup'] }] }))).Tags?.length, 1);
    await ec2.send(new DeleteTagsCommand({ Resources: [volumeId], Tags: [{ Key: 'backup' }] }));
    assert.equal((await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [volumeId] }, { Name: 'key', Values: ['backup'] }] }))).Tags?.length, 0);

    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot.SnapshotId! }));
    await ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId }));
    await waitUntilVolumeDeleted({ client: ec2, ...WAIT }, { VolumeIds: [volumeId] });
  });

  test('create-image from a stopped instance, then deregister it', async () => {
    const id = instanceIds[1]!;
    await rejectsWith(ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'js-image' })), 'IncorrectInstanceState');
    const provider = await broker.admin.providers.get(broker.region);
    if (provider.capabilities.imageFromInstance === undefined) {
      await rejectsWith(ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'js-image', NoReboot: true })), 'UnsupportedOperation');
      return;
    }
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceStopped({ client: ec2, ...WAIT }, { InstanceIds: [id] });
    const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'js-image', Description: 'from a stopped instance' }));
    assert.match(ImageId!, /^ami-/);
    await waitUntilImageAvailable({ client: ec2, ...WAIT }, { ImageIds: [ImageId!] });
    const mine = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
    assert.deepEqual(mine.Images?.map((i) => [i.ImageId, i.Name, i.Public]), [[ImageId, 'js-image', false]]);
    await ec2.send(new DeregisterImageCommand({ ImageId: ImageId! }));
  });

  test('terminate, wait, and terminated instances stay visible', async () => {
    const done = await ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
    assert.ok(done.TerminatingInstances!.every((t) => t.CurrentState?.Name === 'shutting-down'));
    await waitUntilInstanceTerminated({ client: ec2, ...WAIT }, { InstanceIds: instanceIds });
    const gone = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['terminated'] }, { Name: 'tag:env', Values: ['js'] }] }));
    assert.equal(gone.Reservations?.length, 2);
    await rejectsWith(ec2.send(new StartInstancesCommand({ InstanceIds: [instanceIds[0]!] })), 'IncorrectInstanceState');
    const twice = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceIds[0]!] }));
    assert.deepEqual(twice.TerminatingInstances![0]!.CurrentState, { Code: 48, Name: 'terminated' });
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
  });

  test('DryRun, unknown and malformed ids', async () => {
    await rejectsWith(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: type('small'), MinCount: 1, MaxCount: 1, DryRun: true })), 'DryRunOperation', 412);
    await rejectsWith(ec2.send(new DescribeInstancesCommand({ DryRun: true })), 'DryRunOperation', 412);
    await rejectsWith(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000000'] })), 'InvalidInstanceID.NotFound', 400);
    await rejectsWith(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['web-1'] })), 'InvalidInstanceID.Malformed', 400);
    await rejectsWith(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: type('huge'), MinCount: 1, MaxCount: 1 })), 'InvalidParameterValue', 400);
  });

  test('a client whose clock is off is told RequestExpired and corrects itself from the Date header', async () => {
    // The same broker behind a second EC2 door whose clock runs 40 minutes ahead: to the
    // client, its own clock is 40 minutes slow.
    const ahead = await createEc2Api({ service: broker.server.broker, clock: { now: () => new Date(Date.now() + 40 * 60_000) } });
    const skewed = new EC2Client({ endpoint: await ahead.listen({ host: '127.0.0.1', port: 0 }), region: broker.region, credentials: broker.key });
    try {
      const regions = await skewed.send(new DescribeRegionsCommand({}));
      assert.equal(regions.Regions?.length, 1);
      assert.ok(Math.abs(skewed.config.systemClockOffset - 40 * 60_000) < 60_000, `offset corrected to ${skewed.config.systemClockOffset} ms`);
      const noRetry = new EC2Client({ endpoint: broker.endpoint, region: broker.region, credentials: broker.key, systemClockOffset: -40 * 60_000, maxAttempts: 1 });
      await rejectsWith(noRetry.send(new DescribeRegionsCommand({})), 'RequestExpired', 400);
      noRetry.destroy();
    } finally {
      skewed.destroy();
      await ahead.close();
    }
  });

  test('a wrong secret or an unknown region is AuthFailure', async () => {
    const wrong = new EC2Client({ endpoint: broker.endpoint, region: broker.region, credentials: { ...broker.key, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    const otherRegion = new EC2Client({ endpoint: broker.endpoint, region: 'us-east-1', credentials: broker.key, maxAttempts: 1 });
    try {
      await rejectsWith(wrong.send(new DescribeRegionsCommand({})), 'AuthFailure', 401);
      const error = await rejectsWith(otherRegion.send(new DescribeInstancesCommand({})), 'AuthFailure', 401);
      assert.match(error.message, /regions are providers: fast/);
    } finally {
      wrong.destroy();
      otherRegion.destroy();
    }
  });
});
