/**
 * The EC2 API over `local`: real QEMU VMs on this host (TCG), driven by the AWS SDK for
 * JavaScript and the AWS CLI exactly as over the simulated clouds. Boots take seconds, so this
 * runs the instance lifecycle once, with the guest's console as proof it really booted with
 * the user-data and key it was given.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  EC2Client,
  EC2ServiceException,
  GetConsoleOutputCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { AWS_CLI, clientEnv, runProcess } from '../testing/aws-cli.js';
import { startEc2Broker, type Ec2TestBroker } from '../testing/ec2-broker.js';

const BOOT = { maxWaitTime: 180, minDelay: 1, maxDelay: 3 };
/** The guest image builds on first use on a host (then it is cached), which takes minutes. */
const IMAGE_READY_MS = 15 * 60_000;

describe('EC2 API over local (real QEMU VMs)', () => {
  let broker: Ec2TestBroker;
  let ec2: EC2Client;
  let imageId: string;
  let instanceId: string;

  async function consoleText(id: string): Promise<string> {
    const { Output } = await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }));
    return Buffer.from(Output ?? '', 'base64').toString('utf8');
  }

  before(async () => {
    broker = await startEc2Broker({ region: 'sims' });
    await broker.admin.providers.add({ name: 'local', driver: 'qemu', settings: { accelerator: 'tcg', stopTimeoutMs: 10_000, terminatedRetentionMs: 30_000 } });
    ec2 = new EC2Client({ endpoint: broker.endpoint, region: 'local', credentials: broker.key, maxAttempts: 2 });
    const deadline = Date.now() + IMAGE_READY_MS;
    for (;;) {
      const { Images } = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['skyport-tiny'] }] }));
      const image = Images?.[0];
      if (image?.State === 'failed') throw new Error(`the skyport-tiny guest image failed to build: ${image.Description ?? ''}`);
      if (image?.State === 'available') {
        imageId = image.ImageId!;
        break;
      }
      if (Date.now() > deadline) throw new Error('skyport-tiny did not become available');
      await sleep(1000);
    }
  });
  after(async () => {
    if (instanceId !== undefined) await ec2?.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })).catch(() => undefined);
    ec2?.destroy();
    await broker?.close();
  });

  test('local is a region beside the sim; security groups are unsupported there', async () => {
    assert.deepEqual((await ec2.send(new DescribeRegionsCommand({}))).Regions?.map((r) => r.RegionName), ['local', 'sims']);
    await assert.rejects(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web' })), (e: unknown) => e instanceof EC2ServiceException && e.name === 'UnsupportedOperation');
  });

  test('run a real VM with a key and user-data, see it boot on its console, stop, start, terminate', async () => {
    await ec2.send(new CreateKeyPairCommand({ KeyName: 'local-key' }));
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: 'tiny' as RunInstancesCommandInput['InstanceType'],
        MinCount: 1,
        MaxCount: 1,
        KeyName: 'local-key',
        UserData: Buffer.from('#!/bin/sh\necho hello-from-ec2-user-data\n').toString('base64'),
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'ec2-on-qemu' }] }],
        ClientToken: 'local-1',
      }),
    );
    instanceId = run.Instances![0]!.InstanceId!;
    await waitUntilInstanceRunning({ client: ec2, ...BOOT }, { InstanceIds: [instanceId] });
    // Boots are CPU-bound under TCG; other suites may be booting guests at the same time.
    let text = '';
    for (const deadline = Date.now() + BOOT.maxWaitTime * 1000; !/user-data finished/.test(text) && Date.now() < deadline; ) {
      await sleep(500);
      text = await consoleText(instanceId);
    }
    assert.match(text, /SKYPORT-BOOTED/, `console so far:\n${text.slice(-2000)}`);
    assert.match(text, /installed 1 SSH public key\(s\) for root: ssh-ed25519 local-key/);
    assert.match(text, /user-data: hello-from-ec2-user-data/);

    await ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: 'env', Value: 'local' }] }));
    const cli = await runProcess(AWS_CLI, ['ec2', 'describe-instances', '--filters', 'Name=tag:env,Values=local', '--endpoint-url', broker.endpoint, '--region', 'local', '--output', 'json'], clientEnv(broker.key, broker.dataDir));
    assert.equal(cli.code, 0, cli.stderr);
    const seen = JSON.parse(cli.stdout).Reservations[0].Instances[0];
    assert.deepEqual([seen.InstanceId, seen.State.Name, seen.InstanceType, seen.KeyName], [instanceId, 'running', 'tiny', 'local-key']);

    await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    await waitUntilInstanceStopped({ client: ec2, ...BOOT }, { InstanceIds: [instanceId] });
    await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    await waitUntilInstanceRunning({ client: ec2, ...BOOT }, { InstanceIds: [instanceId] });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    await waitUntilInstanceTerminated({ client: ec2, ...BOOT }, { InstanceIds: [instanceId] });
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    assert.equal(Reservations![0]!.Instances![0]!.State?.Name, 'terminated');
  });
});
