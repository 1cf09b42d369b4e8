/**
 * Reading a VM's stored step history back into the state of each step. This is what makes a
 * restarted broker resume instead of repeating, and what the replay test pins down: a history
 * written by an older broker must still read the same way, or the VM stops with a clear error
 * rather than doing a step twice.
 */
import { SkyportError, type MigrationStepId } from '@skyport/model';
import type { MigrationStepRecord } from '../ports/index.js';
import type { StepId } from './step-types.js';

export interface StepState {
  /** Completed and not undone since. */
  readonly done: boolean;
  /** The output of the last completion. */
  readonly output: Readonly<Record<string, unknown>> | undefined;
  /** Checkpoints of runs since the last completion (or undo), merged in order. */
  readonly partial: Readonly<Record<string, unknown>>;
  /** Started (or completed) and not undone since: a compensation has something to undo. */
  readonly touched: boolean;
}

const EMPTY: StepState = { done: false, output: undefined, partial: {}, touched: false };

/** The state of each step from the entries of one attempt, oldest first. */
export function replay(entries: readonly MigrationStepRecord[]): Map<StepId, StepState> {
  const states = new Map<StepId, StepState>();
  for (const entry of entries) {
    const id = entry.step as StepId;
    const s = states.get(id) ?? EMPTY;
    if (entry.kind === 'compensation') {
      if (entry.event === 'completed') states.set(id, EMPTY);
      continue;
    }
    switch (entry.event) {
      case 'started':
        states.set(id, { ...s, touched: true });
        break;
      case 'checkpoint':
        states.set(id, { ...s, touched: true, partial: { ...s.partial, ...(entry.output ?? {}) } });
        break;
      case 'completed':
        states.set(id, { done: true, output: entry.output ?? {}, partial: {}, touched: true });
        break;
      case 'failed':
      case 'skipped':
        break;
    }
  }
  return states;
}

/** Why a stored history cannot be resumed by this code: the run was started by another version. */
export function historyMismatch(vmId: string, reason: string, details: Record<string, unknown>): SkyportError {
  return new SkyportError(
    'Internal',
    `the step history of migration VM ${vmId} does not fit this broker's steps: ${reason}. ` +
      'It was written by a broker whose steps differ (renamed, removed or reordered); resume it with that version, or roll it back.',
    { retryable: false, details: { vmId, reason: 'history-mismatch', ...details } },
  );
}

/**
 * Checks a history against the code's steps: every step it names must exist, and the steps
 * it has done must be the first ones in the code's order (completions happen in order, undos
 * in reverse, so any other shape means the steps changed under a run in flight).
 */
export function checkHistory(vmId: string, entries: readonly MigrationStepRecord[], known: ReadonlySet<string>, order: readonly MigrationStepId[]): Map<StepId, StepState> {
  for (const entry of entries) {
    if (!known.has(entry.step)) throw historyMismatch(vmId, `entry ${entry.seq} names step "${entry.step}", which this broker does not have`, { seq: entry.seq, step: entry.step });
  }
  const states = replay(entries);
  const done = order.map((id) => states.get(id)?.done === true);
  const firstOpen = done.indexOf(false);
  if (firstOpen !== -1) {
    const later = order.slice(firstOpen + 1).find((_, i) => done[firstOpen + 1 + i]);
    if (later !== undefined) {
      throw historyMismatch(vmId, `step "${later}" is done but "${order[firstOpen]}", which comes before it, is not`, { step: later, missing: order[firstOpen] });
    }
  }
  return states;
}
