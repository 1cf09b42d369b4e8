/**
 * What a plan asks for, as stored in the plan record's `spec`, and the checks a create
 * request passes before anything is stored.
 */
import { DEFAULT_MIGRATION_OPTIONS, SkyportError, type MigrationMappings, type MigrationOptions, type MigrationVmOverride } from '@skyport/model';
import type { MigrationPlanRecord } from '../ports/index.js';
import { requireName } from '../services/validation.js';

export interface PlanSpec {
  readonly selector?: { readonly tags: Readonly<Record<string, string | null>> };
  readonly mappings: MigrationMappings;
  readonly proposed: MigrationMappings;
  readonly overrides: Readonly<Record<string, MigrationVmOverride>>;
  readonly options: MigrationOptions;
}

export function specOf(plan: MigrationPlanRecord): PlanSpec {
  const spec = plan.spec as Partial<PlanSpec>;
  return {
    ...(spec.selector === undefined ? {} : { selector: spec.selector }),
    mappings: spec.mappings ?? {},
    proposed: spec.proposed ?? {},
    overrides: spec.overrides ?? {},
    // Plans stored before an option existed get its default.
    options: { ...DEFAULT_MIGRATION_OPTIONS, ...spec.options },
  };
}

/** At most this many VMs per plan: a plan is reviewed by a person, and lists it whole. */
export const MAX_PLAN_VMS = 500;

function invalid(field: string, message: string, details: Record<string, unknown> = {}): SkyportError {
  return new SkyportError('InvalidArgument', `${field}: ${message}`, { details: { field, ...details } });
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalid(field, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`, { allowed });
  return value as T;
}

function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(field, `${JSON.stringify(value)} must be a whole number from ${min} to ${max}`, { min, max });
  return value;
}

function boolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(field, `${JSON.stringify(value)} must be true or false`);
  return value;
}

/** Options with defaults filled in; each value checked by name. */
export function parseOptions(raw: Partial<MigrationOptions> | undefined): MigrationOptions {
  const o = { ...DEFAULT_MIGRATION_OPTIONS, ...raw };
  const marker = o.bootMarker;
  if (marker !== undefined && (typeof marker !== 'string' || marker.length === 0 || marker.length > 200)) {
    throw invalid('options.bootMarker', 'give the text (1-200 characters) the guest prints on its console once booted');
  }
  return {
    sourceMode: oneOf('options.sourceMode', o.sourceMode, ['stop', 'snapshot'] as const),
    sourceAfterFinalize: oneOf('options.sourceAfterFinalize', o.sourceAfterFinalize, ['keep', 'delete'] as const),
    verifyBoot: boolean('options.verifyBoot', o.verifyBoot),
    ...(marker === undefined ? {} : { bootMarker: marker }),
    bootTimeoutSeconds: integer('options.bootTimeoutSeconds', o.bootTimeoutSeconds, 10, 3600),
    maxParallel: integer('options.maxParallel', o.maxParallel, 1, 64),
    rollbackOnFailure: boolean('options.rollbackOnFailure', o.rollbackOnFailure),
  };
}

const DISK_FORMATS = ['qcow2', 'raw', 'vmdk', 'vhd', 'vhdx'] as const;

function stringMap(field: string, value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'must be an object of source → target');
  for (const [key, target] of Object.entries(value)) {
    if (typeof target !== 'string' || target.length === 0) throw invalid(`${field}.${key}`, 'must name the target (a non-empty string)');
  }
  return value as Record<string, string>;
}

function idList(field: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 5 || value.some((v) => typeof v !== 'string' || v.length === 0)) throw invalid(field, 'give 1 to 5 security group ids');
  return value as string[];
}

/** The shape of mappings; whether what they name exists is preflight's question. */
export function parseMappings(raw: MigrationMappings | undefined): MigrationMappings {
  if (raw === undefined) return {};
  const hardwareProfiles = stringMap('mappings.hardwareProfiles', raw.hardwareProfiles);
  const locations = stringMap('mappings.locations', raw.locations);
  const keyPairs = stringMap('mappings.keyPairs', raw.keyPairs);
  const securityGroupIds = idList('mappings.securityGroupIds', raw.securityGroupIds);
  const diskFormat = raw.diskFormat === undefined ? undefined : oneOf('mappings.diskFormat', raw.diskFormat, DISK_FORMATS);
  return {
    ...(hardwareProfiles === undefined ? {} : { hardwareProfiles }),
    ...(locations === undefined ? {} : { locations }),
    ...(keyPairs === undefined ? {} : { keyPairs }),
    ...(securityGroupIds === undefined ? {} : { securityGroupIds }),
    ...(diskFormat === undefined ? {} : { diskFormat }),
  };
}

export function parseOverrides(raw: Readonly<Record<string, MigrationVmOverride>> | undefined, instanceIds: readonly string[]): Readonly<Record<string, MigrationVmOverride>> {
  if (raw === undefined) return {};
  for (const [instanceId, override] of Object.entries(raw)) {
    if (!instanceIds.includes(instanceId)) throw invalid(`overrides.${instanceId}`, 'names an instance that is not in the plan', { instanceId });
    if (override.targetName !== undefined) requireName(`overrides.${instanceId}.targetName`, override.targetName);
    idList(`overrides.${instanceId}.securityGroupIds`, override.securityGroupIds);
  }
  return raw;
}
