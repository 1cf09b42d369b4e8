import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from './keyed-mutex.js';

test('work on one key runs one at a time, in order, even when some fails', async () => {
  const mutex = new KeyedMutex();
  const log: string[] = [];
  const step = (name: string, ms: number, fail = false) =>
    mutex.run('p1', async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
  const results = await Promise.allSettled([step('a', 20), step('b', 5, true), step('c', 1)]);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
});

test('different keys do not wait for each other', async () => {
  const mutex = new KeyedMutex();
  const log: string[] = [];
  let release!: () => void;
  const blocked = mutex.run('p1', () => new Promise<void>((r) => (release = r)));
  await mutex.run('p2', async () => void log.push('p2 ran'));
  assert.deepEqual(log, ['p2 ran']);
  release();
  await blocked;
});
