/**
 * Images as EC2's `Image`. The provider's catalogue images are public and owned by the
 * provider (alias `amazon`, so `--owners amazon` finds them); images made from instances
 * belong to the caller's tenant (`--owners self`).
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Image.html
 */
import type { Image, Provider } from '@skyport/model';
import { ownerIdOf } from '../action-context.js';
import { items, type XmlFields } from '../protocol/xml-writer.js';
import { ROOT_DEVICE } from './instance-xml.js';
import { VOLUME_TYPE } from './volume-xml.js';
import { ec2Architecture, tagSetXml } from './tags-xml.js';

export const PUBLIC_OWNER_ALIAS = 'amazon';

export function imageOwnerId(image: Image, provider: Provider, tenantOwnerId: string): string {
  return image.public ? ownerIdOf(`provider:${provider.id}`) : tenantOwnerId;
}

export function ec2ImageState(image: Image): string {
  return image.state === 'deleted' ? 'deregistered' : image.state;
}

export function isWindows(image: Image): boolean {
  return image.os?.toLowerCase().startsWith('windows') === true;
}

export function imageXml(image: Image, provider: Provider, tenantOwnerId: string): XmlFields {
  return {
    imageId: image.id,
    imageLocation: `${provider.name}/${image.name}`,
    imageState: ec2ImageState(image),
    imageOwnerId: imageOwnerId(image, provider, tenantOwnerId),
    creationDate: image.createdAt === undefined ? undefined : new Date(image.createdAt),
    isPublic: image.public,
    architecture: ec2Architecture(image.architecture),
    imageType: 'machine',
    platform: isWindows(image) ? 'windows' : undefined,
    platformDetails: isWindows(image) ? 'Windows' : 'Linux/UNIX',
    usageOperation: isWindows(image) ? 'RunInstances:0002' : 'RunInstances',
    imageOwnerAlias: image.public ? PUBLIC_OWNER_ALIAS : undefined,
    name: image.name,
    description: image.description,
    rootDeviceType: 'ebs',
    rootDeviceName: ROOT_DEVICE,
    blockDeviceMapping: items(
      image.sizeGiB === undefined ? [] : [{ deviceName: ROOT_DEVICE, ebs: { deleteOnTermination: true, volumeSize: image.sizeGiB, volumeType: VOLUME_TYPE, encrypted: false } }],
    ),
    virtualizationType: 'hvm',
    tagSet: tagSetXml(image.tags),
    hypervisor: 'xen',
  };
}
