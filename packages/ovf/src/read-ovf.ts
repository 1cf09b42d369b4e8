/**
 * The tolerant reader: any producer's descriptor into the canonical `Appliance`. It reads
 * what it can and leaves judging to the validator (`validateOvf`), so a VirtualBox export
 * with out-of-order CIM fields or an oVirt one with `ovf:size` in GiB still yields its VMs.
 */
import { SkyportError } from '@skyport/model';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './limits.js';
import { VBOX_NS, VMW_NS } from './namespaces.js';
import {
  attr,
  contentKind,
  field,
  fieldValues,
  ovfAttr,
  ovfChild,
  ovfChildren,
  sections,
  settingsItems,
  splitMulti,
  textOf,
  toDocument,
  type OvfDocument,
  type SettingsItem,
} from './ovf-document.js';
import { CONTROLLER_RESOURCE_TYPES, RESOURCE_TYPE, controllerType, diskFormatOfUri, nicAdapter } from './hardware-catalogue.js';
import { bytesPerUnit, parseInteger } from './units.js';
import { parseXmlTree, type XmlElement } from './xml-tree.js';
import type {
  Appliance,
  DeploymentOption,
  Dialect,
  DiskController,
  FileReference,
  OperatingSystem,
  ProductInfo,
  ProductProperty,
  Producer,
  VmDisk,
  VmNic,
  VmSpec,
} from './vm-spec.js';

export interface ReadOvfOptions {
  readonly limits?: ParseLimits;
  /** Deployment option to read the hardware for; the descriptor's default otherwise. */
  readonly configuration?: string;
}

/** Parses a descriptor's text into the structural view (no judging yet). */
export function parseOvf(text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): OvfDocument & { readonly text: string } {
  return { ...toDocument(parseXmlTree(text, limits)), text };
}

/** Reads a descriptor into the canonical spec. Throws `InvalidArgument` only when it is not OVF at all. */
export function readOvf(input: string | (OvfDocument & { readonly text?: string }), options: ReadOvfOptions = {}): Appliance {
  const document = typeof input === 'string' ? parseOvf(input, options.limits) : input;
  const { root, version } = document;
  if (root.local !== 'Envelope' || version === undefined) {
    throw new SkyportError('InvalidArgument', `this is not an OVF descriptor: the root element is <${root.qname}> in namespace "${root.ns}"; expected <Envelope> in an OVF namespace (0.9, 1.x or 2.x)`, {
      details: { reason: 'not-ovf', where: '/' },
    });
  }
  const files = ovfChildren(ovfChild(root, 'References') ?? root, 'File').map(readFile);
  const networks = sections(root, 'NetworkSection').flatMap((s) =>
    ovfChildren(s, 'Network').map((n) => optional({ name: ovfAttr(n, 'name') ?? '', description: textOf(ovfChild(n, 'Description')) })),
  );
  const deploymentOptions = sections(root, 'DeploymentOptionSection').flatMap((s) => ovfChildren(s, 'Configuration').map(readDeploymentOption));
  const configuration = options.configuration ?? deploymentOptions.find((o) => o.default)?.id ?? deploymentOptions[0]?.id;
  const diskElements = [...sections(root, 'DiskSection'), ...collectNestedDiskSections(root)].flatMap((s) => ovfChildren(s, 'Disk'));
  const context: ReadContext = { files, diskElements, configuration };
  const content = root.children.find((c) => contentKind(c) !== undefined);
  const vms = content === undefined ? [] : readContent(content, context);
  const name = content === undefined ? 'appliance' : (textOf(ovfChild(content, 'Name')) ?? ovfAttr(content, 'id') ?? vms[0]?.name ?? 'appliance');
  const eulas = [root, ...(content === undefined ? [] : [content])]
    .flatMap((e) => sections(e, 'EulaSection'))
    .map((s) => textOf(ovfChild(s, 'License')))
    .filter((t): t is string => t !== undefined);
  return optional({
    ovfVersion: version,
    producer: detectProducer(document, vms),
    name,
    files,
    networks,
    deploymentOptions,
    configuration,
    vms,
    eulas,
  }) as Appliance;
}

interface ReadContext {
  readonly files: readonly FileReference[];
  readonly diskElements: readonly XmlElement[];
  readonly configuration: string | undefined;
}

/** Disk sections misplaced inside virtual systems are still read (the validator reports them). */
function collectNestedDiskSections(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const visit = (element: XmlElement): void => {
    for (const child of element.children) {
      if (contentKind(child) !== undefined) {
        out.push(...sections(child, 'DiskSection'));
        visit(child);
      }
    }
  };
  visit(root);
  return out;
}

function readContent(content: XmlElement, context: ReadContext): VmSpec[] {
  if (contentKind(content) === 'VirtualSystemCollection') {
    return content.children.filter((c) => contentKind(c) !== undefined).flatMap((c) => readContent(c, context));
  }
  return [readVirtualSystem(content, context)];
}

function readFile(element: XmlElement): FileReference {
  const compression = ovfAttr(element, 'compression')?.trim().toLowerCase();
  return optional({
    id: ovfAttr(element, 'id') ?? '',
    href: ovfAttr(element, 'href') ?? '',
    size: parseInteger(ovfAttr(element, 'size')),
    compression: compression === 'gzip' || compression === 'identity' ? compression : undefined,
    chunkSize: parseInteger(ovfAttr(element, 'chunkSize')),
  }) as FileReference;
}

function readDeploymentOption(element: XmlElement): DeploymentOption {
  return optional({
    id: ovfAttr(element, 'id') ?? '',
    label: textOf(ovfChild(element, 'Label')),
    description: textOf(ovfChild(element, 'Description')),
    default: ovfAttr(element, 'default')?.trim().toLowerCase() === 'true',
  }) as DeploymentOption;
}

/**
 * The items of one VM: normal values only (min/max bounds are ranges for the deployer), and
 * per InstanceID the item for the selected deployment option over the unconditional one.
 */
function selectItems(items: readonly SettingsItem[], configuration: string | undefined): SettingsItem[] {
  const chosen = new Map<string, SettingsItem>();
  const order: SettingsItem[] = [];
  for (const item of items) {
    if (item.bound !== undefined && item.bound !== 'normal') continue;
    const specific = configuration !== undefined && item.configurations.includes(configuration);
    if (item.configurations.length > 0 && !specific) continue;
    const id = field(item, 'InstanceID') ?? `#${order.length}`;
    const previous = chosen.get(id);
    if (previous !== undefined && (previous.configurations.length > 0 || !specific)) continue;
    chosen.set(id, item);
    if (previous === undefined) order.push(item);
    else order[order.indexOf(previous)] = item;
  }
  return order;
}

function chooseHardware(vs: XmlElement): XmlElement | undefined {
  const all = sections(vs, 'VirtualHardwareSection');
  return all.find((h) => settingsItems(h).length > 0) ?? all[0];
}

function readVirtualSystem(vs: XmlElement, context: ReadContext): VmSpec {
  const id = ovfAttr(vs, 'id') ?? '';
  const hardware = chooseHardware(vs);
  const allItems = hardware === undefined ? [] : settingsItems(hardware);
  // Bounds (min/max) describe ranges for the deployer; the VM is the normal value.
  const items = selectItems(allItems, context.configuration);
  const byInstance = new Map(items.map((i) => [field(i, 'InstanceID') ?? '', i]));
  const typeOf = (i: SettingsItem): number | undefined => parseInteger(field(i, 'ResourceType'));

  const cpuItem = items.find((i) => typeOf(i) === RESOURCE_TYPE.processor);
  const memoryItem = items.find((i) => typeOf(i) === RESOURCE_TYPE.memory);
  const memoryBytes = memoryItem === undefined ? 0 : quantityBytes(memoryItem, 1024 ** 2);
  const coresPerSocket = cpuItem === undefined ? undefined : parseInteger(cpuItem.extensions.find((e) => e.local === 'CoresPerSocket')?.text);

  const disks = readDisks(items, byInstance, context);
  const nics: VmNic[] = items.filter((i) => typeOf(i) === RESOURCE_TYPE.ethernetAdapter || i.kind === 'EthernetPortItem').map(readNic);
  const system = hardware === undefined ? undefined : ovfChild(hardware, 'System');
  const families = system === undefined ? [] : system.children.filter((c) => c.local === 'VirtualSystemType').flatMap((c) => splitMulti(c.text));
  const transport = hardware === undefined ? undefined : splitMulti(ovfAttr(hardware, 'transport'));
  const annotation = sections(vs, 'AnnotationSection')
    .map((s) => textOf(ovfChild(s, 'Annotation')))
    .find((t) => t !== undefined);

  return optional({
    id,
    name: textOf(ovfChild(vs, 'Name')) ?? vboxName(vs) ?? (id === '' ? 'vm' : id),
    description: textOf(ovfChild(vs, 'Info')),
    annotation,
    cpus: cpuItem === undefined ? 1 : Math.max(1, parseInteger(field(cpuItem, 'VirtualQuantity')) ?? 1),
    coresPerSocket,
    memoryMiB: Math.round(memoryBytes / 1024 ** 2),
    firmware: detectFirmware(vs, hardware),
    hardwareFamilies: families,
    os: readOs(vs),
    disks,
    nics,
    cdroms: items.filter((i) => typeOf(i) === RESOURCE_TYPE.cdDrive || typeOf(i) === RESOURCE_TYPE.dvdDrive).length,
    products: sections(vs, 'ProductSection').map((p) => readProduct(p, context.configuration)),
    transport: transport === undefined || transport.length === 0 ? undefined : transport,
  }) as VmSpec;
}

/** VirtualQuantity × AllocationUnits in bytes; `defaultUnit` when the units are missing or unreadable. */
function quantityBytes(item: SettingsItem, defaultUnit: number): number {
  const quantity = parseInteger(field(item, 'VirtualQuantity')) ?? 0;
  const units = bytesPerUnit(field(item, 'AllocationUnits') ?? field(item, 'VirtualQuantityUnits')) ?? defaultUnit;
  return quantity * units;
}

function readDisks(items: readonly SettingsItem[], byInstance: ReadonlyMap<string, SettingsItem>, context: ReadContext): VmDisk[] {
  const disks: VmDisk[] = [];
  const used = new Set<XmlElement>();
  items.forEach((item) => {
    const type = parseInteger(field(item, 'ResourceType'));
    if (type !== RESOURCE_TYPE.disk && type !== RESOURCE_TYPE.logicalDisk) return;
    const host = field(item, 'HostResource');
    const disk = host === undefined ? undefined : findDisk(host, context);
    if (disk === undefined) return;
    used.add(disk);
    disks.push(readDisk(disk, item, byInstance, context, disks.length));
  });
  // A single VM whose items name no disks (or name them unreadably) still owns the package's disks.
  if (disks.length === 0) {
    for (const element of context.diskElements) if (!used.has(element)) disks.push(readDisk(element, undefined, byInstance, context, disks.length));
  }
  return disks;
}

/** `ovf:/disk/ID`, `/disk/ID`, `ovf://disk/ID`, or (oVirt) a path that ends in the disk id. */
function findDisk(hostResource: string, context: ReadContext): XmlElement | undefined {
  const match = /^(?:ovf:)?\/*disk\/(.+)$/i.exec(hostResource.trim());
  const id = match?.[1] ?? hostResource.trim();
  return (
    context.diskElements.find((d) => ovfAttr(d, 'diskId') === id) ??
    context.diskElements.find((d) => {
      const diskId = ovfAttr(d, 'diskId');
      return diskId !== undefined && diskId !== '' && id.endsWith(diskId);
    })
  );
}

function readDisk(element: XmlElement, item: SettingsItem | undefined, byInstance: ReadonlyMap<string, SettingsItem>, context: ReadContext, index: number): VmDisk {
  const fileRef = ovfAttr(element, 'fileRef');
  // oVirt writes the file's href (not its id) in fileRef.
  const file = fileRef === undefined ? undefined : (context.files.find((f) => f.id === fileRef) ?? context.files.find((f) => f.href === fileRef));
  const formatUri = ovfAttr(element, 'format');
  const parent = item === undefined ? undefined : byInstance.get(field(item, 'Parent') ?? '');
  return optional({
    diskId: ovfAttr(element, 'diskId') ?? '',
    capacityBytes: diskCapacity(element),
    populatedBytes: parseInteger(ovfAttr(element, 'populatedSize')),
    format: formatUri === undefined ? undefined : diskFormatOfUri(formatUri),
    fileRef,
    file,
    parentRef: nonEmpty(ovfAttr(element, 'parentRef')),
    controller: parent === undefined ? ovirtController(ovfAttr(element, 'disk-interface')) : readController(parent),
    addressOnParent: item === undefined ? undefined : parseInteger(field(item, 'AddressOnParent')),
    index,
  }) as VmDisk;
}

/** Capacity in bytes: `ovf:capacity` × units (bytes by default); oVirt's `ovf:size` is GiB. */
export function diskCapacity(element: XmlElement): number {
  const capacity = parseInteger(ovfAttr(element, 'capacity'));
  if (capacity !== undefined) return capacity * (bytesPerUnit(ovfAttr(element, 'capacityAllocationUnits')) ?? 1);
  const ovirtGiB = parseInteger(ovfAttr(element, 'size'));
  return ovirtGiB === undefined ? 0 : ovirtGiB * 1024 ** 3;
}

/** oVirt names the bus on the disk itself (`ovf:disk-interface="VirtIO"`). */
function ovirtController(diskInterface: string | undefined): DiskController | undefined {
  if (diskInterface === undefined) return undefined;
  const lower = diskInterface.toLowerCase();
  const type = lower === 'virtio' ? 'virtio' : lower.includes('scsi') ? 'scsi' : lower === 'ide' ? 'ide' : lower.includes('sata') ? 'sata' : 'other';
  return { type, subtype: diskInterface };
}

function readController(item: SettingsItem): DiskController | undefined {
  const type = parseInteger(field(item, 'ResourceType'));
  if (type === undefined || !CONTROLLER_RESOURCE_TYPES.has(type)) return undefined;
  const subtypes = fieldValues(item, 'ResourceSubType').flatMap(splitMulti);
  return optional({
    type: controllerType(type, subtypes),
    subtype: subtypes[0],
    subtypes: subtypes.length > 1 ? subtypes : undefined,
    busNumber: parseInteger(field(item, 'BusNumber') ?? field(item, 'Address')),
  }) as DiskController;
}

function readNic(item: SettingsItem): VmNic {
  const subtypes = fieldValues(item, 'ResourceSubType').flatMap(splitMulti);
  const address = field(item, 'Address');
  return optional({
    name: field(item, 'ElementName') ?? field(item, 'Caption'),
    network: field(item, 'Connection'),
    adapter: nicAdapter(subtypes),
    adapterRaw: subtypes[0],
    mac: address !== undefined && /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(address) ? address.toLowerCase().replace(/-/g, ':') : undefined,
  }) as VmNic;
}

function readOs(vs: XmlElement): OperatingSystem {
  const section = sections(vs, 'OperatingSystemSection')[0];
  if (section === undefined) return {};
  return optional({
    id: parseInteger(ovfAttr(section, 'id')),
    description: textOf(ovfChild(section, 'Description')),
    vendorType: attr(section, VMW_NS, 'osType') ?? attr(section, VMW_NS, 'osType'.toLowerCase()),
    version: ovfAttr(section, 'version'),
  }) as OperatingSystem;
}

function readProduct(section: XmlElement, configuration: string | undefined): ProductInfo {
  const properties: ProductProperty[] = [];
  let category: string | undefined;
  for (const child of section.children) {
    if (child.local === 'Category') category = textOf(child);
    if (child.local !== 'Property') continue;
    // A <Value ovf:configuration="x"> child overrides the default for that deployment option.
    const override = ovfChildren(child, 'Value').find((v) => configuration !== undefined && splitMulti(ovfAttr(v, 'configuration')).includes(configuration));
    properties.push(
      optional({
        key: ovfAttr(child, 'key') ?? '',
        type: ovfAttr(child, 'type') ?? 'string',
        qualifiers: ovfAttr(child, 'qualifiers'),
        value: (override === undefined ? undefined : ovfAttr(override, 'value')) ?? ovfAttr(child, 'value'),
        userConfigurable: ovfAttr(child, 'userConfigurable')?.trim() === 'true',
        password: ovfAttr(child, 'password')?.trim() === 'true',
        label: textOf(ovfChild(child, 'Label')),
        description: textOf(ovfChild(child, 'Description')),
        category,
      }) as ProductProperty,
    );
  }
  return optional({
    class: ovfAttr(section, 'class'),
    instance: ovfAttr(section, 'instance'),
    product: textOf(ovfChild(section, 'Product')),
    vendor: textOf(ovfChild(section, 'Vendor')),
    version: textOf(ovfChild(section, 'Version')),
    fullVersion: textOf(ovfChild(section, 'FullVersion')),
    productUrl: textOf(ovfChild(section, 'ProductUrl')),
    properties,
  }) as ProductInfo;
}

/**
 * Firmware: VMware writes `<vmw:Config vmw:key="firmware" vmw:value="efi">`, VirtualBox a
 * `<Firmware type="EFI">` in its machine section, oVirt 4.x a `BiosType` of 2 or more (OVMF).
 */
function detectFirmware(vs: XmlElement, hardware: XmlElement | undefined): 'bios' | 'efi' {
  const configs = hardware?.children.filter((c) => c.ns === VMW_NS && c.local === 'Config') ?? [];
  const vmwFirmware = configs.find((c) => attr(c, VMW_NS, 'key') === 'firmware');
  if (vmwFirmware !== undefined) return attr(vmwFirmware, VMW_NS, 'value')?.toLowerCase() === 'efi' ? 'efi' : 'bios';
  let efi = false;
  const visit = (element: XmlElement): void => {
    if (element.local === 'Firmware' && /efi/i.test(element.attributes.find((a) => a.local === 'type')?.value ?? '')) efi = true;
    if (element.local === 'BiosType' && (parseInteger(element.text) ?? 0) >= 2) efi = true;
    element.children.forEach(visit);
  };
  visit(vs);
  return efi ? 'efi' : 'bios';
}

function vboxName(vs: XmlElement): string | undefined {
  const machine = vs.children.find((c) => c.ns === VBOX_NS && c.local === 'Machine');
  return machine?.attributes.find((a) => a.local === 'name')?.value;
}

function detectProducer(document: OvfDocument & { readonly text?: string }, vms: readonly VmSpec[]): Producer {
  const { root } = document;
  const text = document.text ?? '';
  const families = vms.flatMap((v) => v.hardwareFamilies.map((f) => f.toLowerCase()));
  const declared = [...root.scope.values()];
  const ovftool = /Generated by (VMware ovftool [\d.]+(?: \(build-\d+\))?)/.exec(text)?.[1];
  const buildId = attr(root, VMW_NS, 'buildId');
  const vboxVersion = /<vbox:Machine[^>]*version="([^"]+)"/.exec(text)?.[1];
  let dialect: Dialect = 'generic';
  let tool: string | undefined;
  if (/\/ovf\/envelope\/1\/$/.test(root.ns) || /\bovf:version="\d+\.\d+\.\d+\.\d+"/.test(text) || /ovf:(volume-format|disk-interface)=/.test(text)) {
    dialect = 'ovirt';
    tool = root.attributes.find((a) => a.local === 'version') === undefined ? 'oVirt engine' : `oVirt engine ${ovfAttr(root, 'version')}`;
  } else if (declared.some((ns) => /citrix\.com\/ovf/i.test(ns)) || families.some((f) => f.startsWith('xen'))) {
    dialect = 'xenserver';
  } else if (declared.includes(VBOX_NS) || families.some((f) => f.startsWith('virtualbox'))) {
    dialect = 'virtualbox';
    tool = vboxVersion === undefined ? 'VirtualBox' : `VirtualBox (settings ${vboxVersion})`;
  } else if (ovftool !== undefined || buildId !== undefined || declared.includes(VMW_NS) || families.some((f) => f.startsWith('vmx')) || document.version === '0.9') {
    dialect = 'vmware';
    tool = ovftool ?? (buildId === undefined ? undefined : `VMware ${buildId}`);
  }
  return optional({ dialect, tool }) as Producer;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Drops undefined properties, so specs compare and serialize cleanly. */
function optional<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

