/**
 * What a deployment platform can take. These findings are "laxable": `--lax` turns them into
 * warnings, the way `ovftool --lax` deploys a VirtualBox export onto vSphere anyway.
 */
import type { IssueCollector } from './issues.js';
import { RESOURCE_TYPE, RESOURCE_TYPE_NAMES } from './hardware-catalogue.js';
import { contentKind, field, ovfAttr, ovfChild, sections, settingsItems, type OvfDocument } from './ovf-document.js';
import { parseInteger } from './units.js';
import type { Appliance, NicAdapter } from './vm-spec.js';
import type { XmlElement } from './xml-tree.js';

export type ValidationTarget = 'vsphere' | 'virtualbox' | 'qemu' | 'aws';
export const VALIDATION_TARGETS: readonly ValidationTarget[] = ['vsphere', 'virtualbox', 'qemu', 'aws'];

interface TargetProfile {
  readonly label: string;
  /** Hardware families the platform deploys; undefined accepts any. */
  readonly family?: RegExp;
  readonly familyHint?: string;
  readonly resourceTypes: ReadonlySet<number>;
  readonly diskFormats: ReadonlySet<string>;
  readonly nics?: ReadonlySet<NicAdapter>;
  readonly maxVms?: number;
}

const COMMON_DEVICES = [1, 3, 4, 5, 6, 10, 14, 15, 16, 17, 20, 21, 22, 23, 24];

const PROFILES: Readonly<Record<ValidationTarget, TargetProfile>> = {
  vsphere: {
    label: 'vSphere',
    family: /^vmx-\d+$/i,
    familyHint: 'a VMware hardware version such as vmx-11',
    // vSphere has no sound card and no generic "other storage" beyond SATA/NVMe controllers.
    resourceTypes: new Set(COMMON_DEVICES),
    diskFormats: new Set(['vmdk']),
    nics: new Set<NicAdapter>(['e1000', 'e1000e', 'vmxnet', 'vmxnet2', 'vmxnet3', 'pcnet32']),
  },
  virtualbox: {
    label: 'VirtualBox',
    resourceTypes: new Set([...COMMON_DEVICES, RESOURCE_TYPE.soundCard]),
    diskFormats: new Set(['vmdk', 'vhd']),
  },
  qemu: {
    label: 'QEMU/KVM',
    resourceTypes: new Set([...COMMON_DEVICES, RESOURCE_TYPE.soundCard]),
    diskFormats: new Set(['vmdk', 'qcow2', 'raw', 'vhd', 'vhdx']),
  },
  aws: {
    label: 'AWS VM Import',
    resourceTypes: new Set([...COMMON_DEVICES, RESOURCE_TYPE.soundCard]),
    diskFormats: new Set(['vmdk', 'vhd', 'vhdx', 'raw']),
    maxVms: 1,
  },
};

export function validateTarget(document: OvfDocument, appliance: Appliance, target: ValidationTarget, issues: IssueCollector): void {
  const profile = PROFILES[target];
  if (profile.maxVms !== undefined && appliance.vms.length > profile.maxVms) {
    issues.error('target.too-many-vms', `${profile.label} imports one virtual machine per appliance; this one has ${appliance.vms.length}`, document.root.path, { laxable: true });
  }
  for (const vs of virtualSystems(document.root)) checkSystem(vs, profile, issues);
  for (const vm of appliance.vms) {
    for (const disk of vm.disks) {
      const format = disk.format?.diskFormat;
      if (format === undefined || !profile.diskFormats.has(format)) {
        issues.error('target.disk-format', `disk "${disk.diskId}" of "${vm.name}" is ${format ?? `in an unknown format (${disk.format?.uri ?? 'none'})`}; ${profile.label} takes ${[...profile.diskFormats].join(', ')}`, `/Envelope/DiskSection/Disk[@ovf:diskId='${disk.diskId}']`, { laxable: true });
      }
    }
    for (const nic of vm.nics) {
      if (profile.nics !== undefined && !profile.nics.has(nic.adapter)) {
        issues.error('target.nic-adapter', `network adapter "${nic.name ?? '?'}" of "${vm.name}" is ${nic.adapterRaw ?? 'of no stated type'}; ${profile.label} supports ${[...profile.nics].join(', ')}`, `/Envelope/VirtualSystem[@ovf:id='${vm.id}']`, { laxable: true });
      }
    }
  }
}

function virtualSystems(element: XmlElement): XmlElement[] {
  return element.children.flatMap((c) => {
    const kind = contentKind(c);
    if (kind === 'VirtualSystem') return [c];
    return kind === 'VirtualSystemCollection' ? virtualSystems(c) : [];
  });
}

function checkSystem(vs: XmlElement, profile: TargetProfile, issues: IssueCollector): void {
  const hardware = sections(vs, 'VirtualHardwareSection');
  const familyOf = (h: XmlElement): string[] =>
    (ovfChild(h, 'System')?.children ?? []).filter((c) => c.local === 'VirtualSystemType').flatMap((c) => c.text.split(/[\s,]+/).filter((v) => v !== ''));
  if (profile.family !== undefined) {
    const declared = hardware.flatMap(familyOf);
    if (declared.length > 0 && !declared.some((f) => profile.family?.test(f) === true)) {
      issues.error('target.hardware-family', `virtual system "${ovfAttr(vs, 'id') ?? '?'}" declares the hardware family ${declared.join(', ')}; ${profile.label} needs ${profile.familyHint ?? 'its own'}`, hardware[0]?.path ?? vs.path, { laxable: true });
    }
  }
  // The section the platform would pick: one of its family, else the first.
  const chosen = hardware.find((h) => familyOf(h).some((f) => profile.family?.test(f) === true)) ?? hardware[0];
  for (const item of chosen === undefined ? [] : settingsItems(chosen)) {
    const type = parseInteger(field(item, 'ResourceType'));
    if (type !== undefined && !profile.resourceTypes.has(type)) {
      issues.error('target.device', `${profile.label} has no device of ResourceType ${type} (${RESOURCE_TYPE_NAMES.get(type) ?? 'unknown'}): item ${field(item, 'InstanceID') ?? '?'} "${field(item, 'ElementName') ?? field(item, 'Caption') ?? ''}"`, item.element.path, { laxable: true });
    }
  }
}
