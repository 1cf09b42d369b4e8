import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactValues, filterPredicate, type FilterSpec } from './filters.js';

interface Item {
  readonly name: string;
  readonly groups: readonly string[];
  readonly tags: Record<string, string>;
}

const SPEC: FilterSpec<Item> = { fields: { name: (i) => i.name, group: (i) => i.groups }, tags: (i) => i.tags };
const items: Item[] = [
  { name: 'web-1', groups: ['sg-a'], tags: { env: 'prod', team: 'web' } },
  { name: 'web-2', groups: ['sg-a', 'sg-b'], tags: { env: 'dev' } },
  { name: 'db*1', groups: [], tags: {} },
];
const names = (filters: Parameters<typeof filterPredicate<Item>>[0]) => items.filter(filterPredicate(filters, SPEC)).map((i) => i.name);

test('values OR, filters AND, lists match any member', () => {
  assert.deepEqual(names([{ name: 'name', values: ['web-1', 'db*1'] }]), ['web-1', 'db*1']);
  assert.deepEqual(names([{ name: 'group', values: ['sg-b'] }]), ['web-2']);
  assert.deepEqual(names([{ name: 'group', values: ['sg-a'] }, { name: 'tag:env', values: ['prod'] }]), ['web-1']);
});

test('wildcards * and ?, escaped with a backslash', () => {
  assert.deepEqual(names([{ name: 'name', values: ['web-*'] }]), ['web-1', 'web-2']);
  assert.deepEqual(names([{ name: 'name', values: ['web-?'] }]), ['web-1', 'web-2']);
  assert.deepEqual(names([{ name: 'name', values: ['db\\*1'] }]), ['db*1']);
  assert.deepEqual(names([{ name: 'name', values: ['we'] }]), []);
  assert.equal(exactValues({ name: 'name', values: ['a', 'b*'] }), undefined);
  assert.deepEqual(exactValues({ name: 'name', values: ['a', 'b'] }), ['a', 'b']);
});

test('tag:<key>, tag-key and tag-value', () => {
  assert.deepEqual(names([{ name: 'tag-key', values: ['team'] }]), ['web-1']);
  assert.deepEqual(names([{ name: 'tag-value', values: ['d*'] }]), ['web-2']);
  assert.deepEqual(names([{ name: 'tag:env', values: ['*'] }]), ['web-1', 'web-2']);
});
