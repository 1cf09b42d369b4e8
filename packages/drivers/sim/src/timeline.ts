/**
 * A resource's state as a list of timed steps: `[[t0, 'PROVISIONING'], [t1, 'ACTIVE']]` means
 * provisioning from t0 and active from t1. The current state is the last step that has begun,
 * so nothing needs a timer: 100k instances cost nothing while idle, and a restart simply
 * continues where the clock is. Past steps are kept (bounded) because the console log is
 * written from them.
 */
export type Step = readonly [at: number, state: string, reason?: string];
export type Timeline = readonly Step[];

/** Enough history for a plausible console log; older steps fall off like a ring buffer. */
const MAX_STEPS = 24;

export function parseTimeline(json: string): Timeline {
  return JSON.parse(json) as Timeline;
}

/** The step in force at `now` (the first step if none has begun, which cannot happen for stored data). */
export function currentStep(timeline: Timeline, now: number): Step {
  let current = timeline[0]!;
  for (const step of timeline) {
    if (step[0] > now) break;
    current = step;
  }
  return current;
}

/** The first step that has not begun yet, if any. */
export function nextStep(timeline: Timeline, now: number): Step | undefined {
  return timeline.find((step) => step[0] > now);
}

/** When the timeline comes to rest (its last step begins). */
export function settlesAt(timeline: Timeline): number {
  return timeline[timeline.length - 1]![0];
}

/**
 * Replaces everything after `from` with `steps`, each lasting its duration; the last step has
 * no end. Returns the new timeline, trimmed to its recent history.
 */
export function scheduleFrom(timeline: Timeline, from: number, steps: readonly { state: string; durationMs: number; reason?: string }[]): Timeline {
  const kept = timeline.filter((step) => step[0] < from);
  let at = from;
  for (const { state, durationMs, reason } of steps) {
    kept.push(reason === undefined ? [at, state] : [at, state, reason]);
    at += durationMs;
  }
  return kept.slice(-MAX_STEPS);
}
