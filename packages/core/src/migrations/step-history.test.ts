import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIGRATION_STEPS, SkyportError } from '@skyport/model';
import type { MigrationStepRecord } from '../ports/index.js';
import { checkHistory, replay } from './step-history.js';

const KNOWN = new Set<string>([...MIGRATION_STEPS, 'finalize']);
let seq = 0;
const entry = (step: string, event: MigrationStepRecord['event'], output: Record<string, unknown> | null = null, kind: MigrationStepRecord['kind'] = 'action'): MigrationStepRecord => ({
  vmId: 'mvm-1',
  seq: ++seq,
  attempt: 1,
  step,
  kind,
  event,
  output,
  error: null,
  at: '2025-01-01T00:00:00.000Z',
});

test('checkpoints of an interrupted step merge into its partial state; completion replaces them with the output', () => {
  const states = replay([
    entry('preflight', 'started'),
    entry('preflight', 'completed', { target: 'x' }),
    entry('import', 'started'),
    entry('import', 'checkpoint', { attempted: true }),
    entry('import', 'started'),
    entry('import', 'checkpoint', { imageNativeId: 'img-1' }),
  ]);
  assert.deepEqual(states.get('preflight'), { done: true, output: { target: 'x' }, partial: {}, touched: true });
  assert.deepEqual(states.get('import'), { done: false, output: undefined, partial: { attempted: true, imageNativeId: 'img-1' }, touched: true });
});

test('a completed compensation undoes its step: not done, nothing left to undo, a re-run starts afresh', () => {
  const states = replay([
    entry('create-target', 'started'),
    entry('create-target', 'checkpoint', { attempted: true }),
    entry('create-target', 'completed', { instanceNativeId: 'srv-1' }),
    entry('create-target', 'started', null, 'compensation'),
    entry('create-target', 'completed', { destroyed: ['srv-1'] }, 'compensation'),
  ]);
  assert.deepEqual(states.get('create-target'), { done: false, output: undefined, partial: {}, touched: false });
});

test('a failed compensation leaves the step to undo again', () => {
  const states = replay([entry('import', 'completed', { imageNativeId: 'img-1' }), entry('import', 'started', null, 'compensation'), entry('import', 'failed', null, 'compensation')]);
  assert.equal(states.get('import')?.done, true);
  assert.equal(states.get('import')?.touched, true);
});

test('an unknown step or done steps out of order are history mismatches, naming the step', () => {
  const renamed = [entry('preflight', 'completed', {}), entry('stop-the-source', 'completed', {})];
  assert.throws(
    () => checkHistory('mvm-1', renamed, KNOWN, MIGRATION_STEPS),
    (error: unknown) => error instanceof SkyportError && error.details?.['reason'] === 'history-mismatch' && /"stop-the-source"/.test(error.message) && !error.retryable,
  );
  const gap = [entry('preflight', 'completed', {}), entry('export-disk', 'completed', {})];
  assert.throws(() => checkHistory('mvm-1', gap, KNOWN, MIGRATION_STEPS), /"export-disk" is done but "stop-source"/);
  const undoneInReverse = [
    entry('preflight', 'completed', {}),
    entry('stop-source', 'completed', {}),
    entry('export-disk', 'completed', {}),
    entry('export-disk', 'completed', {}, 'compensation'),
  ];
  assert.equal(checkHistory('mvm-1', undoneInReverse, KNOWN, MIGRATION_STEPS).get('stop-source')?.done, true);
});
