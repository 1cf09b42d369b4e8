/**
 * The sim speaks its own state dialect (OpenStack-flavoured, upper case), like any real cloud;
 * the driver maps it onto the model's states at its edge, so raw and normalized differ
 * visibly and the mapping is exercised.
 */
import type { InstanceAction, InstanceState } from '@skyport/model';

export const RAW_INSTANCE_STATE: Readonly<Record<string, InstanceState>> = {
  PROVISIONING: 'pending',
  STARTING: 'pending',
  ACTIVE: 'running',
  STOPPING: 'stopping',
  SHUTOFF: 'stopped',
  REBOOTING: 'rebooting',
  DELETING: 'shutting-down',
  DELETED: 'terminated',
  ERROR: 'error',
};

export function normalizeInstanceState(raw: string): InstanceState {
  return RAW_INSTANCE_STATE[raw] ?? 'unknown';
}

/** What each action (and creation) does in the sim's words: a transitional step, then where it settles. */
export const ACTION_STEPS: Readonly<Record<InstanceAction | 'create', readonly [transit: string, settled: string]>> = {
  create: ['PROVISIONING', 'ACTIVE'],
  start: ['STARTING', 'ACTIVE'],
  stop: ['STOPPING', 'SHUTOFF'],
  reboot: ['REBOOTING', 'ACTIVE'],
  destroy: ['DELETING', 'DELETED'],
};
