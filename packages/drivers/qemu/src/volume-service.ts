/**
 * Volumes: qcow2 files under `volumes/`. Attached to a running instance they are hot-plugged
 * through QMP (`blockdev-add` + `device_add` of a virtio-blk disk whose serial is the volume id);
 * detaching asks the guest to release the disk (`device_del`, ACPI eject) and waits for QEMU's
 * DEVICE_DELETED. Attached to a stopped instance they are simply on its next command line.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { constants } from 'node:fs';
import type { DriverCreateVolumeRequest, NativeVolume } from '@skyport/core';
import type { DriverContext } from './driver-context.js';
import { GIB } from './driver-context.js';
import type { VolumeRecord } from './driver-state.js';
import { invalidArgument, invalidState, messageOf, notFound } from './errors.js';
import type { InstanceService } from './instance-service.js';
import { newNativeId } from './native-ids.js';
import { deviceForSlot, pciAddress, PCI_SLOT, slotForDevice, volumeDeviceId, volumeNodeName } from './qemu-command.js';
import { checkName, validTags } from './tag-rules.js';
import type { VmProcess } from './vm-process.js';

export const MAX_VOLUME_GIB = 1024;
/** How long the guest has to release a disk after device_del. */
const DETACH_TIMEOUT_MS = 30_000;

export function volumeView(record: VolumeRecord): NativeVolume {
  return {
    nativeId: record.id,
    name: record.name,
    sizeGiB: record.sizeGiB,
    state: record.state,
    locationId: record.locationId,
    ...(record.snapshotId === undefined ? {} : { snapshotId: record.snapshotId }),
    ...(record.attachment === undefined ? {} : { attachment: { instanceId: record.attachment.instanceId, device: deviceForSlot(record.attachment.slot) } }),
    tags: { ...record.tags },
    createdAt: record.createdAt,
  };
}

export class VolumeService {
  constructor(
    private readonly ctx: DriverContext,
    private readonly instances: InstanceService,
  ) {}

  list(): NativeVolume[] {
    return this.ctx.state.volumes.map(volumeView);
  }

  record(id: string, field = 'volumeId'): VolumeRecord {
    const record = this.ctx.state.volumes.find((v) => v.id === id);
    if (record === undefined) throw notFound('volume', id, field);
    return record;
  }

  async create(request: DriverCreateVolumeRequest): Promise<NativeVolume> {
    const name = checkName('name', 'volume', request.name);
    if (!Number.isInteger(request.sizeGiB) || request.sizeGiB < 1 || request.sizeGiB > MAX_VOLUME_GIB) {
      throw invalidArgument('sizeGiB', `volume size ${String(request.sizeGiB)} GiB must be a whole number from 1 to ${MAX_VOLUME_GIB}`, { min: 1, max: MAX_VOLUME_GIB });
    }
    const zone = this.ctx.catalogue.zoneFor(request.locationId);
    const tags = validTags(request.tags);
    const snapshot = request.snapshotId === undefined ? undefined : this.ctx.state.snapshots.find((s) => s.id === request.snapshotId);
    if (request.snapshotId !== undefined) {
      if (snapshot === undefined) throw notFound('snapshot', request.snapshotId, 'snapshotId');
      if (snapshot.state !== 'completed') throw invalidState(`snapshot ${snapshot.id} is ${snapshot.state}; volumes are made only from completed snapshots`, { snapshotId: snapshot.id, state: snapshot.state });
      if (request.sizeGiB < snapshot.sizeGiB) throw invalidArgument('sizeGiB', `a volume from snapshot ${snapshot.id} needs at least ${snapshot.sizeGiB} GiB`, { minimum: snapshot.sizeGiB });
    }
    const record: VolumeRecord = {
      id: newNativeId('disk'),
      name,
      sizeGiB: request.sizeGiB,
      state: snapshot === undefined ? 'available' : 'creating',
      locationId: zone,
      ...(snapshot === undefined ? {} : { snapshotId: snapshot.id }),
      tags,
      createdAt: new Date().toISOString(),
    };
    const path = this.ctx.layout.volumeFile(record.id);
    await mkdir(dirname(path), { recursive: true });
    if (snapshot === undefined) {
      try {
        await this.ctx.qemuImg.createBlank(path, record.sizeGiB * GIB);
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
      this.ctx.state.volumes.push(record);
      await this.ctx.save();
      return volumeView(record);
    }
    this.ctx.state.volumes.push(record);
    await this.ctx.save();
    const source = this.ctx.layout.snapshotFile(snapshot.id);
    this.ctx.tasks.background(`volume:${record.id}`, async () => {
      try {
        // Snapshots are standalone qcow2 files: a clone or copy is a complete volume.
        await copyFile(source, path, constants.COPYFILE_FICLONE);
        if (record.sizeGiB > snapshot.sizeGiB) await this.ctx.qemuImg.resize(path, record.sizeGiB * GIB);
        record.state = 'available';
      } catch {
        await rm(path, { force: true });
        record.state = 'error';
      }
      await this.ctx.save().catch(() => undefined);
    });
    return volumeView(record);
  }

  attach(volumeId: string, instanceId: string, device?: string): Promise<void> {
    const volume = this.record(volumeId);
    this.instances.record(instanceId);
    return this.ctx.tasks.serial(instanceId, async () => {
      const instance = this.instances.record(instanceId);
      if (volume.state !== 'available') throw invalidState(`cannot attach volume ${volumeId}: it is ${volume.state}; only available volumes can be attached`, { volumeId, state: volume.state, allowedStates: ['available'] });
      const running = instance.state === 'running' || instance.state === 'resetting';
      if (!running && instance.state !== 'shutoff' && instance.state !== 'crashed') {
        throw invalidState(`cannot attach volume ${volumeId} to instance ${instanceId}: it is ${instance.state}; volumes attach to running or stopped instances`, {
          instanceId,
          rawState: instance.state,
          allowedStates: ['running', 'stopped'],
        });
      }
      if (volume.locationId !== instance.locationId) throw invalidArgument('volumeId', `volume ${volumeId} is in ${volume.locationId} but instance ${instanceId} is in ${instance.locationId}`);
      const slot = this.#slot(instanceId, device);
      volume.attachment = { instanceId, slot };
      const vm = running ? this.ctx.vms.get(instanceId) : undefined;
      if (vm !== undefined) {
        volume.state = 'attaching';
        const node = volumeNodeName(volumeId);
        try {
          await vm.qmp.execute('blockdev-add', { driver: 'qcow2', 'node-name': node, file: { driver: 'file', filename: this.ctx.layout.volumeFile(volumeId) } });
          try {
            await vm.qmp.execute('device_add', { driver: 'virtio-blk-pci', id: volumeDeviceId(volumeId), drive: node, serial: volumeId, addr: pciAddress(slot) });
          } catch (error) {
            await vm.qmp.execute('blockdev-del', { 'node-name': node }).catch(() => undefined);
            throw error;
          }
        } catch (error) {
          volume.attachment = undefined;
          volume.state = 'available';
          throw invalidState(`volume ${volumeId} could not be attached to instance ${instanceId}: ${messageOf(error)}`, { volumeId, instanceId });
        }
      }
      volume.state = 'in-use';
      await this.ctx.save();
    });
  }

  async detach(volumeId: string): Promise<void> {
    const volume = this.record(volumeId);
    const instanceId = volume.attachment?.instanceId;
    if (volume.state !== 'in-use' || instanceId === undefined) {
      throw invalidState(`cannot detach volume ${volumeId}: it is ${volume.state}; only in-use volumes can be detached`, { volumeId, state: volume.state, allowedStates: ['in-use'] });
    }
    this.#refuseWhileSnapshotting(volumeId, 'detach');
    await this.ctx.tasks.serial(instanceId, async () => {
      const vm = this.ctx.vms.get(instanceId);
      if (vm === undefined) {
        volume.attachment = undefined;
        volume.state = 'available';
        await this.ctx.save();
        return;
      }
      const deviceId = volumeDeviceId(volumeId);
      const deleted = vm.qmp.waitForEvent('DEVICE_DELETED', DETACH_TIMEOUT_MS, (e) => e.data?.['device'] === deviceId, this.ctx.tasks.signal);
      try {
        await vm.qmp.execute('device_del', { id: deviceId });
      } catch (error) {
        throw invalidState(`volume ${volumeId} could not be detached from instance ${instanceId}: ${messageOf(error)}`, { volumeId, instanceId });
      }
      volume.state = 'detaching';
      await this.ctx.save();
      // The guest releases the disk asynchronously (ACPI eject); finish in the background.
      this.ctx.tasks.background(`volume:${volumeId}`, async () => {
        const event = await deleted;
        // Closing: the next driver checks whether the guest released the disk (recover()).
        if (this.ctx.tasks.closed) return;
        if (event === undefined && vm.running) {
          // The guest did not release the disk (no ACPI hotplug support?): it stays attached.
          volume.state = 'in-use';
        } else {
          await vm.qmp.execute('blockdev-del', { 'node-name': volumeNodeName(volumeId) }).catch(() => undefined);
          volume.attachment = undefined;
          volume.state = 'available';
        }
        await this.ctx.save().catch(() => undefined);
      });
    });
  }

  async delete(volumeId: string): Promise<void> {
    const volume = this.record(volumeId);
    if (volume.state !== 'available' && volume.state !== 'error') {
      throw invalidState(`cannot delete volume ${volumeId}: it is ${volume.state}; only available or failed volumes can be deleted (detach it first)`, {
        volumeId,
        state: volume.state,
        allowedStates: ['available', 'error'],
      });
    }
    this.#refuseWhileSnapshotting(volumeId, 'delete');
    await rm(this.ctx.layout.volumeFile(volumeId), { force: true });
    this.ctx.state.volumes = this.ctx.state.volumes.filter((v) => v !== volume);
    await this.ctx.save();
  }

  /** After a restart: transitions the old broker left half-done. */
  async recover(): Promise<void> {
    for (const volume of this.ctx.state.volumes) {
      if (volume.state === 'creating') volume.state = 'error';
      if (volume.state === 'attaching' || volume.state === 'detaching') {
        const instanceId = volume.attachment?.instanceId;
        const vm = instanceId === undefined ? undefined : this.ctx.vms.get(instanceId);
        const present = vm === undefined ? false : await this.#devicePresent(vm, volumeDeviceId(volume.id));
        // Without a running QEMU the attachment simply applies at the next start.
        if (present || (vm === undefined && volume.state === 'attaching')) {
          volume.state = 'in-use';
        } else {
          if (vm !== undefined) await vm.qmp.execute('blockdev-del', { 'node-name': volumeNodeName(volume.id) }).catch(() => undefined);
          volume.attachment = undefined;
          volume.state = 'available';
        }
      }
    }
    await this.ctx.save();
  }

  async #devicePresent(vm: VmProcess, deviceId: string): Promise<boolean> {
    const children = await vm.qmp.execute<{ name: string }[]>('qom-list', { path: '/machine/peripheral' }).catch(() => []);
    return children.some((c) => c.name === deviceId);
  }

  #slot(instanceId: string, device: string | undefined): number {
    const used = new Set(this.ctx.state.volumes.filter((v) => v.attachment?.instanceId === instanceId).map((v) => v.attachment!.slot));
    if (device !== undefined) {
      const slot = slotForDevice(device);
      if (slot === undefined) throw invalidArgument('device', `device ${JSON.stringify(device)} must be one of /dev/vdc .. ${deviceForSlot(PCI_SLOT.lastVolume)}`);
      if (used.has(slot)) throw invalidArgument('device', `device ${device} is already in use on instance ${instanceId}`);
      return slot;
    }
    for (let slot: number = PCI_SLOT.firstVolume; slot <= PCI_SLOT.lastVolume; slot++) if (!used.has(slot)) return slot;
    throw invalidArgument('device', `instance ${instanceId} has no free disk slot left (${PCI_SLOT.lastVolume - PCI_SLOT.firstVolume + 1} volumes attached)`);
  }

  #refuseWhileSnapshotting(volumeId: string, action: string): void {
    const pending = this.ctx.state.snapshots.find((s) => s.volumeId === volumeId && s.state === 'pending');
    if (pending !== undefined) throw invalidState(`cannot ${action} volume ${volumeId} while snapshot ${pending.id} is being taken; wait until it completes`, { volumeId, snapshotId: pending.id });
  }
}
