/**
 * EC2's structures as Skyport's native records. Pure functions: the driver fetches, these map.
 * EC2 resources other than images and security groups have no name; the `Name` tag is theirs
 * (as in the AWS console), and it is kept out of the tags so it is not shown twice.
 */
import type {
  Image as Ec2Image,
  Instance as Ec2Instance,
  InstanceTypeInfo,
  IpPermission,
  KeyPairInfo,
  SecurityGroup as Ec2SecurityGroup,
  Snapshot as Ec2Snapshot,
  Tag,
  Volume as Ec2Volume,
} from '@aws-sdk/client-ec2';
import type { NativeHardwareProfile, NativeImage, NativeInstance, NativeKeyPair, NativeSecurityGroup, NativeSnapshot, NativeVolume } from '@skyport/core';
import type { ImageState, InstanceState, SecurityGroupRule, SnapshotState, Tags, VolumeState } from '@skyport/model';

export const NAME_TAG = 'Name';

export function tagsOf(tags: readonly Tag[] | undefined, options: { readonly withoutName?: boolean } = {}): Tags {
  const result: Record<string, string> = {};
  for (const t of tags ?? []) {
    if (t.Key === undefined || (options.withoutName === true && t.Key === NAME_TAG)) continue;
    result[t.Key] = t.Value ?? '';
  }
  return result;
}

export function nameTagOf(tags: readonly Tag[] | undefined): string | undefined {
  const value = tags?.find((t) => t.Key === NAME_TAG)?.Value;
  return value === undefined || value === '' ? undefined : value;
}

export function toTagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function isoOf(date: Date | string | undefined): string | undefined {
  if (date === undefined) return undefined;
  const d = date instanceof Date ? date : new Date(date);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function architectureOf(raw: string | undefined): 'x86_64' | 'aarch64' | undefined {
  if (raw === 'x86_64') return 'x86_64';
  if (raw === 'arm64') return 'aarch64';
  return undefined;
}

export function ec2ArchitectureOf(architecture: 'x86_64' | 'aarch64'): 'x86_64' | 'arm64' {
  return architecture === 'aarch64' ? 'arm64' : 'x86_64';
}

// --- hardware profiles -------------------------------------------------------------------------

/** The largest EBS volume (gp2/gp3/io1/st1), which bounds a root disk. */
export const MAX_VOLUME_GIB = 16_384;

/**
 * An instance type as a profile. CPUs and memory are the type's own; the disk is the root EBS
 * volume, whose size the launch chooses (at least the image's).
 */
export function profileOf(type: InstanceTypeInfo, rootDiskGiB: number): NativeHardwareProfile | undefined {
  const name = type.InstanceType;
  const architectures = type.ProcessorInfo?.SupportedArchitectures ?? [];
  const architecture = architectures.includes('x86_64') ? 'x86_64' : architectures.includes('arm64') ? 'aarch64' : undefined;
  const cpus = type.VCpuInfo?.DefaultVCpus;
  const memoryMiB = type.MemoryInfo?.SizeInMiB;
  if (name === undefined || architecture === undefined || cpus === undefined || memoryMiB === undefined || cpus < 1 || memoryMiB < 1) return undefined;
  return {
    nativeId: name,
    name,
    architecture,
    cpus: { kind: 'fixed', value: cpus },
    memoryMiB: { kind: 'fixed', value: memoryMiB },
    diskGiB: { kind: 'range', min: 1, max: MAX_VOLUME_GIB, default: rootDiskGiB },
  };
}

// --- images -------------------------------------------------------------------------------------

const IMAGE_STATES: Readonly<Record<string, ImageState>> = {
  available: 'available',
  pending: 'pending',
  transient: 'pending',
  failed: 'failed',
  invalid: 'failed',
  error: 'failed',
  disabled: 'failed',
  deregistered: 'deleted',
};

/** The root volume's size and the snapshots behind an image. */
export function rootDiskOf(image: Ec2Image): { readonly sizeGiB?: number; readonly deviceName?: string } {
  const root = image.BlockDeviceMappings?.find((m) => m.DeviceName === image.RootDeviceName) ?? image.BlockDeviceMappings?.find((m) => m.Ebs !== undefined);
  return { ...(root?.Ebs?.VolumeSize === undefined ? {} : { sizeGiB: root.Ebs.VolumeSize }), ...(root?.DeviceName === undefined ? {} : { deviceName: root.DeviceName }) };
}

export function imageOf(image: Ec2Image): NativeImage | undefined {
  const id = image.ImageId;
  const architecture = architectureOf(image.Architecture);
  if (id === undefined || architecture === undefined) return undefined;
  const windows = image.Platform?.toLowerCase() === 'windows' || image.PlatformDetails?.toLowerCase().includes('windows') === true;
  const { sizeGiB } = rootDiskOf(image);
  const createdAt = isoOf(image.CreationDate);
  return {
    nativeId: id,
    // Imported images get a generated name (import-ami-…); the Name tag carries the one asked for.
    name: nameTagOf(image.Tags) ?? image.Name ?? id,
    ...(image.Description === undefined || image.Description === '' ? {} : { description: image.Description }),
    architecture,
    os: windows ? 'windows' : 'linux',
    state: IMAGE_STATES[image.State ?? ''] ?? 'failed',
    ...(sizeGiB === undefined || sizeGiB < 1 ? {} : { sizeGiB }),
    public: image.Public === true,
    tags: tagsOf(image.Tags, { withoutName: true }),
    ...(createdAt === undefined ? {} : { createdAt }),
  };
}

// --- instances ----------------------------------------------------------------------------------

const INSTANCE_STATES: Readonly<Record<string, InstanceState>> = {
  pending: 'pending',
  running: 'running',
  'shutting-down': 'shutting-down',
  terminated: 'terminated',
  stopping: 'stopping',
  stopped: 'stopped',
};

export function instanceStateOf(raw: string | undefined): InstanceState {
  return INSTANCE_STATES[raw ?? ''] ?? 'unknown';
}

export interface InstanceFacts {
  /** The instance type's profile, for CPUs and memory. */
  readonly profile: NativeHardwareProfile | undefined;
  /** Size of the root volume, as far as it is known. */
  readonly diskGiB: number;
}

export function instanceOf(instance: Ec2Instance, facts: InstanceFacts): NativeInstance {
  const id = instance.InstanceId ?? '';
  const raw = instance.State?.Name ?? 'unknown';
  const state = instanceStateOf(raw);
  const fixed = (d: NativeHardwareProfile['cpus'] | undefined): number | undefined => (d === undefined ? undefined : d.kind === 'fixed' ? d.value : d.default);
  const cores = instance.CpuOptions?.CoreCount;
  const threads = instance.CpuOptions?.ThreadsPerCore;
  const cpus = fixed(facts.profile?.cpus) ?? (cores === undefined ? 1 : cores * (threads ?? 1));
  const reason = instance.StateReason?.Message ?? instance.StateTransitionReason;
  const addresses = [
    ...(instance.PrivateIpAddress ? [{ kind: 'private' as const, address: instance.PrivateIpAddress }] : []),
    ...(instance.PublicIpAddress ? [{ kind: 'public' as const, address: instance.PublicIpAddress }] : []),
  ];
  const zone = instance.Placement?.AvailabilityZone;
  return {
    nativeId: id,
    name: nameTagOf(instance.Tags) ?? id,
    state,
    rawState: raw,
    ...((state === 'error' || state === 'unknown') && reason ? { stateReason: reason } : {}),
    imageId: instance.ImageId ?? '',
    hardwareProfileId: instance.InstanceType ?? '',
    cpus: Math.max(1, cpus),
    memoryMiB: Math.max(1, fixed(facts.profile?.memoryMiB) ?? 1),
    diskGiB: Math.max(1, facts.diskGiB),
    ...(zone === undefined || zone === '' ? {} : { locationId: zone }),
    ...(instance.KeyName === undefined || instance.KeyName === '' ? {} : { keyName: instance.KeyName }),
    securityGroupIds: (instance.SecurityGroups ?? []).flatMap((g) => (g.GroupId === undefined ? [] : [g.GroupId])),
    addresses,
    tags: tagsOf(instance.Tags, { withoutName: true }),
    createdAt: isoOf(instance.LaunchTime) ?? new Date(0).toISOString(),
  };
}

/** The EBS volume behind the instance's root device, when EC2 shows one. */
export function rootVolumeIdOf(instance: Ec2Instance): string | undefined {
  const mappings = instance.BlockDeviceMappings ?? [];
  return (mappings.find((m) => m.DeviceName === instance.RootDeviceName) ?? mappings[0])?.Ebs?.VolumeId;
}

// --- key pairs ----------------------------------------------------------------------------------

export function keyPairOf(key: KeyPairInfo, firstSeen: (id: string) => string): NativeKeyPair {
  const id = key.KeyPairId ?? key.KeyName ?? '';
  return {
    nativeId: id,
    name: key.KeyName ?? id,
    fingerprint: key.KeyFingerprint ?? '',
    ...(key.PublicKey === undefined ? {} : { publicKey: key.PublicKey.trim() }),
    tags: tagsOf(key.Tags),
    createdAt: isoOf(key.CreateTime) ?? firstSeen(id),
  };
}

// --- volumes and snapshots ----------------------------------------------------------------------

export function volumeOf(volume: Ec2Volume): NativeVolume {
  const id = volume.VolumeId ?? '';
  const attachment = volume.Attachments?.find((a) => a.State === 'attaching' || a.State === 'attached' || a.State === 'detaching' || a.State === 'busy');
  let state: VolumeState;
  switch (volume.State) {
    case 'in-use':
      state = attachment?.State === 'attaching' ? 'attaching' : attachment?.State === 'detaching' ? 'detaching' : 'in-use';
      break;
    case 'creating':
    case 'available':
    case 'deleting':
    case 'deleted':
    case 'error':
      state = volume.State;
      break;
    default:
      state = 'error';
  }
  return {
    nativeId: id,
    name: nameTagOf(volume.Tags) ?? id,
    sizeGiB: volume.Size ?? 0,
    state,
    ...(volume.AvailabilityZone ? { locationId: volume.AvailabilityZone } : {}),
    ...(volume.SnapshotId ? { snapshotId: volume.SnapshotId } : {}),
    ...(attachment?.InstanceId ? { attachment: { instanceId: attachment.InstanceId, device: attachment.Device ?? '' } } : {}),
    tags: tagsOf(volume.Tags, { withoutName: true }),
    createdAt: isoOf(volume.CreateTime) ?? new Date(0).toISOString(),
  };
}

const SNAPSHOT_STATES: Readonly<Record<string, SnapshotState>> = { pending: 'pending', completed: 'completed', error: 'error', recovering: 'pending', recoverable: 'error' };

export function snapshotOf(snapshot: Ec2Snapshot): NativeSnapshot {
  const id = snapshot.SnapshotId ?? '';
  const state = SNAPSHOT_STATES[snapshot.State ?? ''] ?? 'error';
  const progress = Number.parseInt(snapshot.Progress ?? '', 10);
  return {
    nativeId: id,
    name: nameTagOf(snapshot.Tags) ?? (snapshot.Description || id),
    volumeId: snapshot.VolumeId ?? '',
    sizeGiB: snapshot.VolumeSize ?? 0,
    state,
    progress: state === 'completed' ? 100 : Number.isNaN(progress) ? 0 : Math.min(100, Math.max(0, progress)),
    tags: tagsOf(snapshot.Tags, { withoutName: true }),
    createdAt: isoOf(snapshot.StartTime) ?? new Date(0).toISOString(),
  };
}

// --- security groups ----------------------------------------------------------------------------

const PROTOCOLS: Readonly<Record<string, SecurityGroupRule['protocol']>> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp', '-1': '-1' };

/**
 * EC2 permissions as one rule per CIDR. Rules naming other groups or prefix lists have no
 * Skyport form and are left out (the provider keeps them).
 */
export function rulesOf(permissions: readonly IpPermission[] | undefined): SecurityGroupRule[] {
  const rules: SecurityGroupRule[] = [];
  for (const p of permissions ?? []) {
    const protocol = PROTOCOLS[(p.IpProtocol ?? '').toLowerCase()];
    if (protocol === undefined) continue;
    const port = (n: number | undefined): number | undefined => (n === undefined || n === -1 ? undefined : n);
    const ports = protocol === '-1' ? {} : { ...(port(p.FromPort) === undefined ? {} : { fromPort: p.FromPort! }), ...(port(p.ToPort) === undefined ? {} : { toPort: p.ToPort! }) };
    for (const r of p.IpRanges ?? []) if (r.CidrIp) rules.push({ protocol, ...ports, cidr: r.CidrIp });
    for (const r of p.Ipv6Ranges ?? []) if (r.CidrIpv6) rules.push({ protocol, ...ports, cidr: r.CidrIpv6 });
  }
  return rules;
}

/** Skyport rules as EC2 permissions: one per protocol and port range, v4 and v6 ranges inside. */
export function permissionsOf(rules: readonly SecurityGroupRule[]): IpPermission[] {
  const byKey = new Map<string, IpPermission & { IpRanges: { CidrIp: string }[]; Ipv6Ranges: { CidrIpv6: string }[] }>();
  for (const rule of rules) {
    const fromPort = rule.protocol === '-1' ? undefined : rule.fromPort ?? (rule.protocol === 'icmp' ? -1 : undefined);
    const toPort = rule.protocol === '-1' ? undefined : rule.toPort ?? (rule.protocol === 'icmp' ? -1 : undefined);
    const key = `${rule.protocol}/${fromPort ?? ''}/${toPort ?? ''}`;
    let permission = byKey.get(key);
    if (permission === undefined) {
      permission = { IpProtocol: rule.protocol, ...(fromPort === undefined ? {} : { FromPort: fromPort }), ...(toPort === undefined ? {} : { ToPort: toPort }), IpRanges: [], Ipv6Ranges: [] };
      byKey.set(key, permission);
    }
    if (rule.cidr.includes(':')) permission.Ipv6Ranges.push({ CidrIpv6: rule.cidr });
    else permission.IpRanges.push({ CidrIp: rule.cidr });
  }
  return [...byKey.values()].map(({ IpRanges, Ipv6Ranges, ...rest }) => ({ ...rest, ...(IpRanges.length > 0 ? { IpRanges } : {}), ...(Ipv6Ranges.length > 0 ? { Ipv6Ranges } : {}) }));
}

export function securityGroupOf(group: Ec2SecurityGroup, firstSeen: (id: string) => string): NativeSecurityGroup {
  const id = group.GroupId ?? '';
  return {
    nativeId: id,
    name: group.GroupName ?? id,
    description: group.Description ?? '',
    ingress: rulesOf(group.IpPermissions),
    egress: rulesOf(group.IpPermissionsEgress),
    tags: tagsOf(group.Tags),
    // EC2 does not say when a group was made; the first time this broker saw it stands in.
    createdAt: firstSeen(id),
  };
}
