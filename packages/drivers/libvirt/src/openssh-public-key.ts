/** Imported OpenSSH public keys: checked as a cloud would (RFC 4253 wire format), with the SHA256 fingerprint `ssh-keygen -l` shows. */
import { createHash } from 'node:crypto';
import { SkyportError } from '@skyport/model';

const KEY_PARTS: Readonly<Record<string, number>> = { 'ssh-ed25519': 2, 'ssh-rsa': 3, 'ecdsa-sha2-nistp256': 3, 'ecdsa-sha2-nistp384': 3, 'ecdsa-sha2-nistp521': 3 };

function wireStrings(blob: Buffer): Buffer[] | undefined {
  const parts: Buffer[] = [];
  for (let at = 0; at < blob.length; ) {
    if (at + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) return undefined;
    parts.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return parts;
}

/** Returns the normalized line and its fingerprint, or throws InvalidArgument naming what is wrong. */
export function checkPublicKey(text: string): { line: string; fingerprint: string } {
  const bad = (why: string) =>
    new SkyportError('InvalidArgument', `publicKey: not an OpenSSH public key (${why}); expected "ssh-ed25519 AAAA... comment" or another of ${Object.keys(KEY_PARTS).join(', ')}`, {
      details: { field: 'publicKey' },
    });
  const [type, data, ...comment] = text.trim().split(/\s+/);
  if (type === undefined || KEY_PARTS[type] === undefined) throw bad(`unknown key type ${JSON.stringify(type ?? '')}`);
  if (data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw bad('the key data is not base64');
  const blob = Buffer.from(data, 'base64');
  const parts = wireStrings(blob);
  if (parts === undefined || parts[0]?.toString() !== type || parts.length !== KEY_PARTS[type]) throw bad('the key data is truncated or does not match its type');
  return { line: [type, data, ...comment].join(' '), fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}` };
}
