import { randomBytes } from 'node:crypto';
import { newId } from '@skyport/model';

/** API tokens: a recognizable prefix (secret scanners find leaked ones) and 256 random bits. */
export function newApiToken(kind: 'api' | 'session'): string {
  return `${kind === 'api' ? 'skp' : 'sks'}_${randomBytes(32).toString('base64url')}`;
}

/** EC2 access keys look like AWS's (20 upper-case characters, 40-character secret), so clients accept them. */
export function newAccessKey(): { accessKeyId: string; secretAccessKey: string } {
  const id = newId('accessKey').replace('-', '').toUpperCase().slice(0, 20).padEnd(20, '0');
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64').slice(0, 40) };
}
