import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueryClient } from '@tanstack/react-query';
import { DebouncedInvalidator } from '../src/api/debounced-invalidator.js';

test('a burst of stale marks refetches each query once, after the burst', async () => {
  const queryClient = new QueryClient();
  const invalidated: string[] = [];
  queryClient.invalidateQueries = (async (filters?: { queryKey?: readonly unknown[] }) => {
    invalidated.push(JSON.stringify(filters?.queryKey));
  }) as QueryClient['invalidateQueries'];
  const later = new DebouncedInvalidator(queryClient, 30, 1000);
  for (let i = 0; i < 500; i++) later.add(['instances', 'list']);
  later.add(['volumes', 'list']);
  assert.deepEqual(invalidated, []);
  await sleep(80);
  assert.deepEqual(invalidated.sort(), ['["instances","list"]', '["volumes","list"]']);
});

test('a steady stream cannot postpone the refetch past the longest wait', async () => {
  const queryClient = new QueryClient();
  let calls = 0;
  queryClient.invalidateQueries = (async () => {
    calls += 1;
  }) as QueryClient['invalidateQueries'];
  const later = new DebouncedInvalidator(queryClient, 50, 120);
  const until = Date.now() + 300;
  while (Date.now() < until) {
    later.add(['instances', 'list']);
    await sleep(10);
  }
  later.dispose();
  assert.ok(calls >= 2, `refetched ${calls} times during 300 ms of events`);
});
