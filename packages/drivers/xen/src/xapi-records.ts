/**
 * The fields of XAPI records the driver reads (a subset of the classes in the XenAPI
 * reference), and how they become Skyport records: VM power states and current operations
 * to the instance state machine, `key=value` XAPI tags to tags.
 */
import type { InstanceState, Tags } from '@skyport/model';

export type Ref = string;
/** XAPI `int`s arrive as JSON numbers or as digit strings. */
export type XapiInt = number | string;

export interface VmRecord {
  readonly uuid: string;
  readonly name_label: string;
  readonly name_description: string;
  readonly power_state: 'Halted' | 'Paused' | 'Running' | 'Suspended';
  readonly current_operations: Readonly<Record<string, string>>;
  readonly is_a_template: boolean;
  readonly is_default_template?: boolean;
  readonly is_a_snapshot: boolean;
  readonly is_control_domain: boolean;
  readonly VCPUs_max: XapiInt;
  readonly VCPUs_at_startup: XapiInt;
  readonly memory_static_max: XapiInt;
  readonly memory_static_min: XapiInt;
  readonly memory_dynamic_max: XapiInt;
  readonly memory_dynamic_min: XapiInt;
  readonly VBDs: readonly Ref[];
  readonly VIFs: readonly Ref[];
  readonly tags: readonly string[];
  readonly other_config: Readonly<Record<string, string>>;
  readonly guest_metrics?: Ref;
}

export interface VdiRecord {
  readonly uuid: string;
  readonly name_label: string;
  readonly name_description: string;
  readonly SR: Ref;
  readonly VBDs: readonly Ref[];
  readonly virtual_size: XapiInt;
  readonly type: string;
  readonly is_a_snapshot: boolean;
  readonly snapshot_of: Ref;
  readonly snapshot_time: string;
  readonly read_only: boolean;
  readonly tags: readonly string[];
  readonly other_config: Readonly<Record<string, string>>;
}

export interface VbdRecord {
  readonly uuid: string;
  readonly VM: Ref;
  readonly VDI: Ref;
  readonly device: string;
  readonly userdevice: string;
  readonly bootable: boolean;
  readonly type: 'CD' | 'Disk' | 'Floppy';
  readonly currently_attached: boolean;
}

export interface SrRecord {
  readonly uuid: string;
  readonly name_label: string;
  readonly content_type: string;
  readonly type: string;
}

export interface PoolRecord {
  readonly uuid: string;
  readonly name_label: string;
  readonly default_SR: Ref;
  readonly master: Ref;
}

export interface NetworkRecord {
  readonly uuid: string;
  readonly name_label: string;
}

export interface TaskRecord {
  readonly uuid: string;
  readonly status: 'pending' | 'success' | 'failure' | 'cancelling' | 'cancelled';
  readonly progress: number;
  readonly result: string;
  readonly error_info: readonly string[];
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export function int(value: XapiInt | undefined): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** Keys the driver keeps in `other_config` (XAPI has no fields for them). */
export const OC = {
  image: 'skyport-image',
  profile: 'skyport-profile',
  created: 'skyport-created',
  os: 'skyport-os',
  ownedDisks: 'skyport-owned-vdis',
  snapshot: 'skyport-snapshot',
} as const;

export function tagsOf(xapiTags: readonly string[]): Tags {
  const out: Record<string, string> = {};
  for (const tag of xapiTags) {
    const eq = tag.indexOf('=');
    if (eq < 0) out[tag] = '';
    else out[tag.slice(0, eq)] = tag.slice(eq + 1);
  }
  return out;
}

/** The XAPI tags to remove and add so that `current` gets `change`. */
export function tagChange(current: readonly string[], change: { readonly set?: Tags; readonly remove?: readonly string[] }): { remove: string[]; add: string[]; result: Tags } {
  const touched = new Set([...Object.keys(change.set ?? {}), ...(change.remove ?? [])]);
  const remove = current.filter((t) => touched.has(t.includes('=') ? t.slice(0, t.indexOf('=')) : t));
  const add = Object.entries(change.set ?? {}).map(([k, v]) => `${k}=${v}`);
  const kept = current.filter((t) => !remove.includes(t));
  return { remove: remove.filter((t) => !add.includes(t)), add: add.filter((t) => !kept.includes(t) && !current.includes(t)), result: tagsOf([...kept, ...add]) };
}

/**
 * One model state per power state, refined by the operation XAPI reports in progress; a start
 * the driver issued asynchronously counts as `pending` until its task ends.
 */
export function instanceState(vm: VmRecord, startInFlight: boolean): { state: InstanceState; raw: string } {
  const ops = Object.values(vm.current_operations);
  const raw = ops.length === 0 ? vm.power_state : `${vm.power_state} (${ops.join(', ')})`;
  if (ops.some((o) => o === 'destroy')) return { state: 'shutting-down', raw };
  if (ops.some((o) => o === 'clean_shutdown' || o === 'hard_shutdown' || o === 'shutdown' || o === 'suspend')) return { state: 'stopping', raw };
  if (ops.some((o) => o === 'clean_reboot' || o === 'hard_reboot')) return { state: 'rebooting', raw };
  if (ops.some((o) => o === 'start' || o === 'start_on' || o === 'resume' || o === 'unpause')) return { state: 'pending', raw };
  switch (vm.power_state) {
    case 'Running':
      return { state: 'running', raw };
    case 'Halted':
      return { state: startInFlight ? 'pending' : 'stopped', raw: startInFlight ? `${raw} (start requested)` : raw };
    case 'Suspended':
      return { state: 'stopped', raw };
    default:
      return { state: 'unknown', raw };
  }
}
