/**
 * Volume snapshots: standalone qcow2 copies under `snapshots/`. A volume in use by a running
 * instance is copied by QEMU itself (`blockdev-backup`, a point-in-time, crash-consistent copy
 * while the guest keeps writing); any other volume by `qemu-img convert`. Progress comes from
 * the block job or from qemu-img's own percentage.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DriverCreateSnapshotRequest, NativeSnapshot } from '@skyport/core';
import type { DriverContext } from './driver-context.js';
import { GIB } from './driver-context.js';
import type { SnapshotRecord, VolumeRecord } from './driver-state.js';
import { hostError, invalidState, notFound } from './errors.js';
import { newNativeId } from './native-ids.js';
import { volumeNodeName } from './qemu-command.js';
import { checkName, validTags } from './tag-rules.js';
import type { VmProcess } from './vm-process.js';
import type { VolumeService } from './volume-service.js';

const JOB_POLL_MS = 200;

export function snapshotView(record: SnapshotRecord): NativeSnapshot {
  return {
    nativeId: record.id,
    name: record.name,
    volumeId: record.volumeId,
    sizeGiB: record.sizeGiB,
    state: record.state,
    progress: record.progress,
    tags: { ...record.tags },
    createdAt: record.createdAt,
  };
}

export class SnapshotService {
  readonly #cancel = new Map<string, AbortController>();

  constructor(
    private readonly ctx: DriverContext,
    private readonly volumes: VolumeService,
  ) {}

  list(): NativeSnapshot[] {
    return this.ctx.state.snapshots.map(snapshotView);
  }

  record(id: string): SnapshotRecord {
    const record = this.ctx.state.snapshots.find((s) => s.id === id);
    if (record === undefined) throw notFound('snapshot', id, 'snapshotId');
    return record;
  }

  async create(request: DriverCreateSnapshotRequest): Promise<NativeSnapshot> {
    const volume = this.volumes.record(request.volumeId);
    if (volume.state !== 'available' && volume.state !== 'in-use') {
      throw invalidState(`cannot snapshot volume ${volume.id}: it is ${volume.state}; snapshots are taken of available or in-use volumes`, {
        volumeId: volume.id,
        state: volume.state,
        allowedStates: ['available', 'in-use'],
      });
    }
    const record: SnapshotRecord = {
      id: newNativeId('snap'),
      name: checkName('name', 'snapshot', request.name),
      volumeId: volume.id,
      sizeGiB: volume.sizeGiB,
      state: 'pending',
      progress: 0,
      tags: validTags(request.tags),
      createdAt: new Date().toISOString(),
    };
    this.ctx.state.snapshots.push(record);
    await this.ctx.save();
    const cancel = new AbortController();
    this.#cancel.set(record.id, cancel);
    this.ctx.tasks.background(`volume:${volume.id}`, async () => {
      const path = this.ctx.layout.snapshotFile(record.id);
      const signal = AbortSignal.any([cancel.signal, this.ctx.tasks.signal]);
      try {
        await mkdir(dirname(path), { recursive: true });
        const vm = volume.attachment === undefined || volume.state !== 'in-use' ? undefined : this.ctx.vms.get(volume.attachment.instanceId);
        if (vm !== undefined) await this.#backupLive(vm, volume, record, path, signal);
        else {
          await this.ctx.qemuImg.convertToQcow2({ path: this.ctx.layout.volumeFile(volume.id), qemuFormat: 'qcow2' }, path, {
            what: `copying volume ${volume.id}`,
            signal,
            onPercent: (percent) => (record.progress = Math.min(99, Math.floor(percent))),
          });
        }
        record.state = 'completed';
        record.progress = 100;
      } catch {
        await rm(path, { force: true });
        record.state = 'error';
      } finally {
        this.#cancel.delete(record.id);
      }
      // A snapshot deleted while it was taken is gone from the state already.
      if (this.ctx.state.snapshots.includes(record)) await this.ctx.save().catch(() => undefined);
      else await rm(path, { force: true });
    });
    return snapshotView(record);
  }

  async delete(id: string): Promise<void> {
    const record = this.record(id);
    this.#cancel.get(id)?.abort();
    this.ctx.state.snapshots = this.ctx.state.snapshots.filter((s) => s !== record);
    await rm(this.ctx.layout.snapshotFile(id), { force: true });
    await this.ctx.save();
  }

  /** After a restart, snapshots that were being taken cannot finish. */
  async recover(): Promise<void> {
    for (const snapshot of this.ctx.state.snapshots) {
      if (snapshot.state === 'pending') {
        snapshot.state = 'error';
        await rm(this.ctx.layout.snapshotFile(snapshot.id), { force: true });
      }
    }
    await this.ctx.save();
  }

  /** A full point-in-time copy by QEMU's backup job into a new qcow2 file. */
  async #backupLive(vm: VmProcess, volume: VolumeRecord, record: SnapshotRecord, path: string, signal: AbortSignal): Promise<void> {
    const target = `backup-${record.id}`;
    await this.ctx.qemuImg.createBlank(path, volume.sizeGiB * GIB);
    await vm.qmp.execute('blockdev-add', { driver: 'qcow2', 'node-name': target, file: { driver: 'file', filename: path } });
    try {
      const completed = vm.qmp.waitForEvent(['BLOCK_JOB_COMPLETED', 'BLOCK_JOB_CANCELLED'], 24 * 3_600_000, (e) => e.data?.['device'] === target);
      await vm.qmp.execute('blockdev-backup', { 'job-id': target, device: volumeNodeName(volume.id), target, sync: 'full' });
      for (;;) {
        const done = await Promise.race([completed, sleep(JOB_POLL_MS, 'poll' as const)]);
        if (done !== 'poll') {
          if (done === undefined) throw hostError(`QEMU ended before the snapshot of volume ${volume.id} completed`);
          if (done.event === 'BLOCK_JOB_CANCELLED') throw hostError('the snapshot was cancelled');
          if (typeof done.data?.['error'] === 'string') throw hostError(`QEMU's backup job failed: ${done.data['error']}`);
          return;
        }
        if (signal.aborted) {
          await vm.qmp.execute('block-job-cancel', { device: target, force: true }).catch(() => undefined);
          await Promise.race([completed, sleep(5_000)]);
          throw hostError('the snapshot was cancelled');
        }
        const jobs = await vm.qmp.execute<{ device: string; len: number; offset: number }[]>('query-block-jobs').catch(() => []);
        const job = jobs.find((j) => j.device === target);
        if (job !== undefined && job.len > 0) record.progress = Math.min(99, Math.floor((job.offset / job.len) * 100));
      }
    } finally {
      await vm.qmp.execute('blockdev-del', { 'node-name': target }).catch(() => undefined);
    }
  }
}
