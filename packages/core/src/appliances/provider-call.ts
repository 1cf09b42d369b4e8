/**
 * A provider call inside an appliance operation, retried like the other handlers' calls:
 * throttling always, other retryable errors only when repeating cannot duplicate anything.
 */
import { SkyportError } from '@skyport/model';
import type { StepContext } from '../operations/handlers.js';
import { withRetry } from '../util/retry.js';

export function providerCall<T>(step: StepContext, fn: () => Promise<T>, safeToRepeat: boolean): Promise<T> {
  const { tuning, clock } = step.ctx;
  return withRetry(
    async () => {
      try {
        return await fn();
      } catch (error) {
        // An import that timed out may have created the image: surface it rather than import twice.
        if (!safeToRepeat && error instanceof SkyportError && error.code !== 'Throttled' && error.retryable) {
          throw new SkyportError(error.code, error.message, { ...error, retryable: false, cause: error });
        }
        throw error;
      }
    },
    {
      attempts: tuning.retryAttempts,
      baseDelayMs: tuning.retryBaseDelayMs,
      maxDelayMs: 30_000,
      clock,
      signal: step.signal,
      onRetry: (error, attempt, delayMs) =>
        void step.report(step.op.progress, `provider answered ${error.code}; retry ${attempt} in ${Math.round(delayMs)} ms`).catch(() => undefined),
    },
  );
}
