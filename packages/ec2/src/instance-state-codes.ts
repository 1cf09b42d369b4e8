/**
 * Skyport's instance states as EC2 shows them. EC2 has six states with fixed codes; the
 * CLI's waiters and many scripts compare names and codes, so every Skyport state lands on one
 * of them. https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html
 */
import type { InstanceState } from '@skyport/model';

export type Ec2InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export const EC2_STATE_CODES: Readonly<Record<Ec2InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

const EC2_STATE_OF: Readonly<Record<InstanceState, Ec2InstanceStateName>> = {
  pending: 'pending',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  // EC2 keeps a rebooting instance `running`; there is no state of its own.
  rebooting: 'running',
  'shutting-down': 'shutting-down',
  terminated: 'terminated',
  // No EC2 state means "failed": a failed instance is not running and can be started again,
  // which is what `stopped` says; the reason goes to StateReason.
  error: 'stopped',
  // Unknown is temporary (the provider could not be read): waiters keep waiting on `pending`.
  unknown: 'pending',
};

export function ec2StateName(state: InstanceState): Ec2InstanceStateName {
  return EC2_STATE_OF[state];
}

export function ec2State(state: InstanceState): { readonly code: number; readonly name: Ec2InstanceStateName } {
  const name = EC2_STATE_OF[state];
  return { code: EC2_STATE_CODES[name], name };
}

/** Skyport states shown as each EC2 state name, to push `instance-state-name` filters down. */
export function skyportStatesFor(name: string): InstanceState[] {
  return (Object.keys(EC2_STATE_OF) as InstanceState[]).filter((s) => EC2_STATE_OF[s] === name);
}
