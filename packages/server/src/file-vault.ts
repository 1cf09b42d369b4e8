import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SkyportError } from '@skyport/model';
import type { Vault } from '@skyport/core';

const VERSION = 'v1';

/**
 * AES-256-GCM under one master key: `v1:<iv>:<tag>:<ciphertext>` in base64url. The key comes
 * from SKYPORT_MASTER_KEY or a key file created with mode 0600 in the data dir.
 */
export class AesGcmVault implements Vault {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new SkyportError('InvalidArgument', `the master key must be 32 bytes, got ${key.length}`);
    this.#key = key;
  }

  static fromConfig(masterKey: string | undefined, dataDir: string): AesGcmVault {
    if (masterKey !== undefined) {
      const key = Buffer.from(masterKey, 'base64');
      if (key.length !== 32) {
        throw new SkyportError('InvalidArgument', 'SKYPORT_MASTER_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)', { details: { field: 'SKYPORT_MASTER_KEY' } });
      }
      return new AesGcmVault(key);
    }
    const path = join(dataDir, 'master.key');
    if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return new AesGcmVault(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, ciphertext] = sealed.split(':');
    if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new SkyportError('Internal', 'stored credentials are not in a format this broker can read');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SkyportError('Internal', 'stored credentials cannot be decrypted: the master key is not the one they were sealed with');
    }
  }
}
