import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, sha256Hex } from './hash.js';

test('equal requests hash equally whatever their key order', () => {
  assert.equal(sha256Hex(canonicalJson({ b: 1, a: { y: [1, 2], x: null } })), sha256Hex(canonicalJson({ a: { x: null, y: [1, 2] }, b: 1 })));
  assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }));
});
