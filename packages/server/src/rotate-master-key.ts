#!/usr/bin/env node
/**
 * `npm run rotate-master-key`: re-seals every stored secret (provider credentials, EC2 access
 * key secrets) under a new master key. Run it with the broker stopped: a running broker holds
 * the old key in memory.
 *
 * Order matters for a crash halfway: the new key is written beside the old one first, secrets
 * are re-sealed (each kind in one transaction), then the files are swapped, keeping the old key
 * as master.key.previous until the operator deletes it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStore } from '@skyport/store';
import { isSkyportError } from '@skyport/model';
import { loadConfig } from './config.js';
import { AesGcmVault } from './file-vault.js';

export interface RotationResult {
  readonly providers: number;
  readonly accessKeys: number;
  /** Set when the key came from SKYPORT_MASTER_KEY: the operator must install the new one. */
  readonly newKeyBase64?: string;
}

export async function rotateMasterKey(env: NodeJS.ProcessEnv = process.env): Promise<RotationResult> {
  const config = loadConfig(env);
  const store = await createStore({ url: config.databaseUrl });
  try {
    await store.migrate();
    const current = AesGcmVault.fromConfig(config.masterKey, config.dataDir);
    const newKey = randomBytes(32);
    const next = new AesGcmVault(newKey);
    const keyFile = join(config.dataDir, 'master.key');
    const nextFile = join(config.dataDir, 'master.key.next');
    if (config.masterKey === undefined) writeFileSync(nextFile, newKey.toString('base64') + '\n', { mode: 0o600 });
    const reseal = (sealed: string): string => next.seal(current.open(sealed));
    const providers = await store.resealProviderCredentials(reseal);
    const accessKeys = await store.accessKeys.reseal(reseal);
    if (config.masterKey !== undefined) return { providers, accessKeys, newKeyBase64: newKey.toString('base64') };
    if (existsSync(keyFile)) renameSync(keyFile, join(config.dataDir, 'master.key.previous'));
    renameSync(nextFile, keyFile);
    return { providers, accessKeys };
  } finally {
    await store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  rotateMasterKey().then(
    (result) => {
      process.stdout.write(`Re-sealed the credentials of ${result.providers} providers and ${result.accessKeys} access keys.\n`);
      if (result.newKeyBase64 !== undefined) {
        process.stdout.write(`The key came from SKYPORT_MASTER_KEY: set it to the new key before starting the broker:\nSKYPORT_MASTER_KEY=${result.newKeyBase64}\n`);
      } else {
        process.stdout.write('The new key is in master.key; the old one is in master.key.previous (delete it once the broker starts).\n');
      }
    },
    (error: unknown) => {
      process.stderr.write(`skyport: master key rotation failed: ${isSkyportError(error) ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
