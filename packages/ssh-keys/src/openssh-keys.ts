/**
 * OpenSSH key pairs as clouds hand them out: generating an ed25519 pair a user can log in
 * with, checking an imported public key the way a cloud would (rejecting garbage), and the
 * `SHA256:` fingerprint `ssh-keygen -l` prints. By hand because node:crypto writes neither
 * OpenSSH public keys nor the openssh-key-v1 private format (RFC 4253 wire strings;
 * OpenSSH's PROTOCOL.key). Every driver that keeps key pairs itself uses this one copy.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { SkyportError } from '@skyport/model';

/** Key type -> number of wire strings in its blob (type, then key material; RFC 4253, 5656, 8709). */
const KEY_PARTS: Readonly<Record<string, number>> = {
  'ssh-ed25519': 2,
  'ssh-rsa': 3,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
};
export const PUBLIC_KEY_TYPES: readonly string[] = Object.keys(KEY_PARTS);

export interface ParsedPublicKey {
  readonly type: string;
  /** The decoded key: what the fingerprint is taken of. */
  readonly blob: Buffer;
  /** `type base64 [comment]`, whitespace normalized: an `authorized_keys` line. */
  readonly line: string;
  readonly fingerprint: string;
}

export interface GeneratedKeyPair {
  /** openssh-key-v1 PEM, unencrypted: returned to the user once, never stored. */
  readonly privateKey: string;
  readonly publicKey: string;
  readonly fingerprint: string;
}

function wireString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Splits a blob into its length-prefixed strings; undefined if the lengths do not add up exactly. */
function splitWireStrings(blob: Buffer): Buffer[] | undefined {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < blob.length; ) {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return undefined;
    parts.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return parts;
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Checks an `authorized_keys` line. Refusals are `InvalidArgument` on field `publicKey`;
 * `providerCode` is the code the calling driver's provider would give.
 */
export function parsePublicKey(text: unknown, options: { readonly providerCode?: string } = {}): ParsedPublicKey {
  const refuse = (why: string) =>
    new SkyportError('InvalidArgument', `the public key is not an OpenSSH public key (${why}); expected a line like "ssh-ed25519 AAAA... comment" of type ${PUBLIC_KEY_TYPES.join(', ')}`, {
      ...(options.providerCode === undefined ? {} : { providerCode: options.providerCode }),
      details: { field: 'publicKey' },
    });
  if (typeof text !== 'string') throw refuse('not a string');
  const [type, data, ...comment] = text.trim().split(/\s+/);
  if (type === undefined || KEY_PARTS[type] === undefined) throw refuse(`unknown key type ${JSON.stringify(type ?? '')}`);
  if (data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw refuse('the key data is not base64');
  const blob = Buffer.from(data, 'base64');
  const parts = splitWireStrings(blob);
  if (parts === undefined || parts.length === 0) throw refuse('the key data is truncated');
  // The blob starts with its own type name; a mismatch means a mangled or mislabelled key.
  if (parts[0]!.toString() !== type) throw refuse('the key data does not match its type');
  if (parts.length !== KEY_PARTS[type]) throw refuse('the key data is truncated or has extra bytes');
  if (type === 'ssh-ed25519' && parts[1]!.length !== 32) throw refuse('an ed25519 key must be 32 bytes');
  return { type, blob, line: [type, data, ...comment].join(' '), fingerprint: fingerprint(blob) };
}

export function generateKeyPair(comment: string): GeneratedKeyPair {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const blob = Buffer.concat([wireString('ssh-ed25519'), wireString(pub)]);
  const check = randomBytes(4).readUInt32BE(0);
  let secret = Buffer.concat([uint32(check), uint32(check), wireString('ssh-ed25519'), wireString(pub), wireString(Buffer.concat([seed, pub])), wireString(comment)]);
  // Unencrypted keys are padded to the 8-byte cipher block size with 1, 2, 3, ...
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), wireString('none'), wireString('none'), wireString(''), uint32(1), wireString(blob), wireString(secret)]).toString('base64');
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.match(/.{1,70}/g)!.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`,
    fingerprint: fingerprint(blob),
  };
}
