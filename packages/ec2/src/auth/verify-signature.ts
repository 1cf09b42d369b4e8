/**
 * Verifies an AWS Signature Version 4 request, in either form clients use:
 * - the `Authorization` header (the CLI, boto3 and the JS SDK), and
 * - presigned query parameters (`X-Amz-Signature` and friends in the URL).
 * The canonical request is rebuilt from exactly the headers the client listed in
 * `SignedHeaders` (the CLI signs three, the JS SDK eight), and signatures are compared in
 * constant time. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 */
import { timingSafeEqual } from 'node:crypto';
import { Ec2Error } from '../protocol/ec2-error.js';
import {
  ALGORITHM,
  EMPTY_SHA256,
  UNSIGNED_PAYLOAD,
  canonicalRequest,
  headerValues,
  queryPairs,
  sha256Hex,
  signature,
  signingKey,
  stringToSign,
} from './sigv4-canonical.js';

/** A request as it arrived: the target still percent-encoded, headers as sent, the raw body. */
export interface ReceivedRequest {
  readonly method: string;
  /** Path and query as received, e.g. `/?Action=DescribeRegions&X-Amz-Signature=...`. */
  readonly url: string;
  /** Node's `rawHeaders`: name, value, name, value, ... */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface VerifyOptions<P> {
  /** The service name the credential scope must carry (`ec2`). */
  readonly service: string;
  readonly now: Date;
  /** The secret of an access key and whom it belongs to; `undefined` when the key is unknown (or an Ec2Error saying why it is refused). */
  readonly lookup: (accessKeyId: string) => Promise<{ readonly secretAccessKey: string; readonly principal: P } | undefined>;
  /** Allowed distance between the signed time and now; default 15 minutes, as AWS. */
  readonly maxSkewMs?: number;
}

export interface VerifiedRequest<P> {
  readonly accessKeyId: string;
  /** The region of the credential scope: at Skyport, the name of a provider. */
  readonly region: string;
  readonly principal: P;
  readonly form: 'header' | 'query';
  /** Query parameters that belong to the signature (presigned form), not to the action. */
  readonly signatureParams: readonly string[];
}

const FIFTEEN_MINUTES = 15 * 60_000;
/** Presigned URLs may live at most 7 days. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_SIGNATURE = /^[0-9a-f]{64}$/;
const QUERY_AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token'];

interface Claim {
  readonly form: 'header' | 'query';
  readonly algorithm: string;
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
  readonly amzDate: string | undefined;
  readonly expires?: string;
  readonly securityToken: string | undefined;
}

function incomplete(message: string): Ec2Error {
  return new Ec2Error('IncompleteSignature', message);
}

function authFailure(message: string): Ec2Error {
  return new Ec2Error('AuthFailure', message);
}

function parseAuthorizationHeader(value: string, headers: ReadonlyMap<string, readonly string[]>): Claim {
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  const fields = new Map<string, string>();
  for (const part of (space < 0 ? '' : value.slice(space + 1)).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const need = (name: string): string => {
    const field = fields.get(name);
    if (field === undefined || field === '') throw incomplete(`Authorization header requires '${name}' parameter. Authorization=${algorithm}`);
    return field;
  };
  if (algorithm !== ALGORITHM) throw incomplete(`Unsupported Authorization type ${algorithm}: only Signature Version 4 (${ALGORITHM}) is accepted`);
  return {
    form: 'header',
    algorithm,
    credential: need('Credential'),
    signedHeaders: need('SignedHeaders'),
    signature: need('Signature'),
    amzDate: headers.get('x-amz-date')?.[0],
    securityToken: headers.get('x-amz-security-token')?.[0],
  };
}

function parsePresigned(query: ReadonlyMap<string, string>): Claim {
  const need = (name: string): string => {
    const value = query.get(name);
    if (value === undefined || value === '') throw incomplete(`A presigned request requires the query parameter ${name}`);
    return value;
  };
  return {
    form: 'query',
    algorithm: need('X-Amz-Algorithm'),
    credential: need('X-Amz-Credential'),
    signedHeaders: need('X-Amz-SignedHeaders'),
    signature: need('X-Amz-Signature'),
    amzDate: need('X-Amz-Date'),
    expires: need('X-Amz-Expires'),
    securityToken: query.get('X-Amz-Security-Token'),
  };
}

function parseAmzDate(value: string | undefined): Date {
  const match = value === undefined ? null : AMZ_DATE.exec(value);
  if (match === null) throw incomplete(`The request needs an X-Amz-Date of the form YYYYMMDDTHHMMSSZ${value === undefined ? '' : `, not "${value}"`}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (date.getUTCDate() !== d || date.getUTCHours() !== h) throw incomplete(`X-Amz-Date "${value}" is not a valid time`);
  return date;
}

function checkTime(claim: Claim, signedAt: Date, now: Date, maxSkewMs: number): void {
  const shown = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (claim.form === 'header') {
    if (Math.abs(now.getTime() - signedAt.getTime()) > maxSkewMs) {
      throw new Ec2Error('RequestExpired', `Request has expired: it was signed at ${shown(signedAt)} but the broker's time is ${shown(now)} (more than ${maxSkewMs / 60_000} minutes apart); check the client's clock`);
    }
    return;
  }
  const expires = Number(claim.expires);
  if (!/^\d+$/.test(claim.expires ?? '') || expires < 1 || expires > MAX_EXPIRES_SECONDS) {
    throw incomplete(`X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_EXPIRES_SECONDS}`);
  }
  if (signedAt.getTime() - now.getTime() > maxSkewMs) {
    throw new Ec2Error('RequestExpired', `Request is not yet valid: it was signed for ${shown(signedAt)}, but the broker's time is ${shown(now)}; check the client's clock`);
  }
  if (now.getTime() > signedAt.getTime() + expires * 1000) {
    throw new Ec2Error('RequestExpired', `Request has expired: the presigned URL was valid until ${shown(new Date(signedAt.getTime() + expires * 1000))}`);
  }
}

/** Compares two hex signatures without leaking where they differ. */
function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(given, 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function verifySignature<P>(request: ReceivedRequest, options: VerifyOptions<P>): Promise<VerifiedRequest<P>> {
  const headers = headerValues(request.rawHeaders);
  const q = request.url.indexOf('?');
  const rawPath = q < 0 ? request.url : request.url.slice(0, q);
  const pairs = queryPairs(q < 0 ? '' : request.url.slice(q + 1));
  const query = new Map(pairs);

  const authorization = headers.get('authorization');
  const presigned = query.has('X-Amz-Signature') || query.has('X-Amz-Credential');
  if (authorization === undefined && !presigned) {
    if (query.has('Signature') || query.has('AWSAccessKeyId')) throw incomplete('Signature Version 2 is not supported; sign requests with Signature Version 4 (every current AWS SDK and the AWS CLI do)');
    throw authFailure('The request is not signed: send it with an AWS SDK or the AWS CLI using an access key issued by Skyport (POST /api/v1/access-keys or `skyport access-key create`)');
  }
  if (authorization !== undefined && presigned) throw incomplete('Only one authentication method is allowed: an Authorization header or presigned query parameters, not both');
  if (authorization !== undefined && authorization.length > 1) throw incomplete('The request has more than one Authorization header');
  const claim = authorization !== undefined ? parseAuthorizationHeader(authorization[0]!, headers) : parsePresigned(query);
  if (claim.algorithm !== ALGORITHM) throw incomplete(`Unsupported algorithm ${claim.algorithm}: only ${ALGORITHM} is accepted`);

  const scope = claim.credential.split('/');
  if (scope.length !== 5 || scope.some((part) => part === '') || scope[4] !== 'aws4_request') {
    throw incomplete(`The credential "${claim.credential}" is malformed: it must be <access key id>/<YYYYMMDD>/<region>/${options.service}/aws4_request`);
  }
  const [accessKeyId, scopeDate, region, service] = scope as [string, string, string, string, string];
  if (service !== options.service) throw authFailure(`Credential should be scoped to the correct service: '${options.service}', not '${service}'`);
  const signedAt = parseAmzDate(claim.amzDate);
  if (claim.amzDate!.slice(0, 8) !== scopeDate) throw authFailure(`The date in the credential scope (${scopeDate}) does not match the date of X-Amz-Date (${claim.amzDate!.slice(0, 8)})`);
  checkTime(claim, signedAt, options.now, options.maxSkewMs ?? FIFTEEN_MINUTES);

  const signedHeaders = claim.signedHeaders.split(';');
  if (signedHeaders.some((h) => h === '' || h !== h.toLowerCase())) throw incomplete(`SignedHeaders "${claim.signedHeaders}" must be lower-case header names separated by ';'`);
  if (!signedHeaders.includes('host')) throw incomplete("SignedHeaders must include 'host'");
  if (claim.form === 'header' && !signedHeaders.includes('x-amz-date')) throw incomplete("SignedHeaders must include 'x-amz-date'");
  const missing = signedHeaders.filter((h) => !headers.has(h));
  if (missing.length > 0) throw incomplete(`The signed header${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in the request`);
  if (!HEX_SIGNATURE.test(claim.signature)) throw incomplete('The signature must be 64 lower-case hexadecimal digits');
  if (claim.securityToken !== undefined) throw authFailure('Temporary credentials (a security token) are not accepted: Skyport issues long-term access keys only');

  const bodyHash = request.body.length === 0 ? EMPTY_SHA256 : sha256Hex(request.body);
  const declaredHash = headers.get('x-amz-content-sha256')?.[0];
  if (declaredHash !== undefined && declaredHash !== bodyHash) throw authFailure('The x-amz-content-sha256 header does not match the request body');

  const found = await options.lookup(accessKeyId);
  if (found === undefined) {
    throw authFailure(`AWS was not able to validate the provided access credentials: access key ${accessKeyId} is not known to this broker or was deleted; create one with \`skyport access-key create\``);
  }

  const credentialScope = scope.slice(1).join('/');
  const key = signingKey(found.secretAccessKey, scopeDate, region, service);
  const signedPairs = claim.form === 'query' ? pairs.filter(([name]) => name !== 'X-Amz-Signature') : pairs;
  const compute = (payloadHash: string): string =>
    signature(key, stringToSign(claim.amzDate!, credentialScope, canonicalRequest({ method: request.method, rawPath, queryPairs: signedPairs, signedHeaders, headers, payloadHash })));
  let valid = sameSignature(compute(bodyHash), claim.signature);
  // Presigning signers that cannot know the body sign the constant instead; accepted only
  // when there is no body it would leave unprotected.
  if (!valid && claim.form === 'query' && request.body.length === 0) valid = sameSignature(compute(UNSIGNED_PAYLOAD), claim.signature);
  if (!valid) {
    throw authFailure('AWS was not able to validate the provided access credentials: the request signature does not match; check the secret access key and that nothing rewrites the request on its way');
  }
  return { accessKeyId, region, principal: found.principal, form: claim.form, signatureParams: claim.form === 'query' ? QUERY_AUTH_PARAMS.filter((p) => query.has(p)) : [] };
}
