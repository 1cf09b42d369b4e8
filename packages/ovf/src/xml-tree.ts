/**
 * A hardened, namespace-resolving XML reader. fast-xml-parser does the tokenizing; this file
 * refuses DTDs and entities before it runs (XXE, billion laughs), checks well-formedness,
 * caps size, element count, depth and time, and resolves every prefix to its namespace URI,
 * because OVF producers bind the same namespaces to any prefix (`ovf:`, `ovf-namespace:`,
 * the default namespace) and `xsi:type` values carry prefixes too.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SkyportError } from '@skyport/model';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './limits.js';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface XmlAttribute {
  readonly ns: string;
  readonly local: string;
  /** The prefixed name as written, for messages. */
  readonly qname: string;
  readonly value: string;
}

export interface XmlElement {
  readonly ns: string;
  readonly local: string;
  readonly qname: string;
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlElement[];
  /** Concatenated character data directly inside this element (not trimmed). */
  readonly text: string;
  /** In-scope prefix bindings ('' is the default namespace), to resolve QName values like xsi:type. */
  readonly scope: ReadonlyMap<string, string>;
  /** XPath-like location: `/Envelope/VirtualSystem[1]/VirtualHardwareSection[1]/Item[3]`. */
  readonly path: string;
}

/** Raised for anything that makes a document unreadable; `reason` is a stable short code. */
export function xmlError(reason: string, message: string, where = '/'): SkyportError {
  return new SkyportError('InvalidArgument', message, { details: { reason, where } });
}

type RawNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities stay as written and are decoded below: only the five predefined ones and
  // character references exist once DTDs are refused, so nothing can expand.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses `text` into a namespace-resolved tree, or throws `InvalidArgument` saying why not. */
export function parseXmlTree(text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): XmlElement {
  const started = Date.now();
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    throw xmlError('too-large', `the descriptor is ${bytes} bytes; at most ${limits.maxBytes} are accepted`);
  }
  const body = text.replace(/^\uFEFF/, '');
  // Refused outright rather than parsed and ignored: a DTD is how XXE and entity expansion get in.
  if (/<!DOCTYPE/i.test(body)) {
    throw xmlError('dtd', 'the descriptor contains a DOCTYPE declaration; DTDs and entities are refused (XML external entities and entity expansion are attack vectors)');
  }
  if (/<!ENTITY/i.test(body)) {
    throw xmlError('entity', 'the descriptor declares an entity; entities are refused');
  }
  const check = XMLValidator.validate(body, { allowBooleanAttributes: false });
  if (check !== true) {
    throw xmlError('malformed', `the descriptor is not well-formed XML: ${check.err.msg} (line ${check.err.line}, column ${check.err.col})`);
  }
  const raw = parser.parse(body) as RawNode[];
  const roots = raw.filter((node) => elementName(node) !== undefined);
  const root = roots[0];
  if (root === undefined || roots.length !== 1) throw xmlError('no-root', 'the descriptor has no root element');
  const budget = { elements: 0, started, limits };
  return build(root, new Map([['xml', XML_NS]]), '', 0, budget);
}

interface Budget {
  elements: number;
  readonly started: number;
  readonly limits: ParseLimits;
}

function elementName(node: RawNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text' && !key.startsWith('?'));
}

function build(node: RawNode, parentScope: ReadonlyMap<string, string>, parentPath: string, depth: number, budget: Budget, index = 1): XmlElement {
  budget.elements += 1;
  if (budget.elements > budget.limits.maxElements) throw xmlError('too-many-elements', `the descriptor has more than ${budget.limits.maxElements} elements`);
  if (depth > budget.limits.maxDepth) throw xmlError('too-deep', `the descriptor nests elements deeper than ${budget.limits.maxDepth} levels`);
  // Checked here because walking is where time goes once the tokenizer is done.
  if ((budget.elements & 1023) === 0 && Date.now() - budget.started > budget.limits.maxMillis) {
    throw xmlError('too-slow', `parsing the descriptor took longer than ${budget.limits.maxMillis} ms`);
  }
  const qname = elementName(node) as string;
  const rawAttrs = node[':@'] ?? {};
  const scope = new Map(parentScope);
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns') scope.set('', decodeEntities(value));
    else if (name.startsWith('xmlns:')) scope.set(name.slice(6), decodeEntities(value));
  }
  const { prefix, local } = splitQName(qname);
  const path = `${parentPath}/${local}[${index}]`;
  const ns = resolvePrefix(scope, prefix);
  const attributes: XmlAttribute[] = [];
  for (const [name, value] of Object.entries(rawAttrs)) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    const parts = splitQName(name);
    // Unprefixed attributes are in no namespace (XML Namespaces 1.0 §6.2).
    const attrNs = parts.prefix === '' ? '' : resolvePrefix(scope, parts.prefix);
    attributes.push({ ns: attrNs, local: parts.local, qname: name, value: decodeEntities(value) });
  }
  const children: XmlElement[] = [];
  let text = '';
  const counts = new Map<string, number>();
  const content = (node[qname] ?? []) as RawNode[];
  for (const child of content) {
    if (typeof child['#text'] === 'string' || typeof child['#text'] === 'number') {
      text += decodeEntities(String(child['#text']));
      continue;
    }
    const childName = elementName(child);
    if (childName === undefined) continue;
    const childLocal = splitQName(childName).local;
    const n = (counts.get(childLocal) ?? 0) + 1;
    counts.set(childLocal, n);
    children.push(build(child, scope, path, depth + 1, budget, n));
  }
  return { ns, local, qname, attributes, children, text, scope, path };
}

/** Marks names whose prefix was never declared; ovftool accepts such files, so they are kept and reported. */
export const UNBOUND_PREFIX_NS = 'urn:skyport:unbound-prefix:';

/**
 * Unprefixed elements with no default namespace are in no namespace (VMware's OVF 0.9 writer
 * relies on that); an undeclared prefix gets a marker namespace the validator reports.
 */
function resolvePrefix(scope: ReadonlyMap<string, string>, prefix: string): string {
  const bound = scope.get(prefix);
  if (bound !== undefined) return bound;
  return prefix === '' ? '' : `${UNBOUND_PREFIX_NS}${prefix}`;
}

function splitQName(qname: string): { prefix: string; local: string } {
  const colon = qname.indexOf(':');
  return colon < 0 ? { prefix: '', local: qname } : { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) };
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (all, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(Number.parseInt(ref.slice(2), 16)) ?? all;
    if (ref.startsWith('#')) return safeCodePoint(Number.parseInt(ref.slice(1), 10)) ?? all;
    return PREDEFINED[ref] ?? all;
  });
}

function safeCodePoint(code: number): string | undefined {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** Resolves a QName value (as in `xsi:type="ovf:DiskSection_Type"`) in the element's scope. */
export function resolveQNameValue(element: XmlElement, value: string): { ns: string | undefined; local: string } {
  const { prefix, local } = splitQName(value.trim());
  return { ns: element.scope.get(prefix), local };
}

export { XMLNS_NS };
