/**
 * The sim's knobs, read from the provider's (non-secret) settings. Everything is validated up
 * front so a typo in a setting is an error naming the setting, not a silently ignored value.
 */
import { isAbsolute } from 'node:path';
import { SkyportError } from '@skyport/model';

export interface SimFaultSettings {
  /** Share of calls failing with ProviderUnavailable (provider code InternalError). */
  readonly errorRate: number;
  /** Share of calls failing with Throttled (RequestLimitExceeded). */
  readonly throttleRate: number;
  /** Share of calls that hang for `timeoutMs`, then fail with Timeout. */
  readonly timeoutRate: number;
  /** Wait a throttled caller is asked to observe. */
  readonly retryAfterMs: number;
  /** How long a timed-out call hangs before failing. */
  readonly timeoutMs: number;
  /** Makes fault decisions repeatable. */
  readonly seed?: number;
}

export interface SimSettings {
  /** Mean delay of every API call. */
  readonly latencyMs: number;
  /** Mean duration of a state transition (boot, stop, attach, ...). */
  readonly transitionMs: number;
  /** How long terminated instances stay visible. */
  readonly terminatedRetentionMs: number;
  /** Instances created in bulk when the cloud is first opened. */
  readonly seedInstances: number;
  /** When set, every call must present this apiKey. */
  readonly requiredApiKey?: string;
  /**
   * Where the cloud keeps its state (sim.db, disks), as an absolute path; default the folder the
   * broker gives the provider. Several brokers on one database drive the same simulated cloud
   * only if they point at the same folder, as they would reach the same real cloud.
   */
  readonly dataDir?: string;
  readonly faults: SimFaultSettings;
}

export const DEFAULT_SETTINGS: SimSettings = {
  latencyMs: 30,
  transitionMs: 1500,
  terminatedRetentionMs: 60_000,
  seedInstances: 0,
  faults: { errorRate: 0, throttleRate: 0, timeoutRate: 0, retryAfterMs: 1000, timeoutMs: 5000 },
};

const SETTING_NAMES = ['latencyMs', 'transitionMs', 'terminatedRetentionMs', 'seedInstances', 'requiredApiKey', 'dataDir', 'faults'];
const FAULT_NAMES = ['errorRate', 'throttleRate', 'timeoutRate', 'retryAfterMs', 'timeoutMs', 'seed'];
/** 100k is the documented scale; a bit of headroom, but not enough to fill a disk by typo. */
const MAX_SEED_INSTANCES = 1_000_000;

function invalid(setting: string, value: unknown, allowed: string): SkyportError {
  return new SkyportError('InvalidArgument', `sim setting ${setting} = ${JSON.stringify(value)} is invalid: it must be ${allowed}`, {
    details: { field: `settings.${setting}`, value },
  });
}

function rejectUnknown(object: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) throw invalid(`${prefix}${key}`, object[key], `one of the known settings (${known.map((k) => prefix + k).join(', ')})`);
  }
}

function number(object: Record<string, unknown>, name: string, fallback: number, max: number, label = name): number {
  const value = object[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) throw invalid(label, value, `a number from 0 to ${max}`);
  return value;
}

function record(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(name, value, 'an object');
  return value as Record<string, unknown>;
}

export function parseSimSettings(raw: Readonly<Record<string, unknown>>): SimSettings {
  const settings = record(raw, 'settings');
  rejectUnknown(settings, SETTING_NAMES, '');
  const faultsRaw = record(settings['faults'], 'faults');
  rejectUnknown(faultsRaw, FAULT_NAMES, 'faults.');
  const d = DEFAULT_SETTINGS;
  const rate = (name: string): number => number(faultsRaw, name, 0, 1, `faults.${name}`);
  const faults: SimFaultSettings = {
    errorRate: rate('errorRate'),
    throttleRate: rate('throttleRate'),
    timeoutRate: rate('timeoutRate'),
    retryAfterMs: number(faultsRaw, 'retryAfterMs', d.faults.retryAfterMs, 3_600_000, 'faults.retryAfterMs'),
    timeoutMs: number(faultsRaw, 'timeoutMs', d.faults.timeoutMs, 3_600_000, 'faults.timeoutMs'),
    ...(faultsRaw['seed'] === undefined ? {} : { seed: Math.floor(number(faultsRaw, 'seed', 0, 2 ** 53, 'faults.seed')) }),
  };
  if (faults.errorRate + faults.throttleRate + faults.timeoutRate > 1) {
    throw invalid('faults', faultsRaw, 'rates that add up to at most 1');
  }
  const seedInstances = number(settings, 'seedInstances', 0, MAX_SEED_INSTANCES);
  if (!Number.isInteger(seedInstances)) throw invalid('seedInstances', seedInstances, `a whole number from 0 to ${MAX_SEED_INSTANCES}`);
  const requiredApiKey = settings['requiredApiKey'];
  if (requiredApiKey !== undefined && (typeof requiredApiKey !== 'string' || requiredApiKey === '')) {
    throw invalid('requiredApiKey', '(hidden)', 'a non-empty string');
  }
  const dataDir = settings['dataDir'];
  if (dataDir !== undefined && (typeof dataDir !== 'string' || !isAbsolute(dataDir))) throw invalid('dataDir', dataDir, 'an absolute folder path');
  return {
    ...(dataDir === undefined ? {} : { dataDir }),
    latencyMs: number(settings, 'latencyMs', d.latencyMs, 600_000),
    transitionMs: number(settings, 'transitionMs', d.transitionMs, 3_600_000),
    terminatedRetentionMs: number(settings, 'terminatedRetentionMs', d.terminatedRetentionMs, 30 * 86_400_000),
    seedInstances,
    ...(requiredApiKey === undefined ? {} : { requiredApiKey }),
    faults,
  };
}
