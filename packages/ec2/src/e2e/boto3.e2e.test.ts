/** boto3 (Debian's python3-boto3), unchanged, through the lifecycle in boto3-lifecycle.py. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { PYTHON, clientEnv, runProcess } from '../testing/aws-cli.js';
import { startEc2Broker, type Ec2TestBroker } from '../testing/ec2-broker.js';

describe('boto3 against the EC2 API', () => {
  let broker: Ec2TestBroker;

  before(async () => {
    broker = await startEc2Broker({ region: 'py' });
  });
  after(async () => {
    await broker?.close();
  });

  test('the whole lifecycle runs and every check in the script passes', async () => {
    const script = fileURLToPath(new URL('./boto3-lifecycle.py', import.meta.url));
    const env = { ...clientEnv(broker.key, broker.dataDir), SKYPORT_EC2_ENDPOINT: broker.endpoint, SKYPORT_EC2_REGION: broker.region };
    const result = await runProcess(PYTHON, [script], env, 180_000);
    assert.equal(result.code, 0, `boto3 lifecycle failed:\n${result.stderr}`);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { instances: string[]; boto3: string };
    assert.equal(summary.instances.length, 3);
    for (const id of summary.instances) assert.equal((await broker.admin.instances.get(id)).state, 'terminated');
  });
});
