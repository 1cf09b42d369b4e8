/** Rules for ProductSections and their properties (OVF 1.0 §9.5). */
import type { IssueCollector } from './issues.js';
import { ovfAttr, ovfChildren, sections, splitMulti } from './ovf-document.js';
import type { XmlElement } from './xml-tree.js';

const PROPERTY_TYPES = new Set(['uint8', 'sint8', 'uint16', 'sint16', 'uint32', 'sint32', 'uint64', 'sint64', 'string', 'boolean', 'real32', 'real64']);

/** Spellings older VMware tools wrote, accepted by ovftool. */
const TYPE_ALIASES: Readonly<Record<string, string>> = { int: 'sint32' };

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  uint8: [0n, 255n],
  sint8: [-128n, 127n],
  uint16: [0n, 65535n],
  sint16: [-32768n, 32767n],
  uint32: [0n, 4294967295n],
  sint32: [-2147483648n, 2147483647n],
  uint64: [0n, 18446744073709551615n],
  sint64: [-9223372036854775808n, 9223372036854775807n],
};

export function validateProducts(content: XmlElement, configurations: ReadonlySet<string>, issues: IssueCollector): void {
  const seen = new Set<string>();
  for (const section of sections(content, 'ProductSection')) {
    const identity = `${ovfAttr(section, 'class') ?? ''}\u0000${ovfAttr(section, 'instance') ?? ''}`;
    if (seen.has(identity)) {
      issues.error('product.duplicate', `two ProductSections have the same ovf:class "${ovfAttr(section, 'class') ?? ''}" and ovf:instance "${ovfAttr(section, 'instance') ?? ''}"`, section.path);
    }
    seen.add(identity);
    const keys = new Set<string>();
    for (const property of ovfChildren(section, 'Property')) {
      const key = ovfAttr(property, 'key');
      const type = ovfAttr(property, 'type');
      if (key === undefined || key.trim() === '') issues.error('property.no-key', 'a <Property> has no ovf:key', property.path);
      else if (keys.has(key)) issues.error('property.duplicate-key', `two properties have ovf:key "${key}" in the same ProductSection`, property.path);
      else keys.add(key);
      if (type === undefined) {
        issues.error('property.no-type', `property "${key ?? '?'}" has no ovf:type`, property.path);
        continue;
      }
      if (TYPE_ALIASES[type.trim()] !== undefined) {
        issues.warning('property.type-alias', `property "${key ?? '?'}" has ovf:type "${type}", which OVF does not define; it is read as ${TYPE_ALIASES[type.trim()] ?? ''}`, `${property.path}/@ovf:type`);
        continue;
      }
      if (!PROPERTY_TYPES.has(type.trim())) {
        issues.error('property.bad-type', `property "${key ?? '?'}" has ovf:type "${type}"; allowed: ${[...PROPERTY_TYPES].join(', ')}`, `${property.path}/@ovf:type`);
        continue;
      }
      const values = [ovfAttr(property, 'value'), ...ovfChildren(property, 'Value').map((v) => ovfAttr(v, 'value'))];
      for (const value of values) {
        if (value !== undefined && !valueFits(type.trim(), value)) {
          issues.error('property.bad-value', `property "${key ?? '?'}" of type ${type} has the value "${value}", which is not a ${type}`, property.path);
        }
      }
      for (const value of ovfChildren(property, 'Value')) {
        for (const configuration of splitMulti(ovfAttr(value, 'configuration'))) {
          if (!configurations.has(configuration)) issues.error('property.unknown-configuration', `property "${key ?? '?'}" has a value for deployment option "${configuration}", which is not declared`, value.path);
        }
      }
    }
  }
}

/** Whether a property value is of its declared type; `${other}` references and empty values always are. */
function valueFits(type: string, raw: string): boolean {
  const value = raw.trim();
  if (value === '' || /^\$\{[^}]+\}$/.test(value)) return true;
  const range = INTEGER_RANGES[type];
  if (range !== undefined) {
    if (!/^[+-]?\d+$/.test(value)) return false;
    const n = BigInt(value);
    return n >= range[0] && n <= range[1];
  }
  if (type === 'boolean') return /^(true|false|1|0)$/i.test(value);
  if (type === 'real32' || type === 'real64') return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^(NaN|-?INF)$/.test(value);
  return true;
}
