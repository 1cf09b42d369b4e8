import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACTION_TARGET_STATE,
  INSTANCE_ACTIONS,
  INSTANCE_STATE_MACHINE,
  INSTANCE_STATES,
  allowsAction,
  canTransition,
  isTransitional,
  statesAllowing,
} from './index.js';

test('every state is described once and only names known states as next', () => {
  assert.deepEqual(INSTANCE_STATE_MACHINE.map((s) => s.state), [...INSTANCE_STATES]);
  for (const info of INSTANCE_STATE_MACHINE) {
    for (const next of info.next) assert.ok(INSTANCE_STATES.includes(next), `${info.state} -> ${next}`);
  }
});

test('transitional states never count as stable ones', () => {
  assert.deepEqual(INSTANCE_STATES.filter(isTransitional), ['pending', 'stopping', 'rebooting', 'shutting-down']);
});

test('terminated is final', () => {
  for (const s of INSTANCE_STATES) assert.equal(canTransition('terminated', s), s === 'terminated');
});

test('actions are accepted only where they make sense', () => {
  assert.deepEqual(statesAllowing('start'), ['stopped', 'error']);
  assert.ok(allowsAction('running', 'stop'));
  assert.ok(!allowsAction('stopped', 'stop'));
  assert.ok(!allowsAction('pending', 'reboot'));
  for (const action of INSTANCE_ACTIONS) {
    // an action's target state must be reachable from every state that allows it (or be it)
    for (const from of statesAllowing(action)) {
      const target = ACTION_TARGET_STATE[action];
      const reachable = canTransition(from, target) || INSTANCE_STATE_MACHINE.find((i) => i.state === from)!.next.some((n) => canTransition(n, target));
      assert.ok(reachable, `${action} from ${from} cannot reach ${target}`);
    }
  }
});
