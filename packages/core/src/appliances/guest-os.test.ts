import { test } from 'node:test';
import assert from 'node:assert/strict';
import { osFamily, osSection } from './guest-os.js';

test('the OS family comes from the words first, the CIM number second', () => {
  assert.equal(osFamily({ id: 101, description: 'Linux 64-bit' }), 'linux');
  assert.equal(osFamily({ vendorType: 'ubuntu64Guest' }), 'linux');
  assert.equal(osFamily({ vendorType: 'windows9Server64Guest' }), 'windows');
  assert.equal(osFamily({ id: 1, description: 'Microsoft Windows Server 2016 (64-bit)' }), 'windows');
  assert.equal(osFamily({ id: 94 }), 'linux', 'Ubuntu 64-Bit by number alone');
  assert.equal(osFamily({ id: 112 }), 'windows', 'Windows Server 2012 by number alone');
  assert.equal(osFamily({ id: 1, description: 'Other' }), 'other');
  assert.equal(osFamily({}), 'other');
});

test('an exported descriptor names the family the way every reader understands', () => {
  assert.deepEqual(osSection('linux'), { id: 101, description: 'Linux 64-bit' });
  assert.equal(osFamily(osSection('windows')), 'windows');
  assert.deepEqual(osSection(undefined), { id: 1, description: 'Other' });
  assert.deepEqual(osSection('freebsd'), { id: 1, description: 'freebsd' });
});
