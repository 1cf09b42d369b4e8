import { SkyportError } from '@skyport/model';

export interface RateLimitOptions {
  /** Requests per second allowed on average. */
  readonly ratePerSecond: number;
  /** Requests allowed at once after a quiet period. */
  readonly burst: number;
  /** Buckets kept at most; the least recently used are dropped first. */
  readonly maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets per key (a credential, or an address before authentication), in memory:
 * each broker process limits what reaches it. Written by hand because it is twenty lines and
 * needs to key by the authenticated credential, which a generic plugin sees too late.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly options: RateLimitOptions) {}

  /** Takes one request from `key`'s bucket, or throws RateLimited with the wait. */
  take(key: string, what: string, now = Date.now()): void {
    const { ratePerSecond, burst } = this.options;
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now };
    this.#buckets.delete(key);
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > (this.options.maxKeys ?? 100_000)) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens < 1) {
      const retryAfterMs = Math.ceil(((1 - bucket.tokens) / ratePerSecond) * 1000);
      throw new SkyportError('RateLimited', `too many requests from ${what}: at most ${ratePerSecond}/s (bursts of ${burst}); retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
        retryAfterMs,
        details: { limitPerSecond: ratePerSecond, burst },
      });
    }
    bucket.tokens -= 1;
  }
}
