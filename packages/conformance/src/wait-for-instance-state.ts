import { AssertionError } from 'node:assert/strict';
import type { CloudDriver, NativeInstance } from '@skyport/core';
import { INSTANCE_STATES, canTransition, isTransitional, type InstanceState } from '@skyport/model';
import { defaultPollMs, poll } from './poll.js';

export interface WaitForInstanceStateOptions {
  /** The state before the wait (e.g. the state returned by create), checked against the first observation. */
  readonly from?: InstanceState;
  readonly pollMs?: number;
  /**
   * Stable states that end the wait with a failure instead of a timeout. Defaults to `error`
   * and `terminated` (unless they are targets).
   */
  readonly failOn?: readonly InstanceState[];
  /** Called with every observation, e.g. to collect the path for an assertion. */
  readonly onObserve?: (instance: NativeInstance | undefined) => void;
}

/**
 * Polls `getInstance` until the instance is in one of `states` and returns it. Returns
 * `undefined` when the instance disappeared and `terminated` is a target (the provider forgot
 * it). Every observed change must be one the model's state machine allows, and every record
 * must carry a non-empty `rawState`; otherwise it throws an AssertionError. Throws SkyportError
 * `Timeout` after `timeoutMs`.
 */
export async function waitForInstanceState(
  driver: CloudDriver,
  id: string,
  states: readonly InstanceState[],
  timeoutMs: number,
  options: WaitForInstanceStateOptions = {},
): Promise<NativeInstance | undefined> {
  const failOn = options.failOn ?? (['error', 'terminated'] as const).filter((s) => !states.includes(s));
  const seen: string[] = [];
  let previous = options.from;
  const gone = Symbol('gone');
  const result = await poll<NativeInstance | typeof gone>(
    `instance ${id} reaching ${states.join(' or ')}`,
    timeoutMs,
    options.pollMs ?? defaultPollMs(timeoutMs),
    async () => {
      const instance = await driver.getInstance(id);
      options.onObserve?.(instance);
      if (instance === undefined) {
        if (states.includes('terminated')) return gone;
        throw new AssertionError({ message: `instance ${id} disappeared while waiting for ${states.join(' or ')}; seen: ${seen.join(' -> ')}` });
      }
      checkRecord(instance);
      if (seen.at(-1) !== `${instance.state}(${instance.rawState})`) seen.push(`${instance.state}(${instance.rawState})`);
      if (previous !== undefined && !isPlausibleChange(previous, instance.state)) {
        throw new AssertionError({
          message: `instance ${id} went from ${previous} to ${instance.state}, which the state machine does not allow; seen: ${seen.join(' -> ')}`,
        });
      }
      previous = instance.state;
      if (states.includes(instance.state)) return instance;
      if (failOn.includes(instance.state)) {
        throw new AssertionError({
          message: `instance ${id} ended in ${instance.state} (${instance.rawState}${instance.stateReason === undefined ? '' : `: ${instance.stateReason}`}) while waiting for ${states.join(' or ')}`,
        });
      }
      return undefined;
    },
    () => seen.join(' -> ') || 'nothing',
  );
  return result === gone ? undefined : result;
}

/**
 * A change between two observations is plausible when the machine allows it directly, or via
 * one transitional state that polling can miss (stopped -> [pending] -> running on a fast
 * provider). Stable states are never skipped silently.
 */
export function isPlausibleChange(from: InstanceState, to: InstanceState): boolean {
  if (canTransition(from, to)) return true;
  return INSTANCE_STATES.some((mid) => isTransitional(mid) && canTransition(from, mid) && canTransition(mid, to));
}

function checkRecord(instance: NativeInstance): void {
  if (typeof instance.rawState !== 'string' || instance.rawState.trim() === '') {
    throw new AssertionError({ message: `instance ${instance.nativeId} has an empty rawState (state ${instance.state})` });
  }
  if (!(INSTANCE_STATES as readonly string[]).includes(instance.state)) {
    throw new AssertionError({ message: `instance ${instance.nativeId} has state ${String(instance.state)}, not one of ${INSTANCE_STATES.join(', ')}` });
  }
}
