/**
 * Writes the small XML documents EC2 answers with. Hand-written rather than a generic builder
 * because the output must follow EC2's conventions exactly — element order as given, list
 * members as `<item>`, absent members left out, empty sets as `<name/>` — and it only ever
 * writes, never parses, so no parser attack surface comes with it.
 */

/** A list rendered as `<item>` members (EC2's non-flattened lists). */
export class XmlList {
  constructor(readonly members: readonly XmlValue[]) {}
}

/** Members of an element, in document order. `undefined` members are left out. */
export interface XmlFields {
  readonly [name: string]: XmlValue;
}

export type XmlValue = string | number | boolean | Date | XmlList | XmlFields | undefined;

export function items(members: readonly XmlValue[]): XmlList {
  return new XmlList(members);
}

// XML 1.0 cannot carry most control characters or lone surrogates, even escaped; a strict
// client (botocore) refuses the whole document, so they are replaced.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Anything that may need escaping or replacing; most values (ids, states, dates) have none. */
const NEEDS_WORK = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

export function escapeXml(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text.replace(INVALID_XML_CHARS, '\uFFFD').replace(/[&<>"'\r]/g, (c) => ESCAPES[c] ?? c);
}

function scalar(value: string | number | boolean | Date): string {
  if (typeof value === 'string') return escapeXml(value);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

// Strings are built by concatenation: V8 joins them lazily, which is the fastest way to write
// a document of a few megabytes (10k instances).
function writeValue(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (value instanceof XmlList) {
    if (value.members.length === 0) return `<${name}/>`;
    let out = `<${name}>`;
    for (const member of value.members) out += writeValue('item', member);
    return `${out}</${name}>`;
  }
  if (typeof value === 'object' && !(value instanceof Date)) return `<${name}>${writeFields(value)}</${name}>`;
  return `<${name}>${scalar(value)}</${name}>`;
}

function writeFields(fields: XmlFields): string {
  let out = '';
  for (const name in fields) out += writeValue(name, fields[name]);
  return out;
}

/** One document: the declaration, then `root` with optional attributes and its members. */
export function xmlDocument(root: string, fields: XmlFields, attributes: Readonly<Record<string, string>> = {}): string {
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${attrs}>${writeFields(fields)}</${root}>`;
}
