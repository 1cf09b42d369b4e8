/** An instance record as the broker sees it: normalized state beside the raw one, addresses. */
import type { NativeInstance } from '@skyport/core';
import type { InstanceAddress, InstanceState } from '@skyport/model';
import type { InstanceRecord, RawInstanceState } from './driver-state.js';

export const RAW_TO_STATE: Readonly<Record<RawInstanceState, InstanceState>> = {
  creating: 'pending',
  starting: 'pending',
  running: 'running',
  resetting: 'rebooting',
  'powering-down': 'stopping',
  shutoff: 'stopped',
  crashed: 'error',
  deleting: 'shutting-down',
};

/** The guest address QEMU's user-mode network always gives. */
export const GUEST_ADDRESS = '10.0.2.15';

/**
 * While QEMU runs: the HTTP forward first (`127.0.0.1:PORT` reaches guest port 80), then the SSH
 * forward (guest port 22), then the guest's own address.
 */
export function instanceAddresses(record: InstanceRecord): InstanceAddress[] {
  if (record.process === undefined) return [];
  return [
    { kind: 'public', address: `127.0.0.1:${record.ports.http}` },
    { kind: 'public', address: `127.0.0.1:${record.ports.ssh}` },
    { kind: 'private', address: GUEST_ADDRESS },
  ];
}

export function instanceView(record: InstanceRecord): NativeInstance {
  return {
    nativeId: record.id,
    name: record.name,
    state: RAW_TO_STATE[record.state],
    rawState: record.state,
    ...(record.stateReason === undefined ? {} : { stateReason: record.stateReason }),
    imageId: record.imageId,
    hardwareProfileId: record.hardwareProfileId,
    cpus: record.cpus,
    memoryMiB: record.memoryMiB,
    diskGiB: record.diskGiB,
    locationId: record.locationId,
    ...(record.keyName === undefined ? {} : { keyName: record.keyName }),
    addresses: instanceAddresses(record),
    tags: { ...record.tags },
    createdAt: record.createdAt,
  };
}

/** A destroyed instance, listed as terminated for a while. */
export function terminatedView(record: InstanceRecord): NativeInstance {
  return { ...instanceView(record), state: 'terminated', rawState: 'deleted', addresses: [] };
}
