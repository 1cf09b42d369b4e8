/**
 * Migration plans: instances of one provider moved to another, each VM through durable,
 * checkpointed steps. These are the shapes every front end shows; the core owns the logic.
 */
import type { DiskFormat, Tags } from './entities.js';
import type { SkyportErrorJson } from './errors.js';

/**
 * The forward steps of one VM, in order. The names are stored in step histories of runs in
 * flight: renaming or reordering one breaks their resumption (the replay test guards this).
 */
export const MIGRATION_STEPS = ['preflight', 'stop-source', 'export-disk', 'convert', 'transfer', 'import', 'create-target', 'boot-verify', 'cutover'] as const;
export type MigrationStepId = (typeof MIGRATION_STEPS)[number];

/**
 * Where one VM of a plan is:
 * `pending` (no run yet), `waiting` (in a run, for a concurrency slot), `queued` (handed to a
 * worker), `running`, `paused` (stopped between two steps on request; resumes at the next),
 * `cut-over` (the target serves; the source is stopped and kept),
 * `failed`, `cancelling`/`cancelled`, `rolling-back`/`rolled-back` (target removed, source
 * restarted), `finalizing`/`finalized` (source deleted or kept, per the plan's options).
 */
export const MIGRATION_VM_STATUSES = [
  'pending',
  'waiting',
  'queued',
  'running',
  'paused',
  'cut-over',
  'failed',
  'cancelling',
  'cancelled',
  'rolling-back',
  'rolled-back',
  'finalizing',
  'finalized',
] as const;
export type MigrationVmStatus = (typeof MIGRATION_VM_STATUSES)[number];

/** Statuses in which a worker holds (or is about to hold) the VM. */
export const ACTIVE_MIGRATION_VM_STATUSES: readonly MigrationVmStatus[] = ['waiting', 'queued', 'running', 'cancelling', 'rolling-back', 'finalizing'];

export function isMigrationVmActive(status: MigrationVmStatus): boolean {
  return ACTIVE_MIGRATION_VM_STATUSES.includes(status);
}

/** A plan's status, derived from its VMs. */
export const MIGRATION_PLAN_STATUSES = ['draft', 'running', 'paused', 'completed', 'failed', 'cancelled', 'rolled-back', 'finalized'] as const;
export type MigrationPlanStatus = (typeof MIGRATION_PLAN_STATUSES)[number];

export const MIGRATION_RUN_STATUSES = ['running', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
export type MigrationRunStatus = (typeof MIGRATION_RUN_STATUSES)[number];

/**
 * Source things to target things. Ids are broker ids; key pairs go by name (instances name
 * their key pair). Absent entries are filled by the broker's proposals (`proposed`).
 */
export interface MigrationMappings {
  /** Source hardware profile id → target hardware profile id or name. */
  readonly hardwareProfiles?: Readonly<Record<string, string>>;
  /** Source location id → target location id: where the instance is placed (its network). */
  readonly locations?: Readonly<Record<string, string>>;
  /** Source key pair name → target key pair name. */
  readonly keyPairs?: Readonly<Record<string, string>>;
  /** Target security groups every migrated instance joins. */
  readonly securityGroupIds?: readonly string[];
  /** Storage: the disk format the target imports (default: the source's, else one the target takes). */
  readonly diskFormat?: DiskFormat;
}

/** Per-VM choices that win over the plan's mappings. */
export interface MigrationVmOverride {
  readonly targetName?: string;
  readonly hardwareProfileId?: string;
  readonly keyName?: string;
  readonly securityGroupIds?: readonly string[];
  readonly locationId?: string;
}

export interface MigrationOptions {
  /** `stop`: stop the source and copy its disk; `snapshot`: copy an image of it (source keeps running until cut-over). */
  readonly sourceMode: 'stop' | 'snapshot';
  /** What finalize does with a cut-over source. */
  readonly sourceAfterFinalize: 'keep' | 'delete';
  /** Wait for the target to run (and show `bootMarker` on its console) before cutting over. */
  readonly verifyBoot: boolean;
  /** Text the guest prints on its serial console once booted (providers with console output). */
  readonly bootMarker?: string;
  readonly bootTimeoutSeconds: number;
  /** VMs of this plan that move at once (the broker also limits per source and target provider). */
  readonly maxParallel: number;
  /** Undo a failed VM's steps at once (source restarted); otherwise it waits for retry or rollback. */
  readonly rollbackOnFailure: boolean;
}

export const DEFAULT_MIGRATION_OPTIONS: MigrationOptions = {
  sourceMode: 'stop',
  sourceAfterFinalize: 'keep',
  verifyBoot: true,
  bootTimeoutSeconds: 300,
  maxParallel: 2,
  rollbackOnFailure: true,
};

/** Progress of one VM: the whole VM in percent, the current step in bytes when it moves data. */
export interface MigrationProgress {
  readonly step?: MigrationStepId;
  /** 0..100 over all steps. */
  readonly percent: number;
  readonly stepPercent?: number;
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
  readonly bytesPerSecond?: number;
  /** Seconds until the VM is cut over, extrapolated from its progress so far. */
  readonly etaSeconds?: number;
  readonly message?: string;
}

export interface MigrationVm {
  readonly id: string;
  readonly planId: string;
  readonly runId?: string;
  readonly sourceInstanceId: string;
  readonly sourceName: string;
  readonly targetName: string;
  readonly status: MigrationVmStatus;
  /** The step being run (or the one that failed). */
  readonly step?: MigrationStepId;
  /** 1 for the first run; each retry after a rollback starts a new attempt. */
  readonly attempt: number;
  readonly progress: MigrationProgress;
  readonly targetInstanceId?: string;
  readonly targetImageId?: string;
  /** The operation a worker runs the VM's current job in. */
  readonly operationId?: string;
  readonly error?: SkyportErrorJson;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

export interface MigrationRun {
  readonly id: string;
  readonly planId: string;
  /** 1, 2, ... per plan. */
  readonly seq: number;
  /** `run` (every VM) or `retry` (failed and cancelled VMs only). */
  readonly kind: 'run' | 'retry';
  readonly vmIds: readonly string[];
  readonly status: MigrationRunStatus;
  readonly createdAt: string;
  readonly cancelRequestedAt?: string;
  readonly finishedAt?: string;
}

export interface MigrationPlan {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly sourceProviderId: string;
  readonly targetProviderId: string;
  readonly status: MigrationPlanStatus;
  /** The tag selector the instances were chosen by, when they were. */
  readonly selector?: { readonly tags: Readonly<Record<string, string | null>> };
  /** What the user mapped. */
  readonly mappings: MigrationMappings;
  /** What the broker proposed where the user mapped nothing (nearest profile, same-named key, default group). */
  readonly proposed: MigrationMappings;
  readonly overrides: Readonly<Record<string, MigrationVmOverride>>;
  readonly options: MigrationOptions;
  /** Mean percent of the VMs. */
  readonly progress: number;
  /** VMs per status. */
  readonly counts: Readonly<Partial<Record<MigrationVmStatus, number>>>;
  readonly vms: readonly MigrationVm[];
  readonly runs: readonly MigrationRun[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finalizedAt?: string;
}

/** One entry of a VM's step history, as stored; a resumed VM replays these. */
export interface MigrationStepEntry {
  readonly vmId: string;
  readonly seq: number;
  readonly attempt: number;
  readonly step: string;
  /** A forward action, or the compensation that undoes it. */
  readonly kind: 'action' | 'compensation';
  readonly event: 'started' | 'checkpoint' | 'completed' | 'failed' | 'skipped';
  readonly output?: Readonly<Record<string, unknown>>;
  readonly error?: SkyportErrorJson;
  readonly at: string;
}

export const PREFLIGHT_CODES = [
  'source-missing',
  'source-state',
  'same-provider',
  'provider-unavailable',
  'no-disk-export',
  'no-image-import',
  'disk-format',
  'no-converter',
  'snapshot-unsupported',
  'target-quota',
  'name-clash',
  'image-name-clash',
  'missing-mapping',
  'profile-mismatch',
  'key-pair-missing',
  'security-group-missing',
  'no-security-groups',
  'location-missing',
  'no-console',
  'already-migrated',
] as const;
export type PreflightCode = (typeof PREFLIGHT_CODES)[number];

/** A problem found before anything runs: blockers stop the run, warnings are for a person to read. */
export interface PreflightFinding {
  readonly severity: 'blocker' | 'warning';
  readonly code: PreflightCode;
  readonly message: string;
  /** The mapping or option the finding is about, e.g. `mappings.keyPairs.deploy`. */
  readonly field?: string;
}

/** What the target instance of one VM will be, as resolved from mappings and proposals. */
export interface MigrationTargetSpec {
  readonly name: string;
  readonly hardwareProfileId?: string;
  readonly hardwareProfileName?: string;
  readonly cpus?: number;
  readonly memoryMiB?: number;
  readonly diskGiB?: number;
  readonly keyName?: string;
  readonly securityGroupIds?: readonly string[];
  readonly locationId?: string;
  /** Source export format → target import format (equal: no conversion). */
  readonly sourceFormat?: DiskFormat;
  readonly diskFormat?: DiskFormat;
  readonly tags?: Tags;
}

export interface MigrationVmPreflight {
  readonly vmId: string;
  readonly sourceInstanceId: string;
  readonly sourceName: string;
  readonly target: MigrationTargetSpec;
  readonly findings: readonly PreflightFinding[];
}

export interface MigrationPreflight {
  readonly planId: string;
  /** No blockers anywhere. */
  readonly ok: boolean;
  readonly checkedAt: string;
  /** Findings about the plan as a whole (providers, quotas). */
  readonly findings: readonly PreflightFinding[];
  readonly vms: readonly MigrationVmPreflight[];
}
