/**
 * Block volumes. Like instances, a volume's state is a timeline computed on read; the
 * attachment columns stay after a detach completes and are simply not shown, so detaching
 * needs no follow-up write.
 */
import { randomBytes } from 'node:crypto';
import type { DriverCreateVolumeRequest, NativeVolume } from '@skyport/core';
import type { VolumeState } from '@skyport/model';
import type { SimDb } from './sim-database.js';
import { invalidArgument, invalidState, notFound } from './sim-errors.js';
import { currentStep, parseTimeline, scheduleFrom, type Timeline } from './timeline.js';
import { validateTags } from './tag-rules.js';

interface VolumeRow {
  id: string;
  name: string;
  size_gib: number;
  zone: string;
  snapshot_id: string | null;
  tags: string;
  timeline: string;
  instance_id: string | null;
  device: string | null;
  created_at: string;
}

const ATTACHED: readonly string[] = ['attaching', 'in-use', 'detaching'];
const VISIBLE = '(gone_at IS NULL OR gone_at > @now)';
/** Devices a guest sees, after the root disk (vda). */
const DEVICES = Array.from('bcdefghijklmnopqrstuvwxyz', (c) => `/dev/vd${c}`);

function stateOf(row: VolumeRow, now: number): VolumeState {
  return currentStep(parseTimeline(row.timeline), now)[1] as VolumeState;
}

function toNative(row: VolumeRow, now: number): NativeVolume {
  const state = stateOf(row, now);
  return {
    nativeId: row.id,
    name: row.name,
    sizeGiB: row.size_gib,
    state,
    locationId: row.zone,
    ...(row.snapshot_id === null ? {} : { snapshotId: row.snapshot_id }),
    ...(ATTACHED.includes(state) && row.instance_id !== null ? { attachment: { instanceId: row.instance_id, device: row.device ?? '' } } : {}),
    tags: JSON.parse(row.tags) as Record<string, string>,
    createdAt: row.created_at,
  };
}

function wrongState(id: string, action: string, state: VolumeState, allowed: readonly VolumeState[]) {
  return invalidState(`cannot ${action} volume ${id}: it is ${state}; ${action} is allowed only when it is ${allowed.join(', ')}`, {
    volumeId: id,
    action,
    state,
    allowedStates: allowed,
  });
}

export interface ValidVolumeRequest {
  readonly name: string;
  readonly sizeGiB: number;
  readonly zone: string;
  readonly snapshotId: string | null;
  readonly tags: Record<string, string>;
}

export function checkVolumeRequest(request: DriverCreateVolumeRequest, maxSizeGiB: number): { name: string; sizeGiB: number; tags: Record<string, string> } {
  if (typeof request.name !== 'string' || request.name.trim() === '' || request.name.length > 255) {
    throw invalidArgument('name', `volume name ${JSON.stringify(request.name)} must be 1 to 255 characters`);
  }
  if (!Number.isInteger(request.sizeGiB) || request.sizeGiB < 1 || request.sizeGiB > maxSizeGiB) {
    throw invalidArgument('sizeGiB', `volume size ${String(request.sizeGiB)} GiB must be a whole number from 1 to ${maxSizeGiB}`, { max: maxSizeGiB });
  }
  return { name: request.name, sizeGiB: request.sizeGiB, tags: validateTags(request.tags) };
}

export class VolumeStore {
  constructor(private readonly db: SimDb) {}

  list(now: number): NativeVolume[] {
    const rows = this.db.prepare(`SELECT * FROM volumes WHERE ${VISIBLE} ORDER BY seq`).all({ now }) as VolumeRow[];
    return rows.map((r) => toNative(r, now));
  }

  get(id: string, now: number): NativeVolume {
    return toNative(this.#row(id, now), now);
  }

  create(request: ValidVolumeRequest, now: number, durationMs: number): NativeVolume {
    const id = `disk-${randomBytes(8).toString('hex')}`;
    const timeline = scheduleFrom([], now, [
      { state: 'creating', durationMs },
      { state: 'available', durationMs: 0 },
    ]);
    this.db
      .prepare('INSERT INTO volumes (id, name, size_gib, zone, snapshot_id, tags, timeline, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, request.name, request.sizeGiB, request.zone, request.snapshotId, JSON.stringify(request.tags), JSON.stringify(timeline), new Date(now).toISOString());
    return this.get(id, now);
  }

  /** The instance checks (exists, state, zone) are the caller's; this checks the volume side. */
  attach(id: string, instanceId: string, device: string | undefined, now: number, durationMs: number): void {
    const row = this.#row(id, now);
    const state = stateOf(row, now);
    if (state !== 'available') throw wrongState(id, 'attach', state, ['available']);
    const used = this.#devicesInUse(instanceId, now);
    let chosen = device;
    if (chosen === undefined) chosen = DEVICES.find((d) => !used.includes(d));
    else if (!DEVICES.includes(chosen)) throw invalidArgument('device', `device ${JSON.stringify(chosen)} must be one of /dev/vdb .. /dev/vdz`);
    else if (used.includes(chosen)) throw invalidArgument('device', `device ${chosen} is already in use on instance ${instanceId}`);
    if (chosen === undefined) throw invalidArgument('device', `instance ${instanceId} has no free device left (${DEVICES.length} volumes attached)`);
    this.#schedule(row, now, [{ state: 'attaching', durationMs }, { state: 'in-use', durationMs: 0 }], { instanceId, device: chosen });
  }

  detach(id: string, now: number, durationMs: number): void {
    const row = this.#row(id, now);
    const state = stateOf(row, now);
    if (state !== 'in-use') throw wrongState(id, 'detach', state, ['in-use']);
    this.#schedule(row, now, [{ state: 'detaching', durationMs }, { state: 'available', durationMs: 0 }]);
  }

  delete(id: string, now: number, durationMs: number): void {
    const row = this.#row(id, now);
    const state = stateOf(row, now);
    if (state !== 'available' && state !== 'error') throw wrongState(id, 'delete', state, ['available', 'error']);
    // Gone once deleting ends: deleted volumes are not listed, as on most clouds.
    const timeline = this.#schedule(row, now, [{ state: 'deleting', durationMs }, { state: 'deleted', durationMs: 0 }]);
    this.db.prepare('UPDATE volumes SET gone_at = ? WHERE id = ?').run(timeline[timeline.length - 1]![0], id);
  }

  /** When an instance is destroyed its volumes come off with it, free by the time it is gone. */
  releaseFrom(instanceId: string, now: number, until: number): void {
    const rows = this.db.prepare(`SELECT * FROM volumes WHERE instance_id = @instanceId AND ${VISIBLE}`).all({ instanceId, now }) as VolumeRow[];
    for (const row of rows) {
      const state = stateOf(row, now);
      if (state !== 'attaching' && state !== 'in-use') continue;
      this.#schedule(row, now, [{ state: 'detaching', durationMs: Math.max(0, until - now) }, { state: 'available', durationMs: 0 }]);
    }
  }

  purge(now: number): number {
    return this.db.prepare('DELETE FROM volumes WHERE gone_at <= ?').run(now).changes;
  }

  #row(id: string, now: number): VolumeRow {
    const row = this.db.prepare(`SELECT * FROM volumes WHERE id = @id AND ${VISIBLE}`).get({ id, now }) as VolumeRow | undefined;
    if (row === undefined) throw notFound('Volume', id, 'volumeId');
    return row;
  }

  #devicesInUse(instanceId: string, now: number): string[] {
    const rows = this.db.prepare(`SELECT * FROM volumes WHERE instance_id = @instanceId AND ${VISIBLE}`).all({ instanceId, now }) as VolumeRow[];
    return rows.filter((r) => ATTACHED.includes(stateOf(r, now))).map((r) => r.device ?? '');
  }

  #schedule(row: VolumeRow, now: number, steps: { state: VolumeState; durationMs: number }[], attachment?: { instanceId: string; device: string }): Timeline {
    const timeline = scheduleFrom(parseTimeline(row.timeline), now, steps);
    if (attachment === undefined) this.db.prepare('UPDATE volumes SET timeline = ? WHERE id = ?').run(JSON.stringify(timeline), row.id);
    else this.db.prepare('UPDATE volumes SET timeline = ?, instance_id = ?, device = ? WHERE id = ?').run(JSON.stringify(timeline), attachment.instanceId, attachment.device, row.id);
    return timeline;
  }
}
