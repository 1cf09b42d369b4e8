import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derivedName } from './launch-names.js';

test('a Name tag becomes a Skyport name, fitted to the name rules; without one a name is derived', () => {
  assert.equal(derivedName('web-1', 'ec2', 'abc'), 'web-1');
  assert.equal(derivedName('web server (prod)', 'ec2', 'abc'), 'web-server-prod-');
  assert.equal(derivedName('--x', 'ec2', 'abc'), 'x');
  assert.equal(derivedName('   ', 'vol', 'abc'), 'vol-abc');
  assert.equal(derivedName(undefined, 'snap', '0123456789'), 'snap-0123456789');
  assert.equal(derivedName('a'.repeat(300), 'ec2', 'x').length, 128);
});
