/**
 * OVF certificates (`.cert`): the signed digest of the manifest (`SHA256(x.mf)= <signature
 * hex>`) followed by the signer's X.509 certificate in PEM. Reading uses Node's X509
 * support; verifying checks the signature over the manifest bytes with the certificate's key.
 */
import { X509Certificate, createVerify } from 'node:crypto';
import { SkyportError } from '@skyport/model';
import type { DigestAlgorithm } from './manifest.js';

export interface OvfCertificate {
  readonly algorithm: DigestAlgorithm;
  /** The manifest the signature covers. */
  readonly manifestName: string;
  readonly signatureHex: string;
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly fingerprint256: string;
  readonly pem: string;
}

export function readCertificate(text: string): OvfCertificate {
  const line = /^\s*(SHA1|SHA256|SHA512)\s*\((.+?)\)\s*=\s*([0-9a-fA-F]+)\s*$/im.exec(text);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  if (line === null || pem === undefined) {
    throw new SkyportError('InvalidArgument', 'the certificate file needs a signed digest line (e.g. "SHA256(x.mf)= …") and a PEM certificate', { details: { reason: 'certificate-format' } });
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pem);
  } catch (error) {
    throw new SkyportError('InvalidArgument', `the certificate in the .cert file cannot be read: ${(error as Error).message}`, { details: { reason: 'certificate-format' }, cause: error });
  }
  return {
    algorithm: (line[1] ?? 'sha256').toLowerCase() as DigestAlgorithm,
    manifestName: line[2] ?? '',
    signatureHex: (line[3] ?? '').toLowerCase(),
    subject: x509.subject,
    issuer: x509.issuer,
    validFrom: x509.validFrom,
    validTo: x509.validTo,
    fingerprint256: x509.fingerprint256,
    pem,
  };
}

/** Whether the certificate's key signed these manifest bytes. */
export function verifyCertificate(certificate: OvfCertificate, manifestBytes: Uint8Array): boolean {
  const verifier = createVerify(certificate.algorithm.toUpperCase());
  verifier.update(manifestBytes);
  try {
    return verifier.verify(new X509Certificate(certificate.pem).publicKey, Buffer.from(certificate.signatureHex, 'hex'));
  } catch {
    return false;
  }
}
