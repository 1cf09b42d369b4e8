/**
 * The vim25 SOAP wire format: writing request bodies and reading responses.
 *
 * Requests are written by hand from small helpers: vim25 needs `xsi:type` on polymorphic
 * values and element order as the WSDL declares it, which a generic object-to-XML builder
 * does not give. Responses are parsed by fast-xml-parser (no DTDs, no entity expansion) into
 * plain objects that the accessors below read without caring whether a child came once or
 * many times.
 */
import { XMLParser } from 'fast-xml-parser';
import { SkyportError } from '@skyport/model';

/** A managed object reference, e.g. `{ type: 'VirtualMachine', value: 'vm-42' }`. */
export interface MoRef {
  readonly type: string;
  readonly value: string;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

type Content = string | number | boolean | undefined | null | readonly Content[];

function flatten(content: Content): string {
  if (content === undefined || content === null) return '';
  if (Array.isArray(content)) return (content as readonly Content[]).map(flatten).join('');
  return String(content);
}

/**
 * One element. `children` are already-written XML strings (from other helpers); an undefined
 * child is left out, so optional fields read naturally at the call site.
 */
export function el(name: string, children: Content, xsiType?: string): string {
  const attr = xsiType === undefined ? '' : ` xsi:type="${escapeXml(xsiType)}"`;
  return `<${name}${attr}>${flatten(children)}</${name}>`;
}

/** An element holding text (escaped). Undefined writes nothing. */
export function text(name: string, value: string | number | boolean | undefined, xsiType?: string): string {
  if (value === undefined) return '';
  return el(name, escapeXml(String(value)), xsiType);
}

export function moRef(name: string, ref: MoRef | undefined, xsiType?: string): string {
  if (ref === undefined) return '';
  const attr = xsiType === undefined ? '' : ` xsi:type="${escapeXml(xsiType)}"`;
  return `<${name}${attr} type="${escapeXml(ref.type)}">${escapeXml(ref.value)}</${name}>`;
}

export function envelope(body: string, operationId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    // vCenter logs this id with every line the request causes: the request id for support.
    `<soapenv:Header><operationID>${escapeXml(operationId)}</operationID></soapenv:Header>` +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

/** A parsed element: text, or an object of children (arrays when repeated) and `@_` attributes. */
export type XmlNode = string | { readonly [key: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Prefixes are kept: `xsi:type` and a moref's `type` attribute must stay apart.
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  // Go's encoder writes quotes as character references (&#34;), which these decode.
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses a SOAP response; refuses DTDs outright (entity expansion is an attack vector). */
export function parseXml(body: string): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) {
    throw new SkyportError('ProviderError', 'the vSphere endpoint answered with a DTD; refused (DTDs and entities are never processed)', {
      providerCode: 'MalformedResponse',
    });
  }
  return parser.parse(body) as Record<string, unknown>;
}

function isObject(node: unknown): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/** Finds a key ignoring its namespace prefix (`soapenv:Body` and `Body` alike). */
function keyOf(node: Record<string, unknown>, local: string): string | undefined {
  if (local in node) return local;
  return Object.keys(node).find((k) => !k.startsWith('@_') && k.slice(k.indexOf(':') + 1) === local);
}

/** All children named `local` (zero, one or many). */
export function children(node: unknown, local: string): XmlNode[] {
  if (!isObject(node)) return [];
  const key = keyOf(node, local);
  if (key === undefined) return [];
  const value = node[key];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

export function child(node: unknown, local: string): XmlNode | undefined {
  return children(node, local)[0];
}

/** The text of a node (a moref's value, a string property, ...). */
export function textOf(node: unknown): string {
  if (typeof node === 'string') return node;
  if (isObject(node)) {
    const t = node['#text'];
    return typeof t === 'string' ? t : t === undefined ? '' : String(t);
  }
  return node === undefined || node === null ? '' : String(node);
}

export function childText(node: unknown, local: string): string | undefined {
  const c = child(node, local);
  return c === undefined ? undefined : textOf(c);
}

/** The `xsi:type` of a node, without its prefix. */
export function xsiType(node: unknown): string | undefined {
  if (!isObject(node)) return undefined;
  const key = Object.keys(node).find((k) => k.startsWith('@_') && k.endsWith(':type'));
  const value = key === undefined ? undefined : node[key];
  return typeof value === 'string' ? value.slice(value.indexOf(':') + 1) : undefined;
}

export function toMoRef(node: unknown): MoRef | undefined {
  if (!isObject(node)) return undefined;
  const type = node['@_type'];
  if (typeof type !== 'string') return undefined;
  return { type, value: textOf(node) };
}

/** Names the element children of a node (not attributes, not text). */
export function childNames(node: unknown): string[] {
  if (!isObject(node)) return [];
  return Object.keys(node).filter((k) => !k.startsWith('@_') && k !== '#text');
}
