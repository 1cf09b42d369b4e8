/** Decides, per API call, whether the simulated provider misbehaves, and how. */
import { SkyportError } from '@skyport/model';
import { seededRandom, type Random } from './seeded-random.js';
import type { SimFaultSettings } from './sim-settings.js';

export type Fault = 'error' | 'throttle' | 'timeout';

export class FaultInjector {
  readonly #random: Random;

  constructor(private readonly settings: SimFaultSettings) {
    this.#random = seededRandom(settings.seed);
  }

  /**
   * One draw per call, in call order, so a seeded run repeats exactly. The rates partition
   * [0, 1): errors first, then throttling, then timeouts.
   */
  draw(): Fault | undefined {
    const { errorRate, throttleRate, timeoutRate } = this.settings;
    if (errorRate + throttleRate + timeoutRate === 0) return undefined;
    const r = this.#random();
    if (r < errorRate) return 'error';
    if (r < errorRate + throttleRate) return 'throttle';
    if (r < errorRate + throttleRate + timeoutRate) return 'timeout';
    return undefined;
  }

  /** How long a timed-out call hangs before the caller gives up. */
  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  errorFor(fault: Fault, operation: string, requestId: string): SkyportError {
    const details = { operation, injected: true };
    switch (fault) {
      case 'error':
        return new SkyportError('ProviderUnavailable', `the sim provider failed ${operation} with an internal error (injected fault); retry later`, {
          providerCode: 'InternalError',
          requestId,
          details,
        });
      case 'throttle':
        return new SkyportError('Throttled', `the sim provider throttled ${operation} (injected fault); retry after ${this.settings.retryAfterMs} ms`, {
          providerCode: 'RequestLimitExceeded',
          requestId,
          retryAfterMs: this.settings.retryAfterMs,
          details,
        });
      case 'timeout':
        return new SkyportError('Timeout', `the sim provider did not answer ${operation} within ${this.settings.timeoutMs} ms (injected fault)`, {
          providerCode: 'RequestTimeout',
          requestId,
          details: { ...details, timeoutMs: this.settings.timeoutMs },
        });
    }
  }
}
