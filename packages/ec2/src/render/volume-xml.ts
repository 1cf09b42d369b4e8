/**
 * Volumes and snapshots as EC2 shows them. EC2 has no `attaching`/`detaching` volume state: the
 * volume is `in-use` and its attachment carries the transition.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Volume.html
 */
import type { Snapshot, Volume } from '@skyport/model';
import type { ProviderCatalog } from '../action-context.js';
import { items, type XmlFields } from '../protocol/xml-writer.js';
import { tagSetXml } from './tags-xml.js';

/** Skyport volumes have one kind; EC2's oldest type name says so without promising performance. */
export const VOLUME_TYPE = 'standard';

export function ec2VolumeState(volume: Volume): string {
  switch (volume.state) {
    case 'attaching':
    case 'detaching':
      return 'in-use';
    default:
      return volume.state;
  }
}

export function attachmentStatus(volume: Volume): string {
  return volume.state === 'attaching' ? 'attaching' : volume.state === 'detaching' ? 'detaching' : 'attached';
}

export function volumeXml(volume: Volume, catalog: ProviderCatalog): XmlFields {
  const zone = volume.locationId === undefined ? undefined : catalog.zoneById.get(volume.locationId);
  const attachment = volume.attachment;
  return {
    volumeId: volume.id,
    size: volume.sizeGiB,
    snapshotId: volume.snapshotId ?? '',
    availabilityZone: zone?.name ?? '',
    status: ec2VolumeState(volume),
    createTime: new Date(volume.createdAt),
    attachmentSet: items(
      attachment === undefined
        ? []
        : [{ volumeId: volume.id, instanceId: attachment.instanceId, device: attachment.device, status: attachmentStatus(volume), deleteOnTermination: false }],
    ),
    tagSet: tagSetXml(volume.tags),
    volumeType: VOLUME_TYPE,
    encrypted: false,
    multiAttachEnabled: false,
  };
}

/** EC2 snapshot states; a deleted snapshot is gone at EC2, so it is never shown. */
export function ec2SnapshotState(snapshot: Snapshot): string {
  return snapshot.state === 'deleted' ? 'error' : snapshot.state;
}

export function snapshotXml(snapshot: Snapshot, ownerId: string): XmlFields {
  return {
    snapshotId: snapshot.id,
    volumeId: snapshot.volumeId,
    status: ec2SnapshotState(snapshot),
    startTime: new Date(snapshot.createdAt),
    progress: `${Math.round(snapshot.progress)}%`,
    ownerId,
    volumeSize: snapshot.sizeGiB,
    // Skyport snapshots have a name, no description; the name is what describes them.
    description: snapshot.name,
    encrypted: false,
    tagSet: tagSetXml(snapshot.tags),
    storageTier: 'standard',
  };
}
