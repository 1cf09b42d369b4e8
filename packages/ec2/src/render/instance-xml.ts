/**
 * An instance as EC2's `Instance` structure, in the order EC2 writes its members. Fields
 * Skyport has no equivalent for (VPC, subnet, network interfaces) are left out, as EC2 does for
 * an instance without them.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html
 */
import type { Instance } from '@skyport/model';
import type { ProviderCatalog } from '../action-context.js';
import { ec2State } from '../instance-state-codes.js';
import { items, type XmlFields } from '../protocol/xml-writer.js';
import { ec2Architecture, tagSetXml } from './tags-xml.js';

export interface InstanceView {
  readonly catalog: ProviderCatalog;
  /** Security group names by broker id. */
  readonly groupNames: ReadonlyMap<string, string>;
}

/** Root device name EC2 reports for HVM images; Skyport does not model device names. */
export const ROOT_DEVICE = '/dev/sda1';

export function instanceXml(instance: Instance, view: InstanceView, launchIndex = 0): XmlFields {
  const profile = view.catalog.profileById.get(instance.hardwareProfileId);
  const zone = instance.locationId === undefined ? undefined : view.catalog.zoneById.get(instance.locationId);
  const privateIp = instance.addresses.find((a) => a.kind === 'private')?.address;
  const publicIp = instance.addresses.find((a) => a.kind === 'public')?.address;
  const failed = instance.state === 'error' || instance.state === 'unknown';
  return {
    instanceId: instance.id,
    imageId: instance.imageId,
    instanceState: ec2State(instance.state),
    privateDnsName: '',
    dnsName: '',
    reason: failed ? `${instance.state}: ${instance.stateReason ?? `provider state ${instance.rawState}`}` : '',
    keyName: instance.keyName,
    amiLaunchIndex: launchIndex,
    productCodes: items([]),
    instanceType: profile?.name ?? instance.hardwareProfileId,
    launchTime: new Date(instance.createdAt),
    placement: { availabilityZone: zone?.name ?? '', groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    privateIpAddress: privateIp,
    ipAddress: publicIp,
    groupSet: items((instance.securityGroupIds ?? []).map((id) => ({ groupId: id, groupName: view.groupNames.get(id) ?? '' }))),
    stateReason: failed ? { code: 'Server.InternalError', message: `Server.InternalError: ${instance.stateReason ?? `the provider reports ${instance.rawState}`}` } : undefined,
    architecture: profile === undefined ? undefined : ec2Architecture(profile.architecture),
    rootDeviceType: 'ebs',
    rootDeviceName: ROOT_DEVICE,
    blockDeviceMapping: items([]),
    virtualizationType: 'hvm',
    tagSet: tagSetXml(instance.tags),
    hypervisor: 'xen',
    cpuOptions: { coreCount: instance.cpus, threadsPerCore: 1 },
  };
}

/** Reservation ids are derived from the first instance's id, so they are stable across calls. */
export function reservationIdOf(instanceId: string): string {
  return `r-${instanceId.replace(/^i-/, '')}`;
}

export function reservationXml(reservationId: string, ownerId: string, instances: readonly XmlFields[]): XmlFields {
  return { reservationId, ownerId, groupSet: items([]), instancesSet: items(instances) };
}
