/** The portal's small pure pieces: launch request and error routing, filters, paths, rate-limit retries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_DRAFT, STEPS, stepOfField, toRequest } from '../src/launch/launch-draft.js';
import { nameFilter, parseTagFilter } from '../src/instances/filter-values.js';
import { matchPath, withQuery } from '../src/router/paths.js';
import { retryRateLimited } from '../src/api/retry-rate-limited.js';
import { SkyportError } from '@skyport/model';

test('an API error opens the wizard step of the field it names; others land on the review', () => {
  const step = (field: string | undefined) => STEPS[stepOfField(field)]?.key;
  assert.equal(step('cpus'), 'hardware');
  assert.equal(step('hardwareProfileId'), 'hardware');
  assert.equal(step('securityGroupIds/0'), 'security-groups');
  assert.equal(step('keyName'), 'key-pair');
  assert.equal(step('name'), 'details');
  assert.equal(step('quota'), 'review');
  assert.equal(step(undefined), 'review');
});

test('the launch request leaves out what was not chosen and sends numbers as typed', () => {
  const base = { ...EMPTY_DRAFT, providerId: 'prv-1', imageId: 'ami-1', hardwareProfileId: 'hwp-1', name: ' web-1 ' };
  assert.deepEqual(toRequest(base), { providerId: 'prv-1', name: 'web-1', imageId: 'ami-1', hardwareProfileId: 'hwp-1' });
  const full = toRequest({ ...base, cpus: '99', memoryMiB: '2048', keyName: 'ops', securityGroupIds: ['sg-1'], userData: '#cloud-config' });
  assert.equal(full.cpus, 99, 'the API, not the portal, says 99 is outside the profile');
  assert.deepEqual([full.memoryMiB, full.keyName, full.securityGroupIds, full.userData], [2048, 'ops', ['sg-1'], '#cloud-config']);
});

test('filters typed in the inventory become the API parameters', () => {
  assert.deepEqual(parseTagFilter('env=prod, team , owner=a=b'), { env: 'prod', team: null, owner: 'a=b' });
  assert.equal(parseTagFilter(' , '), undefined);
  assert.equal(nameFilter('web-'), 'web-*');
  assert.equal(nameFilter('web-*'), 'web-*');
  assert.equal(nameFilter('  '), undefined);
});

test('paths match their patterns and carry their filters', () => {
  assert.deepEqual(matchPath('/instances/:id', '/instances/i-1%2F2'), { id: 'i-1/2' });
  assert.deepEqual(matchPath('/instances/:id', '/instances/i-1/'), { id: 'i-1' });
  assert.equal(matchPath('/instances/:id', '/instances'), null);
  assert.equal(withQuery('/instances', { provider: 'prv-1', state: ['running', 'error'], name: '', tag: undefined }), '/instances?provider=prv-1&state=running&state=error');
  assert.equal(withQuery('/instances', {}), '/instances');
});

test('bulk requests wait out 429 RateLimited as the broker asks, and give up on anything else', async () => {
  let calls = 0;
  const limited = () => new SkyportError('RateLimited', 'too many requests from this token', { retryAfterMs: 5 });
  const answer = await retryRateLimited(async () => {
    calls += 1;
    if (calls < 3) throw limited();
    return 'started';
  });
  assert.deepEqual([answer, calls], ['started', 3]);
  calls = 0;
  await assert.rejects(
    retryRateLimited(async () => {
      calls += 1;
      throw new SkyportError('InvalidState', 'it is stopped; stop needs it to be running or error');
    }),
    { code: 'InvalidState' },
  );
  assert.equal(calls, 1);
  await assert.rejects(retryRateLimited(async () => Promise.reject(limited()), 2), { code: 'RateLimited' });
});
