/**
 * The NoCloud seed: an ISO 9660 volume labelled `cidata` with `meta-data` (instance id,
 * hostname, SSH public keys) and `user-data`, the layout cloud-init and skyport-tiny both read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand } from './run-command.js';

export interface SeedContent {
  readonly instanceId: string;
  readonly hostname: string;
  readonly publicKeys: readonly string[];
  readonly userData?: string;
}

/** A hostname every resolver accepts: lowercase letters, digits and dashes, at most 63. */
export function hostnameFor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'instance';
}

/** The meta-data document. Values are plain scalars: ids, hostnames and keys need no quoting. */
export function metaData(seed: SeedContent): string {
  const lines = [`instance-id: ${seed.instanceId}`, `local-hostname: ${seed.hostname}`];
  if (seed.publicKeys.length > 0) lines.push('public-keys:', ...seed.publicKeys.map((k) => `  - ${k.replace(/[\r\n]+/g, ' ').trim()}`));
  return lines.join('\n') + '\n';
}

export async function writeSeedIso(path: string, seed: SeedContent, genisoimage: string): Promise<void> {
  const work = await mkdtemp(join(dirname(path), '.seed-'));
  try {
    await writeFile(join(work, 'meta-data'), metaData(seed));
    await writeFile(join(work, 'user-data'), seed.userData ?? '');
    // Rock Ridge and Joliet keep the lowercase, dashed names as they are.
    await runCommand(genisoimage, ['-quiet', '-output', path, '-volid', 'cidata', '-joliet', '-rock', join(work, 'user-data'), join(work, 'meta-data')], {
      what: 'writing the NoCloud seed ISO',
      timeoutMs: 60_000,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
