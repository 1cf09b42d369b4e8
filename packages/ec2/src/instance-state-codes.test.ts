import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INSTANCE_STATES } from '@skyport/model';
import { EC2_STATE_CODES, ec2State, skyportStatesFor } from './instance-state-codes.js';

test("every Skyport state lands on one of EC2's six, with EC2's codes", () => {
  assert.deepEqual(EC2_STATE_CODES, { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 });
  for (const state of INSTANCE_STATES) assert.ok(Object.hasOwn(EC2_STATE_CODES, ec2State(state).name), state);
  assert.deepEqual(ec2State('rebooting'), { code: 16, name: 'running' });
  assert.deepEqual(ec2State('error'), { code: 80, name: 'stopped' });
  // transitional states never collapse into stable ones
  assert.equal(ec2State('stopping').name, 'stopping');
  assert.equal(ec2State('shutting-down').name, 'shutting-down');
});

test('an instance-state-name filter selects every Skyport state shown under that name', () => {
  assert.deepEqual(skyportStatesFor('running'), ['running', 'rebooting']);
  assert.deepEqual(skyportStatesFor('stopped'), ['stopped', 'error']);
  assert.deepEqual(skyportStatesFor('nope'), []);
});
