/**
 * Turns a plan's mappings into what one VM's target instance will be, with every problem as a
 * finding instead of an exception: preflight shows them all at once, and the VM's own preflight
 * step refuses to go on while any is a blocker.
 */
import {
  ACTIVE_MIGRATION_VM_STATUSES,
  dimensionDefault,
  type DiskFormat,
  type HardwareProfile,
  type Instance,
  type MigrationTargetSpec,
  type PreflightCode,
  type PreflightFinding,
  type Tags,
} from '@skyport/model';
import type { MigrationVmRecord } from '../ports/index.js';
import type { Connection } from '../provider-connections.js';
import type { InventoryLookup } from './inventory-lookup.js';
import { MIGRATION_TAG, importedImageName } from './migration-names.js';
import { fitDimension, nearestProfile } from './nearest-profile.js';
import type { PlanSpec } from './plan-spec.js';

/** The provider-native values the create-target step passes to the driver. */
export interface NativeTarget {
  readonly name: string;
  readonly hardwareProfileId: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly keyName?: string;
  readonly securityGroupIds?: readonly string[];
  readonly locationId?: string;
  readonly architecture: 'x86_64' | 'aarch64';
  /** The source instance's own tags, carried over. */
  readonly tags: Tags;
}

export interface ResolvedTarget {
  readonly spec: MigrationTargetSpec;
  /** Absent when a blocker leaves nothing to create. */
  readonly native?: NativeTarget;
  readonly source?: { readonly nativeId: string; readonly state: string };
  readonly findings: PreflightFinding[];
}

export interface ResolveContext {
  readonly lookup: InventoryLookup;
  readonly spec: PlanSpec;
  readonly source: Connection;
  readonly target: Connection;
  readonly canConvert: boolean;
}

const finding = (severity: PreflightFinding['severity'], code: PreflightCode, message: string, field?: string): PreflightFinding => ({
  severity,
  code,
  message,
  ...(field === undefined ? {} : { field }),
});

/** qcow2 when the target takes it (small, checkable), else the first format it takes. */
export function preferredFormat(formats: readonly DiskFormat[]): DiskFormat | undefined {
  return formats.includes('qcow2') ? 'qcow2' : formats[0];
}

/** The format an exported disk is imported in: as it is when the target takes that, else converted. */
export function importFormatFor(exported: DiskFormat, importFormats: readonly DiskFormat[], wanted: DiskFormat | undefined): DiskFormat | undefined {
  if (wanted !== undefined) return wanted;
  return importFormats.includes(exported) ? exported : preferredFormat(importFormats);
}

/** Disk formats: what the source hands out, what the target takes, and whether a conversion is needed. */
function resolveFormats(rc: ResolveContext, findings: PreflightFinding[]): Pick<MigrationTargetSpec, 'sourceFormat' | 'diskFormat'> {
  const exportFormats = rc.source.factory.capabilities.diskExport?.formats ?? [];
  const importFormats = rc.target.factory.capabilities.imageImport?.formats ?? [];
  if (exportFormats.length === 0 || importFormats.length === 0) return {};
  const wanted = rc.spec.mappings.diskFormat;
  if (wanted !== undefined && !importFormats.includes(wanted)) {
    findings.push(finding('blocker', 'disk-format', `provider ${rc.target.record.name} imports ${importFormats.join(', ')}, not ${wanted}`, 'mappings.diskFormat'));
    return {};
  }
  const sourceFormat = exportFormats[0]!;
  const direct = exportFormats.filter((f) => importFormats.includes(f) && (wanted === undefined || f === wanted));
  const diskFormat = direct[0] ?? importFormatFor(sourceFormat, importFormats, wanted)!;
  if (direct.length === 0) {
    if (!rc.canConvert) {
      findings.push(finding('blocker', 'no-converter', `the disk must be converted from ${sourceFormat} to ${diskFormat}, and this broker has no disk converter (qemu-img)`));
    } else {
      findings.push(finding('warning', 'disk-format', `the disk is converted from ${sourceFormat} to ${diskFormat} on the way (time and space on the broker host)`));
    }
  }
  return { sourceFormat, diskFormat };
}

/** The target hardware profile and the CPUs, memory and disk to ask it for. */
async function resolveHardware(
  rc: ResolveContext,
  vm: MigrationVmRecord,
  instance: Instance,
  findings: PreflightFinding[],
): Promise<{ profile: HardwareProfile; id: string; nativeId: string; cpus: number; memoryMiB: number; diskGiB: number } | undefined> {
  const targetId = rc.target.record.id;
  const override = rc.spec.overrides[vm.sourceInstanceId]?.hardwareProfileId;
  const mapped = rc.spec.mappings.hardwareProfiles?.[instance.hardwareProfileId];
  const chosen = override ?? mapped;
  const field = override !== undefined ? `overrides.${vm.sourceInstanceId}.hardwareProfileId` : `mappings.hardwareProfiles.${instance.hardwareProfileId}`;
  let record = chosen === undefined ? undefined : await rc.lookup.byIdOrName(targetId, 'hardwareProfile', chosen);
  if (chosen !== undefined && record === undefined) {
    findings.push(finding('blocker', 'missing-mapping', `hardware profile "${chosen}" does not exist in provider ${rc.target.record.name}`, field));
    return undefined;
  }
  if (record === undefined) {
    const proposed = rc.spec.proposed.hardwareProfiles?.[instance.hardwareProfileId];
    record = proposed === undefined ? undefined : await rc.lookup.byIdOrName(targetId, 'hardwareProfile', proposed);
  }
  const need = { cpus: instance.cpus, memoryMiB: instance.memoryMiB, diskGiB: instance.diskGiB };
  if (record === undefined) {
    const profiles = (await rc.lookup.all(targetId, 'hardwareProfile')).map((r) => r.data as unknown as HardwareProfile);
    const fit = nearestProfile(profiles, need);
    record = fit === undefined ? undefined : await rc.lookup.byIdOrName(targetId, 'hardwareProfile', fit.profile.id);
  }
  if (record === undefined) {
    findings.push(finding('blocker', 'missing-mapping', `provider ${rc.target.record.name} lists no hardware profile; map one in mappings.hardwareProfiles`, `mappings.hardwareProfiles.${instance.hardwareProfileId}`));
    return undefined;
  }
  const profile = record.data as unknown as HardwareProfile;
  // Without overrides a provider gives each profile's defaults; with them, the closest fit.
  const fitted = rc.target.factory.capabilities.instances.profileOverrides;
  const pick = (d: HardwareProfile['cpus'], want: number) => (fitted ? fitDimension(d, want) : dimensionDefault(d));
  const cpus = pick(profile.cpus, need.cpus);
  const memoryMiB = pick(profile.memoryMiB, need.memoryMiB);
  const diskGiB = pick(profile.diskGiB, need.diskGiB);
  if (cpus < need.cpus || memoryMiB < need.memoryMiB) {
    findings.push(finding('warning', 'profile-mismatch', `target profile ${profile.name} gives ${cpus} CPUs and ${memoryMiB} MiB; the source has ${need.cpus} and ${need.memoryMiB}`, field));
  }
  if (diskGiB < need.diskGiB) {
    findings.push(finding('warning', 'profile-mismatch', `target profile ${profile.name} gives a ${diskGiB} GiB disk; the source's is ${need.diskGiB} GiB (the disk keeps its own size where the provider allows)`, field));
  }
  return { profile, id: record.id, nativeId: record.nativeId, cpus, memoryMiB, diskGiB: Math.max(diskGiB, 1) };
}

async function resolveKeyName(rc: ResolveContext, vm: MigrationVmRecord, instance: Instance, findings: PreflightFinding[]): Promise<string | undefined> {
  const override = rc.spec.overrides[vm.sourceInstanceId]?.keyName;
  const mapped = instance.keyName === undefined ? undefined : rc.spec.mappings.keyPairs?.[instance.keyName];
  const explicit = override ?? mapped;
  const wanted = explicit ?? (instance.keyName === undefined ? undefined : (rc.spec.proposed.keyPairs?.[instance.keyName] ?? instance.keyName));
  if (wanted === undefined) return undefined;
  const field = override !== undefined ? `overrides.${vm.sourceInstanceId}.keyName` : `mappings.keyPairs.${instance.keyName ?? wanted}`;
  if (!rc.target.factory.capabilities.instances.keyPair) {
    findings.push(finding('warning', 'key-pair-missing', `provider ${rc.target.record.name} takes no key pairs on instances; ${vm.sourceName} is created without one`, field));
    return undefined;
  }
  const exists = (await rc.lookup.all(rc.target.record.id, 'keyPair')).some((k) => k.name === wanted);
  if (exists) return wanted;
  if (explicit !== undefined) {
    findings.push(finding('blocker', 'key-pair-missing', `key pair "${wanted}" does not exist in provider ${rc.target.record.name}; create or import it first`, field));
  } else {
    findings.push(
      finding('warning', 'key-pair-missing', `${vm.sourceName} uses key pair "${instance.keyName}", which provider ${rc.target.record.name} does not have: it is created without a key pair unless you import one or map another`, field),
    );
  }
  return undefined;
}

async function resolveGroups(rc: ResolveContext, vm: MigrationVmRecord, findings: PreflightFinding[]): Promise<{ ids: string[]; native: string[] } | undefined> {
  const override = rc.spec.overrides[vm.sourceInstanceId]?.securityGroupIds;
  const explicit = override ?? rc.spec.mappings.securityGroupIds;
  const field = override !== undefined ? `overrides.${vm.sourceInstanceId}.securityGroupIds` : 'mappings.securityGroupIds';
  if (!rc.target.factory.capabilities.securityGroups) {
    if (explicit !== undefined) findings.push(finding('blocker', 'no-security-groups', `provider ${rc.target.record.name} has no security groups`, field));
    return undefined;
  }
  const ids = explicit ?? rc.spec.proposed.securityGroupIds;
  if (ids === undefined || ids.length === 0) return undefined;
  const ok = { ids: [] as string[], native: [] as string[] };
  for (const id of ids) {
    const group = await rc.lookup.byIdOrName(rc.target.record.id, 'securityGroup', id);
    if (group === undefined) {
      if (explicit !== undefined) findings.push(finding('blocker', 'security-group-missing', `security group ${id} does not exist in provider ${rc.target.record.name}`, field));
      continue;
    }
    ok.ids.push(group.id);
    ok.native.push(group.nativeId);
  }
  return ok.ids.length === 0 ? undefined : ok;
}

async function resolveLocation(rc: ResolveContext, vm: MigrationVmRecord, instance: Instance, findings: PreflightFinding[]): Promise<{ id: string; nativeId: string } | undefined> {
  const override = rc.spec.overrides[vm.sourceInstanceId]?.locationId;
  const mapped = instance.locationId === undefined ? undefined : rc.spec.mappings.locations?.[instance.locationId];
  const explicit = override ?? mapped;
  const wanted = explicit ?? (instance.locationId === undefined ? undefined : rc.spec.proposed.locations?.[instance.locationId]);
  if (wanted === undefined) return undefined;
  const location = await rc.lookup.byIdOrName(rc.target.record.id, 'location', wanted);
  if (location === undefined && explicit !== undefined) {
    const field = override !== undefined ? `overrides.${vm.sourceInstanceId}.locationId` : `mappings.locations.${instance.locationId}`;
    findings.push(finding('blocker', 'location-missing', `location ${wanted} does not exist in provider ${rc.target.record.name}`, field));
  }
  return location === undefined ? undefined : { id: location.id, nativeId: location.nativeId };
}

/** Names already taken at the target by something this VM did not create. */
async function checkNames(rc: ResolveContext, vm: MigrationVmRecord, name: string, findings: PreflightFinding[]): Promise<void> {
  const targetId = rc.target.record.id;
  const ours = (tags: Tags) => tags[MIGRATION_TAG] === vm.id;
  const clash = (await rc.lookup.named(targetId, 'instance', name)).filter((r) => r.state !== 'terminated' && !ours(r.tags));
  if (clash.length > 0) {
    findings.push(finding('warning', 'name-clash', `provider ${rc.target.record.name} already has an instance named ${name} (${clash.map((r) => r.id).join(', ')}); the migrated one gets the same name`, `overrides.${vm.sourceInstanceId}.targetName`));
  }
  const imageName = importedImageName(vm.id);
  const images = (await rc.lookup.named(targetId, 'image', imageName)).filter((r) => r.state !== 'deleted' && !ours(r.tags));
  if (images.length > 0) {
    findings.push(finding('blocker', 'image-name-clash', `provider ${rc.target.record.name} already has an image named ${imageName} that this plan did not make (${images[0]!.id}); delete or rename it`));
  }
}

/** Another plan moving (or having moved, not yet finalized) the same source instance. */
async function checkOtherPlans(rc: ResolveContext, vm: MigrationVmRecord, findings: PreflightFinding[]): Promise<void> {
  const busy = await rc.lookup.migrationVms([...ACTIVE_MIGRATION_VM_STATUSES, 'cut-over']);
  const other = busy.find((v) => v.sourceInstanceId === vm.sourceInstanceId && v.planId !== vm.planId);
  if (other !== undefined) {
    findings.push(finding('blocker', 'already-migrated', `${vm.sourceName} is ${other.status} in migration plan ${other.planId}; finalize, roll back or delete that plan first`));
  }
}

export async function resolveTarget(rc: ResolveContext, vm: MigrationVmRecord): Promise<ResolvedTarget> {
  const findings: PreflightFinding[] = [];
  await checkOtherPlans(rc, vm, findings);
  const name = rc.spec.overrides[vm.sourceInstanceId]?.targetName ?? vm.targetName;
  const record = await rc.lookup.get(vm.sourceInstanceId);
  const instance = record?.data as unknown as Instance | undefined;
  if (record === undefined || instance === undefined || record.state === 'terminated' || record.state === 'shutting-down') {
    findings.push(finding('blocker', 'source-missing', `source instance ${vm.sourceInstanceId} (${vm.sourceName}) no longer exists in provider ${rc.source.record.name}`));
    return { spec: { name }, findings };
  }
  const { options } = rc.spec;
  if (record.state === 'error' || record.state === 'unknown') {
    findings.push(finding('blocker', 'source-state', `source instance ${vm.sourceName} is ${record.state}; repair it or take it out of the plan`));
  }
  if (options.sourceMode === 'snapshot' && record.state === 'running' && rc.source.factory.capabilities.imageFromInstance?.whileRunning !== true) {
    findings.push(finding('blocker', 'snapshot-unsupported', `provider ${rc.source.record.name} images running instances only when stopped; use options.sourceMode "stop"`, 'options.sourceMode'));
  }
  const formats = resolveFormats(rc, findings);
  const hardware = await resolveHardware(rc, vm, instance, findings);
  const keyName = await resolveKeyName(rc, vm, instance, findings);
  const groups = await resolveGroups(rc, vm, findings);
  const location = await resolveLocation(rc, vm, instance, findings);
  await checkNames(rc, vm, name, findings);
  if (options.verifyBoot && options.bootMarker !== undefined && !rc.target.factory.capabilities.instances.console) {
    findings.push(finding('warning', 'no-console', `provider ${rc.target.record.name} shows no console output: the boot is verified by the instance running, not by "${options.bootMarker}"`, 'options.bootMarker'));
  }
  const sourceProfile = await rc.lookup.get(instance.hardwareProfileId);
  const architecture = ((sourceProfile?.data as { architecture?: string } | undefined)?.architecture ?? hardware?.profile.architecture ?? 'x86_64') as NativeTarget['architecture'];
  const tags = Object.fromEntries(Object.entries(instance.tags).filter(([key]) => !key.startsWith('skyport:')));
  const spec: MigrationTargetSpec = {
    name,
    ...(hardware === undefined ? {} : { hardwareProfileId: hardware.id, hardwareProfileName: hardware.profile.name, cpus: hardware.cpus, memoryMiB: hardware.memoryMiB, diskGiB: hardware.diskGiB }),
    ...(keyName === undefined ? {} : { keyName }),
    ...(groups === undefined ? {} : { securityGroupIds: groups.ids }),
    ...(location === undefined ? {} : { locationId: location.id }),
    ...formats,
    tags,
  };
  const blocked = findings.some((f) => f.severity === 'blocker');
  return {
    spec,
    source: { nativeId: record.nativeId, state: record.state ?? 'unknown' },
    findings,
    ...(blocked || hardware === undefined
      ? {}
      : {
          native: {
            name,
            hardwareProfileId: hardware.nativeId,
            cpus: hardware.cpus,
            memoryMiB: hardware.memoryMiB,
            diskGiB: hardware.diskGiB,
            ...(keyName === undefined ? {} : { keyName }),
            ...(groups === undefined ? {} : { securityGroupIds: groups.native }),
            ...(location === undefined ? {} : { locationId: location.nativeId }),
            architecture,
            tags,
          },
        }),
  };
}
