import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkyportError } from '@skyport/model';
import { toEc2Error } from './error-mapping.js';

test('NotFound takes the code of the kind the core names, else of the action', () => {
  const byKind = toEc2Error(new SkyportError('NotFound', 'instance i-1 does not exist', { details: { kind: 'instance', id: 'i-1' } }), 'volume');
  assert.deepEqual([byKind.code, byKind.status], ['InvalidInstanceID.NotFound', 400]);
  assert.equal(toEc2Error(new SkyportError('NotFound', 'x', { details: { field: 'keyName' } })).code, 'InvalidKeyPair.NotFound');
  assert.equal(toEc2Error(new SkyportError('NotFound', 'x'), 'snapshot').code, 'InvalidSnapshot.NotFound');
});

test('state, duplicates, auth, throttling and internals', () => {
  assert.equal(toEc2Error(new SkyportError('InvalidState', 'x'), 'instance').code, 'IncorrectInstanceState');
  assert.equal(toEc2Error(new SkyportError('InvalidState', 'x'), 'securityGroup').code, 'DependencyViolation');
  assert.equal(toEc2Error(new SkyportError('AlreadyExists', 'x'), 'keyPair').code, 'InvalidKeyPair.Duplicate');
  assert.equal(toEc2Error(new SkyportError('IdempotencyMismatch', 'x')).code, 'IdempotentParameterMismatch');
  const auth = toEc2Error(new SkyportError('Unauthenticated', 'x'));
  assert.deepEqual([auth.code, auth.status], ['AuthFailure', 401]);
  const forbidden = toEc2Error(new SkyportError('Forbidden', 'viewers read'));
  assert.deepEqual([forbidden.code, forbidden.status], ['UnauthorizedOperation', 403]);
  const throttled = toEc2Error(new SkyportError('Throttled', 'slow down', { retryAfterMs: 2500 }));
  assert.deepEqual([throttled.code, throttled.status, throttled.retryAfterSeconds], ['RequestLimitExceeded', 503, 3]);
  const internal = toEc2Error(new Error('SELECT * FROM secrets failed at /srv/db'));
  assert.deepEqual([internal.code, internal.status, internal.message], ['InternalError', 500, 'An internal error has occurred']);
  assert.equal(toEc2Error(new SkyportError('Internal', 'path /etc/x')).message, 'An internal error has occurred');
});
