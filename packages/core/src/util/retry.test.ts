import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkyportError } from '@skyport/model';
import { withRetry } from './retry.js';
import type { Clock } from '../ports/index.js';

function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, now: () => new Date(), sleep: async (ms) => void waits.push(ms) };
}

test('retries retryable errors and honours the provider Retry-After', async () => {
  const clock = recordingClock();
  let calls = 0;
  const result = await withRetry(
    async () => {
      calls++;
      if (calls === 1) throw new SkyportError('Throttled', 'slow down', { retryAfterMs: 700 });
      if (calls === 2) throw new SkyportError('ProviderUnavailable', '503');
      return 'ok';
    },
    { attempts: 5, baseDelayMs: 10, maxDelayMs: 100, clock },
  );
  assert.equal(result, 'ok');
  assert.equal(calls, 3);
  assert.ok(clock.waits[0]! >= 700, `waited ${clock.waits[0]} ms, provider asked for 700`);
  assert.ok(clock.waits[1]! <= 100);
});

test('does not retry errors that a retry cannot fix', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw new SkyportError('NotFound', 'gone');
    }, { attempts: 5, baseDelayMs: 1, maxDelayMs: 1, clock: recordingClock() }),
    { code: 'NotFound' },
  );
  assert.equal(calls, 1);
});

test('gives up after the last attempt with the last error', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw new SkyportError('ProviderUnavailable', `failure ${calls}`);
    }, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, clock: recordingClock() }),
    { code: 'ProviderUnavailable', message: 'failure 3' },
  );
});

test('wraps foreign errors as Internal without retrying', async () => {
  await assert.rejects(withRetry(async () => { throw new TypeError('boom'); }, { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, clock: recordingClock() }), { code: 'Internal', message: 'boom' });
});
