import { generateKeyPairSync } from 'node:crypto';

/**
 * A fresh ed25519 public key in OpenSSH `authorized_keys` form, for the import case. Built by
 * hand from the raw key because node:crypto exports only PEM/DER/JWK: the OpenSSH blob is
 * string("ssh-ed25519") + string(32-byte key), each length-prefixed (RFC 4253 / 8709).
 */
export function newOpenSshPublicKey(comment: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
