import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSkips, conformanceTestNames, isPlausibleChange } from '@skyport/conformance';

test('test names are unique "group > case" strings', () => {
  const names = conformanceTestNames();
  assert.equal(new Set(names).size, names.length);
  for (const name of names) assert.match(name, /^[a-z ]+ > \S.*$/);
  assert.ok(names.includes('instances > stop and start'));
});

test('a skip must name a known test and give a reason', () => {
  assert.deepEqual(checkSkips([{ test: 'instances > reboot', reason: ' no reboot API ' }]), new Map([['instances > reboot', 'no reboot API']]));
  assert.throws(() => checkSkips([{ test: 'instances > teleport', reason: 'x' }]), /"instances > teleport" is not a conformance test/);
  assert.throws(() => checkSkips([{ test: 'instances > reboot', reason: '  ' }]), /needs a reason/);
  assert.throws(
    () => checkSkips([{ test: 'instances > reboot', reason: 'a' }, { test: 'instances > reboot', reason: 'b' }]),
    /skipped twice/,
  );
});

test('a polled change may skip a transitional state, never a stable one', () => {
  assert.ok(isPlausibleChange('running', 'stopping'));
  assert.ok(isPlausibleChange('stopped', 'running'), 'pending can be missed between polls');
  assert.ok(!isPlausibleChange('stopping', 'running'));
  assert.ok(!isPlausibleChange('terminated', 'running'));
  assert.ok(!isPlausibleChange('pending', 'stopping'), 'running is stable and cannot be missed silently');
});
