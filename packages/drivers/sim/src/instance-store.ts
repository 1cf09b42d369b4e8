/**
 * Instances in the sim's database. State is never stored as "current": each row keeps its
 * timeline and the state is computed on read, which is why listing 100k rows needs no
 * per-row work beyond two small JSON parses.
 */
import { randomBytes } from 'node:crypto';
import type { NativeInstance } from '@skyport/core';
import type { InstanceAction, InstanceAddress, InstanceState } from '@skyport/model';
import { planInstanceAction, type PlannedAction } from './instance-lifecycle.js';
import { ACTION_STEPS, normalizeInstanceState } from './raw-instance-state.js';
import type { SimDb } from './sim-database.js';
import { notFound } from './sim-errors.js';
import { currentStep, parseTimeline, scheduleFrom, type Timeline } from './timeline.js';
import type { ValidInstanceRequest } from './validate-instance-request.js';

export interface InstanceRow {
  seq: number;
  id: string;
  name: string;
  image_id: string;
  flavor_id: string;
  cpus: number;
  memory_mib: number;
  disk_gib: number;
  zone: string;
  key_name: string | null;
  tags: string;
  timeline: string;
  created_at: string;
  /** Comma-separated security group ids. */
  security_groups: string;
}

const COLUMNS = 'seq, id, name, image_id, flavor_id, cpus, memory_mib, disk_gib, zone, key_name, tags, timeline, created_at, security_groups';
/** Rows past their retention are invisible even before the purge deletes them. */
const VISIBLE = '(gone_at IS NULL OR gone_at > @now)';

export function newInstanceId(): string {
  return `srv-${randomBytes(8).toString('hex')}`;
}

/**
 * Addresses follow from the row number: unique, stable across restarts, no allocation table.
 * Public addresses (from the 198.18.0.0/15 benchmarking range) exist only while powered on.
 */
function addresses(seq: number, state: InstanceState): InstanceAddress[] {
  const net = Math.floor(seq / 250);
  const host = (seq % 250) + 2;
  const result: InstanceAddress[] = [{ kind: 'private', address: `10.${(net >> 8) & 255}.${net & 255}.${host}` }];
  if (state === 'running' || state === 'rebooting') result.push({ kind: 'public', address: `198.${18 + ((net >> 8) & 1)}.${net & 255}.${host}` });
  return result;
}

/** A row as the list query returns it: arrays, because objects per row cost ~40% more at 100k. */
type InstanceTuple = [
  seq: number, id: string, name: string, imageId: string, flavorId: string, cpus: number, memoryMiB: number,
  diskGiB: number, zone: string, keyName: string | null, tags: string, timeline: string, createdAt: string, securityGroups: string,
];

function tupleToNative(t: InstanceTuple, now: number): NativeInstance {
  const [seq, id, name, imageId, flavorId, cpus, memoryMiB, diskGiB, zone, keyName, tags, timeline, createdAt, securityGroups] = t;
  const [, raw, reason] = currentStep(parseTimeline(timeline), now);
  const state = normalizeInstanceState(raw);
  // Plain assignments rather than conditional spreads: this runs 100k times per list.
  const instance: { -readonly [K in keyof NativeInstance]: NativeInstance[K] } = {
    nativeId: id,
    name,
    state,
    rawState: raw,
    imageId,
    hardwareProfileId: flavorId,
    cpus,
    memoryMiB,
    diskGiB,
    locationId: zone,
    addresses: addresses(seq, state),
    tags: JSON.parse(tags) as Record<string, string>,
    createdAt,
  };
  if (reason !== undefined) instance.stateReason = reason;
  if (keyName !== null) instance.keyName = keyName;
  if (securityGroups !== '') instance.securityGroupIds = securityGroups.split(',');
  return instance;
}

export function toNativeInstance(r: InstanceRow, now: number): NativeInstance {
  return tupleToNative([r.seq, r.id, r.name, r.image_id, r.flavor_id, r.cpus, r.memory_mib, r.disk_gib, r.zone, r.key_name, r.tags, r.timeline, r.created_at, r.security_groups], now);
}

export class InstanceStore {
  readonly #list;
  readonly #get;
  readonly #insert;
  readonly #update;
  readonly #purge;

  readonly #db: SimDb;

  constructor(db: SimDb, private readonly retentionMs: number) {
    this.#db = db;
    this.#list = db.prepare(`SELECT ${COLUMNS} FROM instances WHERE ${VISIBLE} ORDER BY seq`).raw();
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM instances WHERE id = @id AND ${VISIBLE}`);
    this.#insert = db.prepare(
      `INSERT INTO instances (id, name, image_id, flavor_id, cpus, memory_mib, disk_gib, zone, key_name, user_data, tags, timeline, created_at, security_groups)
       VALUES (@id, @name, @imageId, @flavorId, @cpus, @memoryMiB, @diskGiB, @zone, @keyName, @userData, @tags, @timeline, @createdAt, @securityGroups)`,
    );
    this.#update = db.prepare('UPDATE instances SET timeline = @timeline, gone_at = @goneAt WHERE id = @id');
    this.#purge = db.prepare('DELETE FROM instances WHERE gone_at <= @now');
  }

  list(now: number): NativeInstance[] {
    const rows = this.#list.all({ now }) as InstanceTuple[];
    return rows.map((row) => tupleToNative(row, now));
  }

  row(id: string, now: number): InstanceRow | undefined {
    return this.#get.get({ id, now }) as InstanceRow | undefined;
  }

  get(id: string, now: number): NativeInstance | undefined {
    const row = this.row(id, now);
    return row === undefined ? undefined : toNativeInstance(row, now);
  }

  /** The instance or NotFound, for actions. */
  require(id: string, now: number): InstanceRow {
    const row = this.row(id, now);
    if (row === undefined) throw notFound('Instance', id, 'instanceId');
    return row;
  }

  create(request: ValidInstanceRequest, now: number, bootMs: number): NativeInstance {
    const [transit, settled] = ACTION_STEPS.create;
    const timeline = scheduleFrom([], now, [
      { state: transit, durationMs: bootMs },
      { state: settled, durationMs: 0 },
    ]);
    const id = newInstanceId();
    this.#insert.run({ ...request, id, tags: JSON.stringify(request.tags), securityGroups: request.securityGroups.join(','), timeline: JSON.stringify(timeline), createdAt: new Date(now).toISOString() });
    return this.get(id, now)!;
  }

  /** Validates and schedules an action; a destroy also schedules when the instance is forgotten. */
  act(id: string, action: InstanceAction, now: number, durationMs: number): PlannedAction {
    const row = this.require(id, now);
    const planned = planInstanceAction(id, parseTimeline(row.timeline), now, action, durationMs);
    const goneAt = action === 'destroy' ? planned.settlesAt + this.retentionMs : null;
    this.#update.run({ id, timeline: JSON.stringify(planned.timeline), goneAt });
    return planned;
  }

  timeline(id: string, now: number): { row: InstanceRow; timeline: Timeline } {
    const row = this.require(id, now);
    return { row, timeline: parseTimeline(row.timeline) };
  }

  /** Visible instances in a security group that are not terminated (they keep the group in use). */
  usingSecurityGroup(groupId: string, now: number): NativeInstance[] {
    // A LIKE narrows the rows; the split makes the match exact (ids have no commas).
    const rows = this.#db.prepare(`SELECT ${COLUMNS} FROM instances WHERE security_groups LIKE @pattern AND ${VISIBLE} ORDER BY seq`).all({ pattern: `%${groupId}%`, now }) as InstanceRow[];
    return rows
      .filter((r) => r.security_groups.split(',').includes(groupId))
      .map((r) => toNativeInstance(r, now))
      .filter((i) => i.state !== 'terminated');
  }

  /** Deletes rows past their retention; returns how many. */
  purge(now: number): number {
    return this.#purge.run({ now }).changes;
  }
}
