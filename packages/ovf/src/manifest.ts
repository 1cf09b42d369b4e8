/**
 * OVF manifests (`.mf`): one `ALGO(name)= hexdigest` line per file. Producers differ in
 * spacing (`SHA256 (x.vmdk) = …`), case and line endings; reading tolerates all of them,
 * writing uses ovftool's form.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { SkyportError } from '@skyport/model';

export type DigestAlgorithm = 'sha1' | 'sha256' | 'sha512';
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha1', 'sha256', 'sha512'];
const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha1: 40, sha256: 64, sha512: 128 };

export interface ManifestEntry {
  readonly algorithm: DigestAlgorithm;
  readonly name: string;
  /** Lower-case hex. */
  readonly digest: string;
}

export interface ParsedManifest {
  readonly entries: readonly ManifestEntry[];
  /** Lines that are not digest lines (reported, not fatal: virt-v2v's tests show real ones). */
  readonly ignoredLines: readonly string[];
}

const LINE = /^\s*(SHA1|SHA256|SHA512)\s*\((.+)\)\s*=\s*([0-9a-fA-F]+)\s*$/i;

export function parseManifest(text: string): ParsedManifest {
  const entries: ManifestEntry[] = [];
  const ignoredLines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const match = LINE.exec(line);
    const algorithm = match?.[1]?.toLowerCase() as DigestAlgorithm | undefined;
    const digest = match?.[3]?.toLowerCase();
    if (match === null || algorithm === undefined || digest === undefined || digest.length !== HEX_LENGTH[algorithm]) {
      ignoredLines.push(line);
      continue;
    }
    entries.push({ algorithm, name: (match[2] ?? '').trim(), digest });
  }
  return { entries, ignoredLines };
}

export function formatManifest(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => `${e.algorithm.toUpperCase()}(${e.name})= ${e.digest}\n`).join('');
}

/** Byte length of a manifest line for `name`, known before the digest is (the OVA writer reserves it). */
export function manifestLineLength(algorithm: DigestAlgorithm, name: string): number {
  return Buffer.byteLength(`${algorithm.toUpperCase()}(${name})= `) + HEX_LENGTH[algorithm] + 1;
}

export async function digestFile(path: string, algorithm: DigestAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Checks computed digests against a manifest. Every file the manifest names must be there
 * with the same digest; a mismatch throws `InvalidArgument` naming the file.
 */
export function verifyManifest(manifest: ParsedManifest, digests: ReadonlyMap<string, Partial<Record<DigestAlgorithm, string>>>): void {
  for (const entry of manifest.entries) {
    const actual = digests.get(entry.name);
    if (actual === undefined) {
      throw new SkyportError('InvalidArgument', `the manifest lists "${entry.name}", which is not in the package`, { details: { reason: 'manifest-missing-file', file: entry.name } });
    }
    const digest = actual[entry.algorithm];
    if (digest === undefined) {
      throw new SkyportError('Internal', `no ${entry.algorithm} digest was computed for "${entry.name}"`, { details: { file: entry.name } });
    }
    if (digest !== entry.digest) {
      throw new SkyportError('InvalidArgument', `"${entry.name}" does not match the manifest: its ${entry.algorithm.toUpperCase()} is ${digest}, the manifest says ${entry.digest}; the package is corrupt or was altered`, {
        details: { reason: 'manifest-mismatch', file: entry.name, algorithm: entry.algorithm, expected: entry.digest, actual: digest },
      });
    }
  }
}
