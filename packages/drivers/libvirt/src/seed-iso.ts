/** A NoCloud seed (volume label `cidata`: meta-data, user-data) made with genisoimage. */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SkyportError } from '@skyport/model';

export interface SeedRequest {
  readonly instanceId: string;
  readonly hostname: string;
  readonly publicKeys: readonly string[];
  readonly userData?: string;
}

/** Writes `<dir>/seed.iso` and returns its path. */
export async function makeSeedIso(workDir: string, request: SeedRequest): Promise<string> {
  const dir = await mkdtemp(join(workDir, 'seed-'));
  const files = join(dir, 'files');
  await mkdir(files);
  const keys = request.publicKeys.length === 0 ? '' : `public-keys:\n${request.publicKeys.map((k) => `  - ${JSON.stringify(k)}`).join('\n')}\n`;
  await writeFile(join(files, 'meta-data'), `instance-id: ${request.instanceId}\nlocal-hostname: ${request.hostname}\n${keys}`);
  await writeFile(join(files, 'user-data'), request.userData ?? '');
  const out = join(dir, 'seed.iso');
  await new Promise<void>((resolve, reject) => {
    execFile('genisoimage', ['-quiet', '-output', out, '-volid', 'cidata', '-joliet', '-rock', join(files, 'meta-data'), join(files, 'user-data')], (error, _stdout, stderr) => {
      if (error === null) return resolve();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new SkyportError('ProviderUnavailable', 'genisoimage is not installed (needed for NoCloud seeds: user-data and SSH keys); install it with: apt-get install -y genisoimage'));
      reject(new SkyportError('Internal', `genisoimage failed: ${stderr.trim()}`));
    });
  });
  return out;
}
