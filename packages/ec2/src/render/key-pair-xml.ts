import type { KeyPair } from '@skyport/model';
import type { XmlFields } from '../protocol/xml-writer.js';
import { tagSetXml } from './tags-xml.js';

/** EC2 names two key types; the public key (or the fingerprint's form) tells which. */
export function keyTypeOf(keyPair: KeyPair): 'rsa' | 'ed25519' {
  if (keyPair.publicKey !== undefined) return keyPair.publicKey.startsWith('ssh-ed25519') ? 'ed25519' : 'rsa';
  return keyPair.fingerprint.startsWith('SHA256:') ? 'ed25519' : 'rsa';
}

/** A key pair as `KeyPairInfo` (DescribeKeyPairs). */
export function keyPairXml(keyPair: KeyPair, includePublicKey: boolean): XmlFields {
  return {
    keyPairId: keyPair.id,
    keyName: keyPair.name,
    keyFingerprint: keyPair.fingerprint,
    keyType: keyTypeOf(keyPair),
    tagSet: tagSetXml(keyPair.tags),
    publicKey: includePublicKey ? keyPair.publicKey : undefined,
    createTime: new Date(keyPair.createdAt),
  };
}
