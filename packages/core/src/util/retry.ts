import { type SkyportError, toSkyportError } from '@skyport/model';
import type { Clock } from '../ports/index.js';

export interface RetryOptions {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Called before each wait, e.g. to tell the user the provider throttles. */
  readonly onRetry?: (error: SkyportError, attempt: number, delayMs: number) => void;
}

/**
 * Repeats a provider call while it fails with a retryable SkyportError (throttling, 5xx,
 * timeouts), with exponential backoff and jitter, honouring the provider's Retry-After.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (raw) {
      const error = toSkyportError(raw);
      if (!error.retryable || attempt >= options.attempts || options.signal?.aborted) throw error;
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.max(error.retryAfterMs ?? 0, backoff * (0.5 + Math.random() / 2));
      options.onRetry?.(error, attempt, delay);
      await options.clock.sleep(delay, options.signal);
    }
  }
}
