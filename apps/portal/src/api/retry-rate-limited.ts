import { SkyportError } from '@skyport/model';

/**
 * Runs `request`, waiting and trying again while the broker answers `429 RateLimited` (its
 * `Retry-After` says how long). A bulk action on hundreds of rows can outrun the per-token
 * limit; it should slow down, not report half the rows as failed.
 */
export async function retryRateLimited<T>(request: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (!(error instanceof SkyportError) || error.code !== 'RateLimited' || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs ?? 1000));
    }
  }
}
