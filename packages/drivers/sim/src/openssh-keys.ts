/**
 * OpenSSH key handling for the sim's key pairs: generating a pair a user could really log in
 * with, parsing imported public keys the way a cloud would (rejecting garbage), and the
 * SHA256 fingerprint `ssh-keygen -l` shows. Formats: RFC 4253 wire strings, OpenSSH's
 * PROTOCOL.key for the private key.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { invalidArgument } from './sim-errors.js';

/** Key type -> number of wire strings in its blob (type, then key material; RFC 4253, 5656, 8709). */
const KEY_PARTS: Readonly<Record<string, number>> = {
  'ssh-ed25519': 2,
  'ssh-rsa': 3,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
};
const KEY_TYPES = Object.keys(KEY_PARTS);

export interface ParsedPublicKey {
  readonly type: string;
  readonly blob: Buffer;
  /** `type base64 [comment]`, whitespace normalized. */
  readonly line: string;
}

function sshString(bytes: Buffer | string): Buffer {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function parsePublicKey(text: unknown): ParsedPublicKey {
  const malformed = (why: string) =>
    invalidArgument('publicKey', `the public key is not an OpenSSH public key (${why}); expected "ssh-ed25519 AAAA... comment" or another of ${KEY_TYPES.join(', ')}`);
  if (typeof text !== 'string') throw malformed('not a string');
  const [type, data, ...comment] = text.trim().split(/\s+/);
  if (type === undefined || !KEY_TYPES.includes(type)) throw malformed(`unknown key type ${JSON.stringify(type ?? '')}`);
  if (data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw malformed('the key data is not base64');
  const blob = Buffer.from(data, 'base64');
  const parts = splitWireStrings(blob);
  if (parts === undefined || parts.length === 0) throw malformed('the key data is truncated');
  // The blob starts with its own type name; a mismatch means a mangled or mislabelled key.
  if (parts[0]!.toString() !== type) throw malformed('the key data does not match its type');
  if (parts.length !== KEY_PARTS[type]) throw malformed('the key data is truncated or has extra bytes');
  if (type === 'ssh-ed25519' && parts[1]!.length !== 32) throw malformed('an ed25519 key must be 32 bytes');
  return { type, blob, line: [type, data, ...comment].join(' ') };
}

/** Splits a blob into its length-prefixed strings; undefined if the lengths do not add up exactly. */
function splitWireStrings(blob: Buffer): Buffer[] | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return undefined;
    parts.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return parts;
}

export interface GeneratedKeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
  readonly fingerprint: string;
}

export function generateKeyPair(comment: string): GeneratedKeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4).readUInt32BE(0);
  let secret = Buffer.concat([uint32(check), uint32(check), sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  // Unencrypted keys are padded to the 8-byte block size with 1, 2, 3, ...
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(blob),
    sshString(secret),
  ]).toString('base64');
  const wrapped = body.match(/.{1,70}/g)!.join('\n');
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${wrapped}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`,
    fingerprint: fingerprint(blob),
  };
}
