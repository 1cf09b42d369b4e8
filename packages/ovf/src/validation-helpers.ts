/** Pieces the validator's rule files share. */
import type { IssueCollector } from './issues.js';
import { ovfAttr, ovfChild, sectionName } from './ovf-document.js';
import type { XmlElement } from './xml-tree.js';

export interface FileInfo {
  readonly element: XmlElement;
  readonly href: string;
}

/** What the rules of one virtual system need to know about the envelope. */
export interface ContentContext {
  readonly files: ReadonlyMap<string, FileInfo>;
  readonly disks: ReadonlyMap<string, XmlElement>;
  readonly networks: ReadonlySet<string>;
  readonly configurations: ReadonlySet<string>;
  readonly attached: Set<string>;
  readonly ids: Set<string>;
}

export function requireInfo(section: XmlElement, issues: IssueCollector): void {
  if (ovfChild(section, 'Info') === undefined) {
    issues.error('section.no-info', `${sectionName(section) ?? section.local} has no <Info> element (every section must have one)`, section.path);
  }
}

/** Unknown elements are errors unless marked ovf:required="false" (OVF 1.0 §9). */
export function checkUnknown(element: XmlElement, issues: IssueCollector, what: string): void {
  const required = ovfAttr(element, 'required');
  if (required !== undefined && required.trim() === 'false') return;
  issues.error('element.unknown-required', `${what} and is not marked ovf:required="false"`, element.path, { laxable: true });
}
