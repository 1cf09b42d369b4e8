/** Plans an instance action on its timeline, enforcing the model's state machine. */
import { allowsAction, canTransition, statesAllowing, type InstanceAction } from '@skyport/model';
import { ACTION_STEPS, normalizeInstanceState } from './raw-instance-state.js';
import { invalidState } from './sim-errors.js';
import { currentStep, nextStep, scheduleFrom, type Timeline } from './timeline.js';

export interface PlannedAction {
  readonly timeline: Timeline;
  /** When the action's final state begins. */
  readonly settlesAt: number;
  /** When the action's transitional state begins (later than now if it waits for another). */
  readonly startsAt: number;
}

/**
 * Validates `action` against the state at `now` and returns the new timeline. An action
 * accepted during a transition whose state cannot lead directly into the action's first step
 * (destroy while stopping: stopping -> shutting-down is not allowed) is queued until the
 * running transition settles, as a real hypervisor finishes the stop before deleting.
 */
export function planInstanceAction(id: string, timeline: Timeline, now: number, action: InstanceAction, durationMs: number): PlannedAction {
  const step = currentStep(timeline, now);
  const state = normalizeInstanceState(step[1]);
  // A destroy queued behind a transition must not be cancelled by a later start or stop.
  if (timeline.some(([at, raw]) => at > now && (raw === 'DELETING' || raw === 'DELETED'))) {
    throw invalidState(`cannot ${action} instance ${id}: it is ${state} (${step[1]}) and already queued for destruction`, {
      instanceId: id,
      action,
      state,
      rawState: step[1],
      allowedStates: [],
    });
  }
  if (!allowsAction(state, action)) {
    const allowed = statesAllowing(action);
    throw invalidState(
      `cannot ${action} instance ${id}: it is ${state} (${step[1]}); ${action} is allowed only when it is ${allowed.join(', ')}`,
      { instanceId: id, action, state, rawState: step[1], allowedStates: allowed },
    );
  }
  const [transit, settled] = ACTION_STEPS[action];
  let startsAt = now;
  const pending = nextStep(timeline, now);
  // The settled state in between stays visible for a while (a queued task on a real hypervisor),
  // so pollers can see the legal path stopping -> stopped -> shutting-down.
  if (!canTransition(state, normalizeInstanceState(transit)) && pending !== undefined) startsAt = pending[0] + Math.max(1, Math.round(durationMs / 4));
  const planned = scheduleFrom(timeline, startsAt, [
    { state: transit, durationMs },
    { state: settled, durationMs: 0 },
  ]);
  return { timeline: planned, startsAt, settlesAt: planned[planned.length - 1]![0] };
}
