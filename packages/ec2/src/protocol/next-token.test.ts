import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ec2Error } from './ec2-error.js';
import { decodeNextToken, encodeNextToken, queryKey } from './next-token.js';

test('a token round-trips for the same query and is refused for another or when tampered', () => {
  const key = queryKey(['DescribeInstances', [{ name: 'tag:env', values: ['prod'] }]]);
  const token = encodeNextToken({ cursor: 'abc' }, key);
  assert.deepEqual(decodeNextToken(token, key), { cursor: 'abc' });
  assert.equal(decodeNextToken(undefined, key), undefined);
  const other = queryKey(['DescribeInstances', []]);
  const isCode = (e: unknown) => e instanceof Ec2Error && e.code === 'InvalidPaginationToken';
  assert.throws(() => decodeNextToken(token, other), (e: unknown) => isCode(e) && /other filters/.test((e as Error).message));
  assert.throws(() => decodeNextToken('not a token', key), isCode);
  assert.throws(() => decodeNextToken(encodeNextToken({ offset: -1 }, key), key), isCode);
});
