/** Rules for a VirtualHardwareSection: its items, their ids, ranges and references. */
import type { IssueCollector } from './issues.js';
import { RESOURCE_TYPE } from './hardware-catalogue.js';
import { field, ovfChild, settingsItems, type SettingsItem } from './ovf-document.js';
import { bytesPerUnit, parseInteger } from './units.js';
import { checkUnknown, requireInfo, type ContentContext } from './validation-helpers.js';
import { VBOX_NS, VMW_NS } from './namespaces.js';

/** CIM_ResourceAllocationSettingData properties (CIM 2.x schema) plus the ones VMware's 0.9 writer used. */
const RASD_PROPERTIES = new Set(
  [
    'Address',
    'AddressOnParent',
    'AllocationUnits',
    'AutomaticAllocation',
    'AutomaticDeallocation',
    'BusNumber',
    'Caption',
    'ChangeableType',
    'ConfigurationName',
    'Connection',
    'ConsumerVisibility',
    'Description',
    'ElementName',
    'Generation',
    'HostResource',
    'InstanceID',
    'Limit',
    'MappingBehavior',
    'OtherResourceType',
    'Parent',
    'PoolID',
    'Reservation',
    'ResourceSubType',
    'ResourceType',
    'VirtualQuantity',
    'VirtualQuantityUnits',
    'Weight',
  ].map((p) => p.toLowerCase()),
);

const BOUNDS = new Set(['normal', 'min', 'max']);

export function validateHardware(section: XmlElementLike, context: ContentContext, issues: IssueCollector): void {
  requireInfo(section, issues);
  const items = settingsItems(section);
  const byInstance = new Map<string, SettingsItem[]>();
  for (const item of items) {
    const where = item.element.path;
    const instanceId = field(item, 'InstanceID');
    const resourceType = field(item, 'ResourceType');
    if (instanceId === undefined) issues.error('item.no-instance-id', 'an item has no InstanceID', where);
    if (resourceType === undefined) issues.error('item.no-resource-type', `item ${instanceId ?? '?'} has no ResourceType`, where);
    else if (parseInteger(resourceType) === undefined) issues.error('item.bad-resource-type', `item ${instanceId ?? '?'} has ResourceType "${resourceType}", which is not a CIM resource type number`, where);
    if (item.bound !== undefined && !BOUNDS.has(item.bound)) issues.error('item.bad-bound', `item ${instanceId ?? '?'} has ovf:bound "${item.bound}"; allowed: normal, min, max`, `${where}/@ovf:bound`);
    for (const configuration of item.configurations) {
      if (!context.configurations.has(configuration)) issues.error('item.unknown-configuration', `item ${instanceId ?? '?'} applies to deployment option "${configuration}", which the DeploymentOptionSection does not declare`, `${where}/@ovf:configuration`);
    }
    checkItemFields(item, instanceId, context, issues);
    if (instanceId !== undefined) byInstance.set(instanceId, [...(byInstance.get(instanceId) ?? []), item]);
  }
  for (const [instanceId, group] of byInstance) checkInstanceGroup(instanceId, group, issues);
  for (const item of items) {
    const parent = field(item, 'Parent');
    if (parent !== undefined && !byInstance.has(parent)) {
      issues.error('item.unknown-parent', `item ${field(item, 'InstanceID') ?? '?'} has Parent ${parent}, which is no item's InstanceID`, item.element.path);
    }
  }
  const system = ovfChild(section, 'System');
  if (system !== undefined) {
    for (const child of system.children) {
      if (child.local.toLowerCase() === 'virtualsystemtype' && child.text.trim() === '') issues.warning('system.empty-type', 'VirtualSystemType is empty', child.path);
    }
  }
}

type XmlElementLike = Parameters<typeof settingsItems>[0];

function checkItemFields(item: SettingsItem, instanceId: string | undefined, context: ContentContext, issues: IssueCollector): void {
  const label = instanceId ?? '?';
  for (const [name, values] of item.fields) {
    const first = values[0];
    if (first === undefined) continue;
    if (first.cimClass === 'rasd' && !RASD_PROPERTIES.has(name)) checkUnknown(first.element, issues, `<${first.element.qname}> is not a CIM resource allocation property`);
  }
  for (const extension of item.extensions) {
    if (extension.ns === VMW_NS || extension.ns === VBOX_NS) continue;
    checkUnknown(extension, issues, `<${extension.qname}> in item ${label} is not a property Skyport knows`);
  }
  const quantity = field(item, 'VirtualQuantity');
  if (quantity !== undefined && parseInteger(quantity) === undefined && !/^\$\{[^}]+\}$/.test(quantity)) {
    issues.error('item.bad-quantity', `item ${label} has VirtualQuantity "${quantity}", which is not a whole number`, item.element.path);
  }
  for (const name of ['Reservation', 'Limit', 'Weight']) {
    const value = field(item, name);
    if (value !== undefined && parseInteger(value) === undefined) issues.error('item.bad-number', `item ${label} has ${name} "${value}", which is not a whole number`, item.element.path);
  }
  const type = parseInteger(field(item, 'ResourceType'));
  const normal = item.bound === undefined || item.bound === 'normal';
  if (normal && (type === RESOURCE_TYPE.memory || type === RESOURCE_TYPE.processor) && quantity === undefined) {
    issues.error('item.no-quantity', `item ${label} (${type === RESOURCE_TYPE.memory ? 'memory' : 'processors'}) has no VirtualQuantity; only an ovf:bound="min" or "max" item may leave it out`, item.element.path);
  }
  if (type === RESOURCE_TYPE.memory) {
    const units = field(item, 'AllocationUnits');
    if (units !== undefined && bytesPerUnit(units) === undefined) issues.warning('item.bad-units', `memory item ${label} has AllocationUnits "${units}", which is not a byte unit; MiB is assumed`, item.element.path);
  }
  const host = field(item, 'HostResource');
  if (host !== undefined) checkHostResource(host, label, item, context, issues);
  if (type === RESOURCE_TYPE.ethernetAdapter || item.kind === 'EthernetPortItem') {
    const connection = field(item, 'Connection');
    if (connection !== undefined && !context.networks.has(connection)) {
      issues.error('nic.unknown-network', `network adapter ${label} connects to "${connection}", which the NetworkSection does not declare`, item.element.path);
    }
  }
}

function checkHostResource(host: string, label: string, item: SettingsItem, context: ContentContext, issues: IssueCollector): void {
  const disk = /^(?:ovf:)?\/*disk\/(.+)$/i.exec(host.trim());
  if (disk?.[1] !== undefined) {
    if (context.disks.has(disk[1])) context.attached.add(disk[1]);
    else issues.error('item.unknown-disk', `item ${label} uses disk "${disk[1]}", which the DiskSection does not declare`, item.element.path);
    return;
  }
  const file = /^(?:ovf:)?\/*file\/(.+)$/i.exec(host.trim());
  if (file?.[1] !== undefined && !context.files.has(file[1])) {
    issues.error('item.unknown-file', `item ${label} uses file "${file[1]}", which <References> does not list`, item.element.path);
  }
}

/** Items sharing an InstanceID: one normal value and at most one min and one max bound per deployment option. */
function checkInstanceGroup(instanceId: string, group: readonly SettingsItem[], issues: IssueCollector): void {
  for (const bound of ['normal', 'min', 'max'] as const) {
    const same = group.filter((i) => (i.bound ?? 'normal') === bound);
    for (let a = 0; a < same.length; a += 1) {
      for (let b = a + 1; b < same.length; b += 1) {
        const first = same[a];
        const second = same[b];
        if (first === undefined || second === undefined || !overlap(first, second)) continue;
        const what = bound === 'normal' ? 'two items have' : `two ovf:bound="${bound}" items have`;
        issues.error(bound === 'normal' ? 'item.duplicate-instance-id' : 'item.duplicate-bound', `${what} InstanceID ${instanceId}`, second.element.path);
      }
    }
  }
  const hasNormal = group.some((i) => (i.bound ?? 'normal') === 'normal');
  if (!hasNormal) issues.error('item.bound-without-normal', `InstanceID ${instanceId} has only min/max bounds and no normal value`, group[0]?.element.path ?? '/');
  const types = new Set(group.map((i) => field(i, 'ResourceType')));
  if (types.size > 1) issues.error('item.duplicate-instance-id', `items with InstanceID ${instanceId} have different ResourceTypes`, group[1]?.element.path ?? '/');
}

/**
 * Whether two items are rivals: both unconditional.
 * An item for an option overrides the unconditional one with the same InstanceID.
 */
function overlap(a: SettingsItem, b: SettingsItem): boolean {
  // Options may overlap (`medium large` and `large`): ovftool takes the most specific one.
  return a.configurations.length === 0 && b.configurations.length === 0;
}

