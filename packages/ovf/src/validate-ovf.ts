/**
 * The strict validator: everything a conforming OVF reader must refuse, with a location for
 * each finding, plus the compliance checks of a deployment target. Reading stays tolerant
 * (`readOvf`); this is where judgement happens (ADR 0005).
 */
import { isSkyportError } from '@skyport/model';
import { IssueCollector, type ValidationReport } from './issues.js';
import type { ParseLimits } from './limits.js';
import { VBOX_NS, VMW_NS, ovfVersionOfNamespace } from './namespaces.js';
import { contentKind, isOvfNamespace, ovfAttr, ovfChild, ovfChildren, sectionName, sections, type OvfDocument } from './ovf-document.js';
import { parseOvf, readOvf } from './read-ovf.js';
import { bytesPerUnit, parseInteger } from './units.js';
import { validateHardware } from './validate-hardware.js';
import { checkUnknown, requireInfo, type ContentContext, type FileInfo } from './validation-helpers.js';
import { validateProducts } from './validate-products.js';
import { validateTarget, type ValidationTarget } from './validate-target.js';
import { UNBOUND_PREFIX_NS, type XmlElement } from './xml-tree.js';
import type { Appliance } from './vm-spec.js';

export interface ValidateOvfOptions {
  /** Also check what this platform can deploy. */
  readonly target?: ValidationTarget;
  /** Downgrade target compliance and extension findings to warnings, like `ovftool --lax`. */
  readonly lax?: boolean;
  readonly limits?: ParseLimits;
}

export interface OvfValidation extends ValidationReport {
  /** The canonical spec, when the descriptor could be read at all. */
  readonly appliance?: Appliance;
}

/** Where each OVF section may appear. */
const PLACEMENT: Readonly<Record<string, readonly ('Envelope' | 'VirtualSystem' | 'VirtualSystemCollection')[]>> = {
  DiskSection: ['Envelope'],
  NetworkSection: ['Envelope'],
  DeploymentOptionSection: ['Envelope'],
  VirtualHardwareSection: ['VirtualSystem'],
  OperatingSystemSection: ['VirtualSystem'],
  InstallSection: ['VirtualSystem'],
  AnnotationSection: ['VirtualSystem', 'VirtualSystemCollection'],
  ProductSection: ['VirtualSystem', 'VirtualSystemCollection'],
  EulaSection: ['Envelope', 'VirtualSystem', 'VirtualSystemCollection'],
  StartupSection: ['VirtualSystemCollection'],
  ResourceAllocationSection: ['VirtualSystemCollection'],
  EnvironmentFilesSection: ['VirtualSystem'],
  BootDeviceSection: ['VirtualSystem'],
  SharedDiskSection: ['Envelope'],
  ScaleOutSection: ['VirtualSystemCollection'],
  PlacementGroupSection: ['Envelope'],
  PlacementSection: ['VirtualSystem', 'VirtualSystemCollection'],
  EncryptionSection: ['Envelope'],
};

/** Vendor namespaces whose extensions Skyport reads or knowingly ignores. */
const UNDERSTOOD_EXTENSION_NS = new Set([VMW_NS, VBOX_NS]);

/** Validates a descriptor. Never throws for bad input: unreadable XML is an error in the report. */
export function validateOvf(input: string, options: ValidateOvfOptions = {}): OvfValidation {
  const issues = new IssueCollector(options.lax === true);
  let document: OvfDocument & { readonly text: string };
  try {
    document = parseOvf(input, options.limits);
  } catch (error) {
    if (!isSkyportError(error)) throw error;
    const reason = String(error.details?.['reason'] ?? 'malformed');
    issues.error(`xml.${reason}`, error.message, String(error.details?.['where'] ?? '/'));
    return issues.report();
  }
  validateDocument(document, issues);
  const structural = issues.report();
  let appliance: Appliance | undefined;
  if (document.version !== undefined && document.root.local === 'Envelope') {
    appliance = readOvf(document);
    if (options.target !== undefined) validateTarget(document, appliance, options.target, issues);
  }
  const report = issues.report();
  return { ...report, valid: report.valid && structural.valid, ...(appliance === undefined ? {} : { appliance }) };
}

export function validateDocument(document: OvfDocument, issues: IssueCollector): void {
  const { root } = document;
  if (root.local !== 'Envelope' || document.version === undefined) {
    issues.error('envelope.not-ovf', `the root element is <${root.qname}> in namespace "${root.ns}"; an OVF descriptor has <Envelope> in http://schemas.dmtf.org/ovf/envelope/1 (or /2, or VMware's OVF 0.9 namespace)`, root.path);
    return;
  }
  checkVersion(document, issues);
  reportUnboundPrefixes(root, issues);
  checkEnvelopeChildren(document, issues);
  const files = checkReferences(root, issues);
  const disks = checkDisks(root, files, issues);
  const networks = checkNetworks(root, issues);
  const configurations = checkDeploymentOptions(root, issues);
  checkSectionsEverywhere(root, 'Envelope', issues);
  const contents = root.children.filter((c) => contentKind(c) !== undefined);
  if (contents.length === 0) {
    issues.error('envelope.no-content', 'the envelope describes no VirtualSystem or VirtualSystemCollection; a descriptor must contain exactly one', root.path);
  } else if (contents.length > 1) {
    issues.error('envelope.multiple-content', `the envelope has ${contents.length} top-level virtual systems; wrap several in one VirtualSystemCollection`, contents[1]?.path ?? root.path);
  }
  const attached = new Set<string>();
  const ids = new Set<string>();
  for (const content of contents) checkContent(content, { files, disks, networks, configurations, attached, ids }, issues);
  for (const [diskId, disk] of disks) {
    if (!attached.has(diskId)) {
      issues.warning('disk.unused', `disk "${diskId}" is declared in the DiskSection but no virtual system's hardware uses it`, disk.path);
    }
  }
}

function reportUnboundPrefixes(element: XmlElement, issues: IssueCollector): void {
  const names = [element, ...element.attributes].filter((n) => n.ns.startsWith(UNBOUND_PREFIX_NS)).map((n) => n.qname);
  if (names.length > 0) issues.warning('xml.unbound-prefix', `${names.join(', ')} use${names.length === 1 ? 's' : ''} an undeclared namespace prefix; such names are not OVF names`, element.path);
  for (const child of element.children) reportUnboundPrefixes(child, issues);
}

function checkVersion(document: OvfDocument, issues: IssueCollector): void {
  const { root, version } = document;
  const declared = ovfAttr(root, 'version');
  if (version === '0.9') {
    // VMware's pre-standard schema requires ovf:version="0.9" on the envelope.
    if (declared === undefined) issues.error('envelope.no-version', 'an OVF 0.9 envelope must say ovf:version="0.9"', `${root.path}/@ovf:version`);
    else if (declared.trim() !== '0.9') issues.error('envelope.version', `ovf:version is "${declared}" but the envelope namespace is OVF 0.9's; it must be "0.9"`, `${root.path}/@ovf:version`);
  } else if (declared !== undefined && !declared.trim().startsWith(version === '2.0' ? '2.' : '1.')) {
    issues.warning('envelope.version', `ovf:version "${declared}" does not match the envelope namespace (OVF ${version})`, `${root.path}/@ovf:version`);
  }
}

function checkEnvelopeChildren(document: OvfDocument, issues: IssueCollector): void {
  const { root } = document;
  if (ovfChild(root, 'References') === undefined) {
    issues.error('envelope.no-references', 'the envelope has no <References> element (it is required, even when empty)', root.path);
  }
  for (const child of root.children) {
    const childVersion = ovfVersionOfNamespace(child.ns);
    if (childVersion !== undefined && childVersion !== document.version) {
      issues.error('envelope.mixed-namespaces', `<${child.qname}> is in the OVF ${childVersion} namespace inside an OVF ${document.version ?? '?'} envelope`, child.path);
      continue;
    }
    if (isOvfNamespace(child.ns)) {
      const known = child.local === 'References' || child.local === 'Strings' || sectionName(child) !== undefined || contentKind(child) !== undefined;
      if (!known) checkUnknown(child, issues, `<${child.qname}> is not an OVF element`);
    }
  }
}


function checkReferences(root: XmlElement, issues: IssueCollector): Map<string, FileInfo> {
  const files = new Map<string, FileInfo>();
  const hrefs = new Map<string, string>();
  const references = ovfChild(root, 'References');
  for (const file of references === undefined ? [] : ovfChildren(references, 'File')) {
    const id = ovfAttr(file, 'id');
    const href = ovfAttr(file, 'href');
    if (id === undefined || id.trim() === '') issues.error('file.no-id', 'a <File> has no ovf:id', file.path);
    else if (files.has(id)) issues.error('file.duplicate-id', `two <File> elements have ovf:id "${id}"`, file.path);
    if (href === undefined || href.trim() === '') issues.error('file.no-href', `<File> "${id ?? '?'}" has no ovf:href`, file.path);
    else if (hrefs.has(href)) issues.error('file.duplicate-href', `<File> "${id ?? '?'}" names the same file "${href}" as <File> "${hrefs.get(href) ?? '?'}"`, file.path);
    else hrefs.set(href, id ?? '?');
    for (const name of ['size', 'chunkSize']) {
      const value = ovfAttr(file, name);
      if (value === undefined) continue;
      if (/^\s*-\d+\s*$/.test(value)) issues.warning(`file.negative-${name.toLowerCase()}`, `<File> "${id ?? '?'}" has a negative ovf:${name} "${value}"; it is ignored`, `${file.path}/@ovf:${name}`);
      else if (parseInteger(value) === undefined) issues.error(`file.bad-${name.toLowerCase()}`, `<File> "${id ?? '?'}" has ovf:${name} "${value}", which is not a whole number of bytes`, `${file.path}/@ovf:${name}`);
    }
    const compression = ovfAttr(file, 'compression');
    if (compression !== undefined && !['gzip', 'identity'].includes(compression.trim())) {
      issues.error('file.compression', `<File> "${id ?? '?'}" has ovf:compression "${compression}"; only gzip and identity are defined`, `${file.path}/@ovf:compression`);
    }
    if (id !== undefined && id.trim() !== '' && !files.has(id)) files.set(id, { element: file, href: href ?? '' });
  }
  return files;
}

function checkDisks(root: XmlElement, files: ReadonlyMap<string, FileInfo>, issues: IssueCollector): Map<string, XmlElement> {
  const disks = new Map<string, XmlElement>();
  const fileUsers = new Map<string, string>();
  const order: number[] = [];
  const fileOrder = [...files.keys()];
  for (const section of sections(root, 'DiskSection')) {
    requireInfo(section, issues);
    for (const disk of ovfChildren(section, 'Disk')) {
      const id = ovfAttr(disk, 'diskId');
      if (id === undefined || id.trim() === '') issues.error('disk.no-id', 'a <Disk> has no ovf:diskId', disk.path);
      else if (disks.has(id)) issues.error('disk.duplicate-id', `two <Disk> elements have ovf:diskId "${id}"`, disk.path);
      else disks.set(id, disk);
      const label = id ?? '?';
      const capacity = ovfAttr(disk, 'capacity');
      const capacityValue = parseInteger(capacity);
      if (capacity === undefined) issues.error('disk.no-capacity', `disk "${label}" has no ovf:capacity`, disk.path);
      else if (capacityValue === undefined && !/^\$\{[^}]+\}$/.test(capacity.trim())) issues.error('disk.bad-capacity', `disk "${label}" has ovf:capacity "${capacity}", which is neither a whole number nor a \${property} reference`, `${disk.path}/@ovf:capacity`);
      const units = ovfAttr(disk, 'capacityAllocationUnits');
      if (units !== undefined && bytesPerUnit(units) === undefined) issues.error('disk.bad-units', `disk "${label}" has ovf:capacityAllocationUnits "${units}", which is not a byte unit such as "byte * 2^30"`, `${disk.path}/@ovf:capacityAllocationUnits`);
      if (ovfAttr(disk, 'format') === undefined) issues.error('disk.no-format', `disk "${label}" has no ovf:format URI`, disk.path);
      const populated = parseInteger(ovfAttr(disk, 'populatedSize'));
      const capacityBytes = capacityValue === undefined ? undefined : capacityValue * (bytesPerUnit(units) ?? 1);
      if (populated !== undefined && capacityBytes !== undefined && populated > capacityBytes) {
        issues.error('disk.populated-exceeds-capacity', `disk "${label}" has ovf:populatedSize ${populated}, more than its capacity of ${capacityBytes} bytes`, `${disk.path}/@ovf:populatedSize`);
      }
      const fileRef = ovfAttr(disk, 'fileRef');
      if (fileRef !== undefined) {
        if (!files.has(fileRef)) issues.error('disk.unknown-file', `disk "${label}" refers to file "${fileRef}", which <References> does not list`, `${disk.path}/@ovf:fileRef`);
        else if (fileUsers.has(fileRef)) issues.error('disk.shared-file', `disks "${fileUsers.get(fileRef) ?? '?'}" and "${label}" both use file "${fileRef}"; each disk needs its own file`, `${disk.path}/@ovf:fileRef`);
        else {
          fileUsers.set(fileRef, label);
          order.push(fileOrder.indexOf(fileRef));
        }
      }
      const parentRef = ovfAttr(disk, 'parentRef');
      if (parentRef !== undefined && parentRef !== '' && !disks.has(parentRef)) {
        issues.error('disk.unknown-parent', `disk "${label}" has ovf:parentRef "${parentRef}", which is not a disk listed before it`, `${disk.path}/@ovf:parentRef`);
      }
    }
  }
  // ovftool requires disks in the order of their files, so a streamed OVA never seeks back.
  if (order.some((position, i) => i > 0 && position < (order[i - 1] ?? 0))) {
    issues.error('disk.order', 'disks are listed in a different order than their files in <References>; list them in the same order', sections(root, 'DiskSection')[0]?.path ?? root.path);
  }
  return disks;
}

function checkNetworks(root: XmlElement, issues: IssueCollector): Set<string> {
  const names = new Set<string>();
  for (const section of sections(root, 'NetworkSection')) {
    requireInfo(section, issues);
    for (const network of ovfChildren(section, 'Network')) {
      const name = ovfAttr(network, 'name');
      if (name === undefined || name.trim() === '') issues.error('network.no-name', 'a <Network> has no ovf:name', network.path);
      else if (names.has(name)) issues.error('network.duplicate-name', `two networks are named "${name}"`, network.path);
      else names.add(name);
    }
  }
  return names;
}

function checkDeploymentOptions(root: XmlElement, issues: IssueCollector): Set<string> {
  const ids = new Set<string>();
  let defaults = 0;
  for (const section of sections(root, 'DeploymentOptionSection')) {
    for (const configuration of ovfChildren(section, 'Configuration')) {
      const id = ovfAttr(configuration, 'id');
      if (id === undefined || id === '') issues.error('deployment.no-id', 'a deployment <Configuration> has no ovf:id', configuration.path);
      else if (ids.has(id)) issues.error('deployment.duplicate-id', `two deployment options have ovf:id "${id}"`, configuration.path);
      else ids.add(id);
      if (ovfAttr(configuration, 'default')?.trim() === 'true') defaults += 1;
    }
    if (defaults > 1) issues.error('deployment.several-defaults', 'more than one deployment option is marked ovf:default="true"', section.path);
  }
  return ids;
}


function checkContent(content: XmlElement, context: ContentContext, issues: IssueCollector): void {
  const kind = contentKind(content) ?? 'VirtualSystem';
  const id = ovfAttr(content, 'id');
  if (id === undefined || id.trim() === '') issues.error('content.no-id', `a ${kind} has no ovf:id`, content.path);
  else if (context.ids.has(id)) issues.error('content.duplicate-id', `two virtual systems have ovf:id "${id}"`, content.path);
  else context.ids.add(id);
  // The schema requires Info on every virtual system (ovftool's own suite rejects one without it).
  if (ovfChild(content, 'Info') === undefined) issues.error('content.no-info', `${kind} "${id ?? '?'}" has no <Info> element`, content.path);
  checkSectionsEverywhere(content, kind, issues);
  validateProducts(content, context.configurations, issues);
  if (kind === 'VirtualSystemCollection') {
    const members = content.children.filter((c) => contentKind(c) !== undefined);
    for (const child of members) checkContent(child, context, issues);
    const memberIds = new Set(members.map((m) => ovfAttr(m, 'id')));
    for (const startup of sections(content, 'StartupSection')) {
      for (const item of ovfChildren(startup, 'Item')) {
        const target = ovfAttr(item, 'id');
        if (!memberIds.has(target)) issues.error('startup.unknown-system', `the StartupSection orders "${target ?? '?'}", which is no virtual system of this collection`, item.path);
      }
    }
    return;
  }
  const hardware = sections(content, 'VirtualHardwareSection');
  if (hardware.length === 0) issues.error('content.no-hardware', `virtual system "${id ?? '?'}" has no VirtualHardwareSection`, content.path);
  for (const section of hardware) validateHardware(section, context, issues);
  for (const os of sections(content, 'OperatingSystemSection')) {
    const osId = ovfAttr(os, 'id');
    if (osId === undefined) issues.error('os.no-id', 'the OperatingSystemSection has no ovf:id (a CIM operating system type number)', os.path);
    else if (parseInteger(osId) === undefined) issues.error('os.bad-id', `the OperatingSystemSection's ovf:id "${osId}" is not a CIM operating system type number`, `${os.path}/@ovf:id`);
  }
}

/** Info on every known section; sections only where the standard allows them; unknown ones per ovf:required. */
function checkSectionsEverywhere(parent: XmlElement, parentKind: 'Envelope' | 'VirtualSystem' | 'VirtualSystemCollection', issues: IssueCollector): void {
  for (const child of parent.children) {
    const name = sectionName(child);
    if (name === undefined) {
      if (parentKind !== 'Envelope' && isOvfNamespace(child.ns) && contentKind(child) === undefined && !['Info', 'Name', 'Description', 'Item'].includes(child.local)) {
        checkUnknown(child, issues, `<${child.qname}> is not an OVF element`);
      } else if (parentKind !== 'Envelope' && !isOvfNamespace(child.ns) && !UNDERSTOOD_EXTENSION_NS.has(child.ns)) {
        checkUnknown(child, issues, `<${child.qname}> is an extension Skyport does not understand`);
      }
      continue;
    }
    const allowed = PLACEMENT[name];
    if (allowed === undefined) {
      checkUnknown(child, issues, `${name} is not a section Skyport knows`);
      continue;
    }
    if (!allowed.includes(parentKind)) {
      issues.error('section.misplaced', `${name} is not allowed in ${parentKind === 'Envelope' ? 'the Envelope' : `a ${parentKind}`}; it belongs in ${allowed.join(' or ')}`, child.path);
    }
    if (name !== 'DiskSection' && name !== 'NetworkSection') requireInfo(child, issues);
    checkNestedSections(child, issues);
  }
}

/** Known sections placed inside other sections (an AnnotationSection inside a DiskSection). */
function checkNestedSections(section: XmlElement, issues: IssueCollector): void {
  for (const child of section.children) {
    const name = sectionName(child);
    if (name !== undefined && PLACEMENT[name] !== undefined) {
      issues.error('section.misplaced', `${name} is not allowed inside ${sectionName(section) ?? section.local}; it belongs in ${(PLACEMENT[name] ?? []).join(' or ')}`, child.path);
    } else if (name !== undefined) {
      checkUnknown(child, issues, `${name} is not a section Skyport knows`);
    }
  }
}

