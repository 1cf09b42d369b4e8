/**
 * The namespaces OVF producers use, and tolerant matching for them. Real descriptors bind
 * the CIM namespaces with and without `.xsd`, with trailing slashes (oVirt), and even with
 * artefacts of copying from a PDF, so CIM classes are recognised by their class name.
 */
export type OvfVersion = '0.9' | '1.0' | '2.0';

export const OVF_NS = {
  '0.9': 'http://www.vmware.com/schema/ovf/1/envelope',
  '1.0': 'http://schemas.dmtf.org/ovf/envelope/1',
  '2.0': 'http://schemas.dmtf.org/ovf/envelope/2',
} as const satisfies Record<OvfVersion, string>;

export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const VMW_NS = 'http://www.vmware.com/schema/ovf';
export const VBOX_NS = 'http://www.virtualbox.org/ovf/machine';
export const CIM_NS = 'http://schemas.dmtf.org/wbem/wscim/1/common';
export const OVF_ENV_NS = 'http://schemas.dmtf.org/ovf/environment/1';

const CIM_SCHEMA = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/';
export const RASD_NS = `${CIM_SCHEMA}CIM_ResourceAllocationSettingData`;
export const VSSD_NS = `${CIM_SCHEMA}CIM_VirtualSystemSettingData`;
export const SASD_NS = `${CIM_SCHEMA}CIM_StorageAllocationSettingData`;
export const EPASD_NS = `${CIM_SCHEMA}CIM_EthernetPortAllocationSettingData`;

function trimUri(uri: string): string {
  return uri.trim().replace(/\/+$/, '');
}

/** The OVF version an envelope namespace stands for, trailing slashes tolerated. */
export function ovfVersionOfNamespace(uri: string): OvfVersion | undefined {
  const trimmed = trimUri(uri);
  for (const [version, ns] of Object.entries(OVF_NS) as [OvfVersion, string][]) {
    if (trimmed === ns) return version;
  }
  return undefined;
}

export type CimClass = 'rasd' | 'vssd' | 'sasd' | 'epasd';

const CIM_CLASSES: readonly (readonly [CimClass, string])[] = [
  ['rasd', 'CIM_ResourceAllocationSettingData'],
  ['vssd', 'CIM_VirtualSystemSettingData'],
  ['sasd', 'CIM_StorageAllocationSettingData'],
  ['epasd', 'CIM_EthernetPortAllocationSettingData'],
];

/** Which CIM settings class a namespace URI names, however it is spelled. */
export function cimClassOfNamespace(uri: string): CimClass | undefined {
  const trimmed = trimUri(uri).replace(/\.xsd$/i, '');
  if (!/schemas\.dmtf\.org\/wbem\/wscim\//i.test(trimmed)) return undefined;
  const last = trimmed.slice(trimmed.lastIndexOf('/') + 1).toLowerCase();
  return CIM_CLASSES.find(([, name]) => last === name.toLowerCase())?.[0];
}
