/**
 * The sim's API front door, where every call pays what a real cloud call pays: network
 * latency, authentication, the odd failure. It also gives every call a request id and stamps
 * it on every error, as providers do for support tickets.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkyportError, toSkyportError } from '@skyport/model';
import { FaultInjector } from './fault-injector.js';
import { jitter, seededRandom, type Random } from './seeded-random.js';
import type { SimSettings } from './sim-settings.js';

/** Latency varies ±50% around its mean, enough to reorder concurrent calls. */
const LATENCY_JITTER = 0.5;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class SimGateway {
  readonly #faults: FaultInjector;
  readonly #random: Random;
  readonly #closing = new AbortController();
  readonly #expectedKey: Buffer | undefined;
  readonly #presentedKey: Buffer | undefined;

  constructor(private readonly settings: SimSettings, apiKey: string | undefined) {
    this.#faults = new FaultInjector(settings.faults);
    // Its own stream, so latency draws never shift the (seeded) fault sequence.
    this.#random = seededRandom(settings.faults.seed === undefined ? undefined : settings.faults.seed + 1);
    this.#expectedKey = settings.requiredApiKey === undefined ? undefined : digest(settings.requiredApiKey);
    this.#presentedKey = apiKey === undefined ? undefined : digest(apiKey);
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  async call<T>(operation: string, run: () => T): Promise<T> {
    if (this.closed) throw new SkyportError('Internal', `${operation} was called on a closed sim driver`);
    const requestId = randomUUID();
    const fault = this.#faults.draw();
    await this.#wait(jitter(this.#random, this.settings.latencyMs, LATENCY_JITTER), operation, requestId);
    this.#authenticate(operation, requestId);
    if (fault === 'timeout') await this.#wait(this.#faults.timeoutMs, operation, requestId);
    if (fault !== undefined) throw this.#faults.errorFor(fault, operation, requestId);
    try {
      return run();
    } catch (error) {
      throw stampRequestId(error, requestId);
    }
  }

  /** Aborts calls still waiting on latency; later calls are refused. */
  close(): void {
    this.#closing.abort();
  }

  async #wait(ms: number, operation: string, requestId: string): Promise<void> {
    if (ms <= 0) return;
    try {
      await sleep(ms, undefined, { signal: this.#closing.signal });
    } catch {
      throw new SkyportError('ProviderUnavailable', `${operation} was cut off: the sim driver was closed while the call was in flight`, {
        providerCode: 'ConnectionClosed',
        requestId,
      });
    }
  }

  #authenticate(operation: string, requestId: string): void {
    if (this.#expectedKey === undefined) return;
    // Compared as digests in constant time: the length and content of the key never leak.
    if (this.#presentedKey !== undefined && timingSafeEqual(this.#presentedKey, this.#expectedKey)) return;
    throw new SkyportError(
      'Unauthenticated',
      this.#presentedKey === undefined ? `${operation} needs an apiKey; this sim requires one` : `the sim rejected the apiKey for ${operation}; check the provider's credentials`,
      { providerCode: 'AuthFailure', requestId },
    );
  }
}

/** SkyportError fields are read-only, so an error gains its request id by being rebuilt. */
function stampRequestId(error: unknown, requestId: string): SkyportError {
  const e = toSkyportError(error);
  return new SkyportError(e.code, e.message, {
    retryable: e.retryable,
    requestId,
    ...(e.providerCode === undefined ? {} : { providerCode: e.providerCode }),
    ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
    ...(e.details === undefined ? {} : { details: e.details }),
    cause: e.cause ?? e,
  });
}
