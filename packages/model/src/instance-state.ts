/**
 * The one normalized instance state machine. Every driver maps its provider's states onto
 * these; the raw provider state is kept beside it. Transitional states never collapse into
 * stable ones: a stopping VM is `stopping`, not `running` and not `stopped`.
 */
export const INSTANCE_STATES = [
  'pending',
  'running',
  'stopping',
  'stopped',
  'rebooting',
  'shutting-down',
  'terminated',
  'error',
  'unknown',
] as const;

export type InstanceState = (typeof INSTANCE_STATES)[number];

export type InstanceAction = 'start' | 'stop' | 'reboot' | 'destroy';
export const INSTANCE_ACTIONS: readonly InstanceAction[] = ['start', 'stop', 'reboot', 'destroy'];

export interface InstanceStateInfo {
  readonly state: InstanceState;
  /** A transitional state always moves on by itself; callers wait for a stable one. */
  readonly transitional: boolean;
  readonly description: string;
  /** States the machine may move to from here. */
  readonly next: readonly InstanceState[];
  /** User actions accepted in this state. */
  readonly actions: readonly InstanceAction[];
}

const table: Record<InstanceState, Omit<InstanceStateInfo, 'state'>> = {
  pending: {
    transitional: true,
    description: 'Being created or starting; not yet running.',
    next: ['running', 'stopped', 'error', 'shutting-down', 'terminated'],
    actions: ['destroy'],
  },
  running: {
    transitional: false,
    description: 'Powered on.',
    next: ['stopping', 'rebooting', 'shutting-down', 'error', 'stopped', 'terminated'],
    actions: ['stop', 'reboot', 'destroy'],
  },
  stopping: {
    transitional: true,
    description: 'Shutting down; will be stopped.',
    next: ['stopped', 'shutting-down', 'error', 'terminated'],
    actions: ['destroy'],
  },
  stopped: {
    transitional: false,
    description: 'Powered off; disks kept (unless the driver says stop deletes).',
    next: ['pending', 'shutting-down', 'error', 'terminated'],
    actions: ['start', 'destroy'],
  },
  rebooting: {
    transitional: true,
    description: 'Restarting; will be running.',
    next: ['running', 'shutting-down', 'error', 'stopped', 'terminated'],
    actions: ['destroy'],
  },
  'shutting-down': {
    transitional: true,
    description: 'Being destroyed; will be terminated.',
    next: ['terminated', 'error'],
    actions: [],
  },
  terminated: {
    transitional: false,
    description: 'Destroyed. Kept in the inventory for a while, then forgotten.',
    next: [],
    actions: [],
  },
  error: {
    transitional: false,
    description: 'The provider reports a failure; see the raw state and reason.',
    next: ['pending', 'running', 'stopped', 'shutting-down', 'terminated'],
    actions: ['start', 'stop', 'destroy'],
  },
  unknown: {
    transitional: false,
    description: 'The provider returned a state the driver does not know, or the provider is unreachable.',
    next: [...INSTANCE_STATES.filter((s) => s !== 'unknown')],
    actions: ['destroy'],
  },
};

export const INSTANCE_STATE_MACHINE: readonly InstanceStateInfo[] = INSTANCE_STATES.map((state) => ({
  state,
  ...table[state],
}));

export function isInstanceState(value: unknown): value is InstanceState {
  return typeof value === 'string' && (INSTANCE_STATES as readonly string[]).includes(value);
}

export function stateInfo(state: InstanceState): InstanceStateInfo {
  return { state, ...table[state] };
}

export function isTransitional(state: InstanceState): boolean {
  return table[state].transitional;
}

export function canTransition(from: InstanceState, to: InstanceState): boolean {
  return from === to || table[from].next.includes(to);
}

/** The states from which a user action is accepted. */
export function statesAllowing(action: InstanceAction): InstanceState[] {
  return INSTANCE_STATES.filter((s) => table[s].actions.includes(action));
}

export function allowsAction(state: InstanceState, action: InstanceAction): boolean {
  return table[state].actions.includes(action);
}

/** The stable state an action leads to (what `wait` waits for by default). */
export const ACTION_TARGET_STATE: Readonly<Record<InstanceAction, InstanceState>> = {
  start: 'running',
  stop: 'stopped',
  reboot: 'running',
  destroy: 'terminated',
};
