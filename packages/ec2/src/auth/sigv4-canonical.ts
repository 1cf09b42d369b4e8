/**
 * The pieces of AWS Signature Version 4, built on node:crypto: canonical request, string to
 * sign, signing key, signature. Written here because the broker must *verify* signatures with
 * exactly the headers a client chose to sign, and signing libraries only build requests.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
import { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-_.~` becomes `%XX`. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The canonical URI of a non-S3 service: the path as received (still percent-encoded), with
 * empty, `.` and `..` segments resolved, then encoded once more ("double encoding").
 */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return '/' + segments.map(uriEncode).join('/') + trailing;
}

/** Decodes one `application/x-www-form-urlencoded` component ('+' is a space). */
function formDecode(component: string): string {
  const spaced = component.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Name/value pairs of a raw query string, decoded, in the order received. */
export function queryPairs(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').filter((part) => part !== '').map((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? [formDecode(part), ''] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))];
  });
}

/** Pairs re-encoded and sorted by name, then value (byte order, as the encoded text is ASCII). */
export function canonicalQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Header values by lower-case name, from Node's raw header list (repeats kept in order). */
export function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const list = map.get(name) ?? [];
    list.push(rawHeaders[i + 1]!);
    map.set(name, list);
  }
  return map;
}

/** `name:value\n` for each signed header: values trimmed, inner runs of spaces collapsed, repeats joined by commas. */
export function canonicalHeaders(signedHeaders: readonly string[], headers: ReadonlyMap<string, readonly string[]>): string {
  return signedHeaders.map((name) => `${name}:${(headers.get(name) ?? []).map((v) => v.trim().replace(/\s+/g, ' ')).join(',')}\n`).join('');
}

export interface CanonicalRequestParts {
  readonly method: string;
  readonly rawPath: string;
  readonly queryPairs: readonly (readonly [string, string])[];
  readonly signedHeaders: readonly string[];
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly payloadHash: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  return [
    parts.method.toUpperCase(),
    canonicalUri(parts.rawPath),
    canonicalQuery(parts.queryPairs),
    canonicalHeaders(parts.signedHeaders, parts.headers),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

export function signature(key: Buffer, toSign: string): string {
  return createHmac('sha256', key).update(toSign).digest('hex');
}
