import { setTimeout as sleep } from 'node:timers/promises';
import { SkyportError } from '@skyport/model';

/**
 * Calls `probe` every `pollMs` until it returns something other than `undefined`, or throws
 * SkyportError `Timeout` naming `what` after `timeoutMs`. `describeLast` adds what was seen
 * last to the timeout message, which is what one needs to debug a stuck resource.
 */
export async function poll<T>(
  what: string,
  timeoutMs: number,
  pollMs: number,
  probe: () => Promise<T | undefined>,
  describeLast?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await probe();
    if (result !== undefined) return result;
    if (Date.now() >= deadline) {
      const last = describeLast === undefined ? '' : `; last seen: ${describeLast()}`;
      throw new SkyportError('Timeout', `${what} did not happen within ${timeoutMs} ms${last}`, { details: { timeoutMs } });
    }
    await sleep(pollMs);
  }
}

/** A poll interval that suits the time allowed: fine for fast fakes, gentle on real clouds. */
export function defaultPollMs(timeoutMs: number): number {
  return Math.min(2000, Math.max(5, Math.round(timeoutMs / 200)));
}
