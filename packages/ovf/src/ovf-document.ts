/**
 * The structural view of a descriptor that the reader and the validator share: which OVF
 * version, where the sections are (as elements or as `<Section xsi:type=…>` in OVF 0.9 and
 * oVirt), and the settings items of a hardware section with their CIM fields.
 */
import { type OvfVersion, OVF_NS, XSI_NS, cimClassOfNamespace, ovfVersionOfNamespace, type CimClass } from './namespaces.js';
import { resolveQNameValue, type XmlElement } from './xml-tree.js';

export interface OvfDocument {
  readonly root: XmlElement;
  /** From the envelope's namespace; undefined when the root is not an OVF envelope. */
  readonly version: OvfVersion | undefined;
  /** The namespace URI as written on the envelope. */
  readonly ovfNs: string | undefined;
}

export function toDocument(root: XmlElement): OvfDocument {
  const version = ovfVersionOfNamespace(root.ns);
  return { root, version, ovfNs: version === undefined ? undefined : root.ns };
}

/** OVF namespaces, and no namespace at all: VMware's 0.9 writer left OVF elements unqualified. */
export function isOvfNamespace(ns: string): boolean {
  return ns === '' || ovfVersionOfNamespace(ns) !== undefined;
}

/** An attribute in any OVF namespace (producers mix them up), else one with no namespace. */
export function ovfAttr(element: XmlElement, local: string): string | undefined {
  const qualified = element.attributes.find((a) => a.local === local && isOvfNamespace(a.ns));
  if (qualified !== undefined) return qualified.value;
  return element.attributes.find((a) => a.local === local && a.ns === '')?.value;
}

export function attr(element: XmlElement, ns: string, local: string): string | undefined {
  return element.attributes.find((a) => a.ns === ns && a.local === local)?.value;
}

/** `ovf:required`, which defaults to true. */
export function isRequired(element: XmlElement): boolean {
  const value = ovfAttr(element, 'required');
  return value === undefined || value.trim().toLowerCase() !== 'false';
}

function xsiType(element: XmlElement): string | undefined {
  const value = attr(element, XSI_NS, 'type');
  if (value === undefined) return undefined;
  const { ns, local } = resolveQNameValue(element, value);
  return ns !== undefined && isOvfNamespace(ns) ? local : undefined;
}

/**
 * The OVF section an element is, by element name or (OVF 0.9, oVirt) by `xsi:type`:
 * `DiskSection`, `VirtualHardwareSection`, ... Undefined for anything else.
 */
export function sectionName(element: XmlElement): string | undefined {
  if (!isOvfNamespace(element.ns)) return undefined;
  if (element.local === 'Section') {
    const type = xsiType(element);
    return type?.endsWith('_Type') === true ? type.slice(0, -'_Type'.length) : type;
  }
  return element.local.endsWith('Section') ? element.local : undefined;
}

export type ContentKind = 'VirtualSystem' | 'VirtualSystemCollection';

/** Whether an element is a virtual system or a collection (element name or `Content xsi:type`). */
export function contentKind(element: XmlElement): ContentKind | undefined {
  if (!isOvfNamespace(element.ns)) return undefined;
  const name = element.local === 'Content' ? xsiType(element)?.replace(/_Type$/, '') : element.local;
  return name === 'VirtualSystem' || name === 'VirtualSystemCollection' ? name : undefined;
}

export function ovfChildren(element: XmlElement, local: string): XmlElement[] {
  return element.children.filter((c) => c.local === local && isOvfNamespace(c.ns));
}

export function ovfChild(element: XmlElement, local: string): XmlElement | undefined {
  return element.children.find((c) => c.local === local && isOvfNamespace(c.ns));
}

export function sections(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => sectionName(c) === name);
}

export function textOf(element: XmlElement | undefined): string | undefined {
  if (element === undefined) return undefined;
  const text = element.text.trim();
  return text === '' ? undefined : text;
}

export type ItemKind = 'Item' | 'StorageItem' | 'EthernetPortItem';

export interface SettingsField {
  readonly element: XmlElement;
  readonly cimClass: CimClass;
  readonly value: string;
}

/** One settings item of a hardware section, its CIM fields keyed by lower-case name. */
export interface SettingsItem {
  readonly element: XmlElement;
  readonly kind: ItemKind;
  /** Lower-case property name (`instanceid`, `resourcetype`) to the values written. */
  readonly fields: ReadonlyMap<string, readonly SettingsField[]>;
  /** Child elements that are not CIM settings (vendor extensions, unknown elements). */
  readonly extensions: readonly XmlElement[];
  readonly bound: string | undefined;
  readonly configurations: readonly string[];
}

const ITEM_KINDS: readonly ItemKind[] = ['Item', 'StorageItem', 'EthernetPortItem'];

export function settingsItems(hardware: XmlElement): SettingsItem[] {
  return hardware.children.filter((c) => isOvfNamespace(c.ns) && (ITEM_KINDS as readonly string[]).includes(c.local)).map(toSettingsItem);
}

function toSettingsItem(element: XmlElement): SettingsItem {
  const fields = new Map<string, SettingsField[]>();
  const extensions: XmlElement[] = [];
  for (const child of element.children) {
    const cimClass = cimClassOfNamespace(child.ns);
    if (cimClass === undefined) {
      extensions.push(child);
      continue;
    }
    // `InstanceId` (OVF 0.9, VMware's early 1.0, oVirt) and `InstanceID` are the same property.
    const key = child.local.toLowerCase();
    const list = fields.get(key) ?? [];
    list.push({ element: child, cimClass, value: child.text.trim() });
    fields.set(key, list);
  }
  const configuration = ovfAttr(element, 'configuration');
  return {
    element,
    kind: element.local as ItemKind,
    fields,
    extensions,
    bound: ovfAttr(element, 'bound')?.trim(),
    configurations: configuration === undefined ? [] : configuration.split(/[\s,]+/).filter((c) => c !== ''),
  };
}

export function field(item: SettingsItem, name: string): string | undefined {
  const value = item.fields.get(name.toLowerCase())?.[0]?.value;
  return value === undefined || value === '' ? undefined : value;
}

export function fieldValues(item: SettingsItem, name: string): string[] {
  return (item.fields.get(name.toLowerCase()) ?? []).map((f) => f.value).filter((v) => v !== '');
}

/** Multi-valued CIM strings: producers separate values with spaces or commas. */
export function splitMulti(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/[\s,]+/).filter((v) => v !== '');
}

export { OVF_NS };
