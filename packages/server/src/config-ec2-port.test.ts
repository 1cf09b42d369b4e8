import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkyportError } from '@skyport/model';
import { loadConfig } from './config.js';

test('the EC2 port: 8773 by default, free with a free REST port, or as given', () => {
  assert.equal(loadConfig({}, '/tmp').ec2Port, 8773);
  assert.equal(loadConfig({ SKYPORT_PORT: '0' }, '/tmp').ec2Port, 0);
  assert.equal(loadConfig({ SKYPORT_PORT: '0', SKYPORT_EC2_PORT: '9773' }, '/tmp').ec2Port, 9773);
  assert.equal(loadConfig({ SKYPORT_EC2_PORT: '0' }, '/tmp').ec2Port, 0);
  assert.throws(() => loadConfig({ SKYPORT_EC2_PORT: 'ec2' }, '/tmp'), (e: unknown) => e instanceof SkyportError && /SKYPORT_EC2_PORT "ec2" is not a port number/.test(e.message));
  assert.throws(() => loadConfig({ SKYPORT_EC2_PORT: '70000' }, '/tmp'), /SKYPORT_EC2_PORT/);
});
