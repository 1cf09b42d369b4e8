/**
 * A minimal SigV4 signer for tests that must craft what real clients never send (skewed
 * dates, tampered bodies, presigned URLs). Real clients are tested separately.
 */
import { ALGORITHM, EMPTY_SHA256, canonicalRequest, headerValues, queryPairs, sha256Hex, signature, signingKey, stringToSign } from '../auth/sigv4-canonical.js';

export interface SignInput {
  readonly method: 'GET' | 'POST';
  /** Path and query, e.g. `/?Action=DescribeRegions`. */
  readonly url: string;
  readonly host: string;
  readonly body?: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly service?: string;
  readonly date?: Date;
  /** Extra headers to send and sign. */
  readonly headers?: Readonly<Record<string, string>>;
}

export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Headers (including Authorization) for a request signed in the header form. */
export function signHeaders(input: SignInput): Record<string, string> {
  const stamp = amzDate(input.date ?? new Date());
  const service = input.service ?? 'ec2';
  const headers: Record<string, string> = { host: input.host, 'x-amz-date': stamp, ...(input.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }), ...input.headers };
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const raw = Object.entries(headers).flat();
  const q = input.url.indexOf('?');
  const scope = `${stamp.slice(0, 8)}/${input.region}/${service}/aws4_request`;
  const canonical = canonicalRequest({
    method: input.method,
    rawPath: q < 0 ? input.url : input.url.slice(0, q),
    queryPairs: queryPairs(q < 0 ? '' : input.url.slice(q + 1)),
    signedHeaders: names,
    headers: headerValues(raw),
    payloadHash: input.body === undefined || input.body === '' ? EMPTY_SHA256 : sha256Hex(input.body),
  });
  const sig = signature(signingKey(input.secretAccessKey, stamp.slice(0, 8), input.region, service), stringToSign(stamp, scope, canonical));
  return { ...headers, authorization: `${ALGORITHM} Credential=${input.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}` };
}

/** A presigned GET URL (path and query) valid for `expiresSeconds`. */
export function presignUrl(input: Omit<SignInput, 'method' | 'body'> & { readonly expiresSeconds: number }): string {
  const stamp = amzDate(input.date ?? new Date());
  const service = input.service ?? 'ec2';
  const scope = `${stamp.slice(0, 8)}/${input.region}/${service}/aws4_request`;
  const auth = new URLSearchParams({
    'X-Amz-Algorithm': ALGORITHM,
    'X-Amz-Credential': `${input.accessKeyId}/${scope}`,
    'X-Amz-Date': stamp,
    'X-Amz-Expires': String(input.expiresSeconds),
    'X-Amz-SignedHeaders': 'host',
  });
  const url = `${input.url}${input.url.includes('?') ? '&' : '?'}${auth.toString().replace(/\+/g, '%20')}`;
  const q = url.indexOf('?');
  const canonical = canonicalRequest({
    method: 'GET',
    rawPath: url.slice(0, q),
    queryPairs: queryPairs(url.slice(q + 1)),
    signedHeaders: ['host'],
    headers: new Map([['host', [input.host]]]),
    payloadHash: EMPTY_SHA256,
  });
  const sig = signature(signingKey(input.secretAccessKey, stamp.slice(0, 8), input.region, service), stringToSign(stamp, scope, canonical));
  return `${url}&X-Amz-Signature=${sig}`;
}
