/**
 * OpenStack's JSON records (the fields the driver reads) and their mapping onto the model.
 * Field names follow the api-ref of each service.
 */
import type { NativeHardwareProfile, NativeImage, NativeSecurityGroup, NativeSnapshot, NativeVolume } from '@skyport/core';
import type { ImageState, InstanceAddress, InstanceState, SecurityGroupRule, SnapshotState, Tags, VolumeState } from '@skyport/model';

export interface NovaFlavor {
  readonly id: string;
  readonly name: string;
  readonly vcpus: number;
  readonly ram: number;
  readonly disk: number;
  readonly extra_specs?: Readonly<Record<string, string>>;
  readonly 'OS-FLV-DISABLED:disabled'?: boolean;
}

export interface NovaServer {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly 'OS-EXT-STS:task_state'?: string | null;
  readonly 'OS-EXT-STS:vm_state'?: string | null;
  readonly 'OS-EXT-AZ:availability_zone'?: string;
  /** Microversion 2.47+: the flavor's values, and its name; no id. */
  readonly flavor: { readonly id?: string; readonly original_name?: string; readonly vcpus?: number; readonly ram?: number; readonly disk?: number };
  /** `""` for servers booted from a volume. */
  readonly image: { readonly id?: string } | string;
  readonly key_name?: string | null;
  readonly addresses?: Readonly<Record<string, readonly { readonly addr: string; readonly 'OS-EXT-IPS:type'?: string }[]>>;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly security_groups?: readonly { readonly name: string }[];
  readonly created: string;
  readonly fault?: { readonly message?: string };
}

export interface NovaKeyPair {
  readonly name: string;
  readonly fingerprint: string;
  readonly public_key?: string;
  readonly private_key?: string;
  readonly created_at?: string;
}

export interface GlanceImage {
  readonly id: string;
  readonly name: string | null;
  readonly status: string;
  readonly visibility?: string;
  readonly size?: number | null;
  readonly virtual_size?: number | null;
  readonly min_disk?: number;
  readonly disk_format?: string | null;
  readonly tags?: readonly string[];
  readonly created_at?: string;
  readonly architecture?: string;
  readonly os_distro?: string;
  readonly description?: string;
}

export interface CinderVolume {
  readonly id: string;
  readonly name: string | null;
  readonly size: number;
  readonly status: string;
  readonly availability_zone?: string;
  readonly snapshot_id?: string | null;
  readonly attachments?: readonly { readonly server_id: string; readonly device?: string }[];
  readonly metadata?: Readonly<Record<string, string>>;
  readonly created_at: string;
}

export interface CinderSnapshot {
  readonly id: string;
  readonly name: string | null;
  readonly volume_id: string;
  readonly size: number;
  readonly status: string;
  readonly 'os-extended-snapshot-attributes:progress'?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly created_at: string;
}

export interface NeutronRule {
  readonly id: string;
  readonly direction: 'ingress' | 'egress';
  readonly ethertype: 'IPv4' | 'IPv6';
  readonly protocol: string | null;
  readonly port_range_min: number | null;
  readonly port_range_max: number | null;
  readonly remote_ip_prefix: string | null;
  readonly remote_group_id?: string | null;
}

export interface NeutronSecurityGroup {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly security_group_rules?: readonly NeutronRule[];
  readonly tags?: readonly string[];
  readonly created_at?: string;
}

const GiB = 1024 ** 3;

/** Nova and Cinder write times without a zone (`2018-11-29T06:50:07.770785`); they are UTC. */
export function isoTime(value: string): string {
  const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const parsed = Date.parse(zoned);
  return Number.isNaN(parsed) ? value : new Date(parsed).toISOString();
}

/** Flavors are fixed sizes. A flavor with disk 0 boots from the image's size (or a volume): shown as 1 GiB. */
export function flavorToProfile(f: NovaFlavor): NativeHardwareProfile {
  const arch = f.extra_specs?.['capabilities:cpu_info:arch'] ?? f.extra_specs?.['hw:architecture'];
  return {
    nativeId: f.id,
    name: f.name,
    architecture: arch === 'aarch64' ? 'aarch64' : 'x86_64',
    cpus: { kind: 'fixed', value: f.vcpus },
    memoryMiB: { kind: 'fixed', value: f.ram },
    diskGiB: { kind: 'fixed', value: Math.max(1, f.disk) },
  };
}

/**
 * Nova's status plus task state onto the model. The task state wins while it runs, so a
 * server being stopped is `stopping` even though its status still says ACTIVE.
 * https://docs.openstack.org/nova/latest/reference/vm-states.html
 */
export function serverState(status: string, taskState: string | null | undefined): InstanceState {
  const task = taskState ?? '';
  if (status === 'DELETED' || status === 'SOFT_DELETED') return 'terminated';
  if (task === 'deleting' || task === 'soft-deleting') return 'shutting-down';
  if (status === 'ERROR') return 'error';
  if (task === 'powering-off' || task === 'shelving' || task === 'suspending' || task === 'pausing') return 'stopping';
  if (task === 'powering-on' || task === 'resuming' || task === 'unpausing' || task === 'unshelving' || task === 'spawning' || task === 'scheduling') return 'pending';
  if (task.startsWith('reboot')) return 'rebooting';
  switch (status) {
    case 'BUILD':
      return 'pending';
    case 'ACTIVE':
    case 'RESIZE':
    case 'VERIFY_RESIZE':
    case 'REVERT_RESIZE':
    case 'MIGRATING':
    case 'PASSWORD':
    case 'RESCUE':
      return 'running';
    case 'REBUILD':
      return 'pending';
    case 'REBOOT':
    case 'HARD_REBOOT':
      return 'rebooting';
    case 'SHUTOFF':
    case 'PAUSED':
    case 'SUSPENDED':
    case 'SHELVED':
    case 'SHELVED_OFFLOADED':
      return 'stopped';
    default:
      return 'unknown';
  }
}

export function rawServerState(s: Pick<NovaServer, 'status' | 'OS-EXT-STS:task_state'>): string {
  const task = s['OS-EXT-STS:task_state'];
  return task ? `${s.status}(${task})` : s.status;
}

export function serverAddresses(s: NovaServer): InstanceAddress[] {
  const out: InstanceAddress[] = [];
  for (const list of Object.values(s.addresses ?? {})) {
    for (const a of list) out.push({ kind: a['OS-EXT-IPS:type'] === 'floating' ? 'public' : 'private', address: a.addr });
  }
  return out;
}

/** Glance and Neutron tag lists are plain strings: `key=value` carries a Skyport tag. */
export function tagsFromList(list: readonly string[] | undefined): Tags {
  const tags: Record<string, string> = {};
  for (const tag of list ?? []) {
    const eq = tag.indexOf('=');
    if (eq < 0) tags[tag] = '';
    else tags[tag.slice(0, eq)] = tag.slice(eq + 1);
  }
  return tags;
}

export function tagToString(key: string, value: string): string {
  return `${key}=${value}`;
}

export function imageState(status: string): ImageState {
  switch (status) {
    case 'active':
      return 'available';
    case 'killed':
    case 'deactivated':
      return 'failed';
    case 'deleted':
    case 'pending_delete':
      return 'deleted';
    default:
      return 'pending';
  }
}

export function glanceToImage(i: GlanceImage): NativeImage {
  const virtual = i.virtual_size ?? undefined;
  const sizeGiB = virtual !== undefined && virtual > 0 ? Math.ceil(virtual / GiB) : i.min_disk !== undefined && i.min_disk > 0 ? i.min_disk : undefined;
  return {
    nativeId: i.id,
    name: i.name ?? i.id,
    ...(i.description === undefined ? {} : { description: i.description }),
    architecture: i.architecture === 'aarch64' ? 'aarch64' : 'x86_64',
    ...(i.os_distro === undefined ? {} : { os: i.os_distro }),
    state: imageState(i.status),
    ...(sizeGiB === undefined ? {} : { sizeGiB }),
    public: i.visibility === 'public' || i.visibility === 'community',
    tags: tagsFromList(i.tags),
    ...(i.created_at === undefined ? {} : { createdAt: i.created_at }),
  };
}

export function volumeState(v: CinderVolume): VolumeState {
  switch (v.status) {
    case 'creating':
    case 'available':
    case 'attaching':
    case 'in-use':
    case 'detaching':
    case 'deleting':
    case 'error':
      return v.status;
    case 'reserved':
      return 'attaching';
    case 'deleted':
      return 'deleted';
    default:
      if (v.status.startsWith('error')) return 'error';
      // backing-up, uploading, extending...: the volume is usable as before.
      return (v.attachments ?? []).length > 0 ? 'in-use' : 'available';
  }
}

export function cinderToVolume(v: CinderVolume): NativeVolume {
  const attachment = v.attachments?.[0];
  return {
    nativeId: v.id,
    name: v.name ?? v.id,
    sizeGiB: v.size,
    state: volumeState(v),
    ...(v.availability_zone === undefined ? {} : { locationId: v.availability_zone }),
    ...(v.snapshot_id ? { snapshotId: v.snapshot_id } : {}),
    ...(attachment === undefined ? {} : { attachment: { instanceId: attachment.server_id, device: attachment.device ?? '' } }),
    tags: { ...v.metadata },
    createdAt: isoTime(v.created_at),
  };
}

export function snapshotState(status: string): SnapshotState {
  if (status === 'available') return 'completed';
  if (status === 'creating') return 'pending';
  if (status === 'deleting' || status === 'deleted') return 'deleted';
  if (status.startsWith('error')) return 'error';
  return 'pending';
}

export function cinderToSnapshot(s: CinderSnapshot): NativeSnapshot {
  const state = snapshotState(s.status);
  const reported = Number.parseInt(s['os-extended-snapshot-attributes:progress'] ?? '', 10);
  const progress = state === 'completed' ? 100 : Number.isNaN(reported) ? 0 : Math.min(100, Math.max(0, reported));
  return { nativeId: s.id, name: s.name ?? s.id, volumeId: s.volume_id, sizeGiB: s.size, state, progress, tags: { ...s.metadata }, createdAt: isoTime(s.created_at) };
}

/**
 * A Neutron rule in the model's terms; undefined for what the model cannot say (rules naming a
 * remote group, protocols other than tcp/udp/icmp/any).
 */
export function neutronRule(r: NeutronRule): SecurityGroupRule | undefined {
  if (r.remote_group_id) return undefined;
  const cidr = (r.remote_ip_prefix ?? (r.ethertype === 'IPv6' ? '::/0' : '0.0.0.0/0')).toLowerCase();
  switch (r.protocol) {
    case null:
    case 'any':
      return { protocol: '-1', cidr };
    case 'tcp':
    case 'udp':
      return { protocol: r.protocol, fromPort: r.port_range_min ?? 0, toPort: r.port_range_max ?? 65535, cidr };
    case 'icmp':
    case 'ipv6-icmp':
    case 'icmpv6':
      return { protocol: 'icmp', ...(r.port_range_min === null ? {} : { fromPort: r.port_range_min }), ...(r.port_range_max === null ? {} : { toPort: r.port_range_max }), cidr };
    default:
      return undefined;
  }
}

export function neutronToSecurityGroup(g: NeutronSecurityGroup): NativeSecurityGroup {
  const rules = (direction: 'ingress' | 'egress') =>
    (g.security_group_rules ?? []).filter((r) => r.direction === direction).map(neutronRule).filter((r): r is SecurityGroupRule => r !== undefined);
  return {
    nativeId: g.id,
    name: g.name,
    description: g.description,
    ingress: rules('ingress'),
    egress: rules('egress'),
    tags: tagsFromList(g.tags),
    createdAt: g.created_at ?? new Date(0).toISOString(),
  };
}

/** The model's rule as Neutron's request body. */
export function ruleToNeutron(groupId: string, direction: 'ingress' | 'egress', rule: SecurityGroupRule): Record<string, unknown> {
  const ipv6 = rule.cidr.includes(':');
  const base = { security_group_id: groupId, direction, ethertype: ipv6 ? 'IPv6' : 'IPv4', remote_ip_prefix: rule.cidr };
  switch (rule.protocol) {
    case '-1':
      return base;
    case 'icmp':
      return { ...base, protocol: ipv6 ? 'ipv6-icmp' : 'icmp', ...(rule.fromPort === undefined || rule.fromPort < 0 ? {} : { port_range_min: rule.fromPort }), ...(rule.toPort === undefined || rule.toPort < 0 ? {} : { port_range_max: rule.toPort }) };
    default:
      return { ...base, protocol: rule.protocol, port_range_min: rule.fromPort, port_range_max: rule.toPort };
  }
}
