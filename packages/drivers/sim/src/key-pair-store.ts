import { randomBytes } from 'node:crypto';
import type { CreatedKeyPair, NativeKeyPair } from '@skyport/core';
import type { SimDb } from './sim-database.js';
import { alreadyExists, invalidArgument, notFound } from './sim-errors.js';
import { generateKeyPair, parsePublicKey } from '@skyport/ssh-keys';

interface KeyPairRow { id: string; name: string; fingerprint: string; public_key: string; created_at: string }

function toNative(r: KeyPairRow): NativeKeyPair {
  return { nativeId: r.id, name: r.name, fingerprint: r.fingerprint, publicKey: r.public_key, tags: {}, createdAt: r.created_at };
}

/** Printable ASCII, like most clouds allow; no leading/trailing blanks that would confuse look-ups. */
function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(name)) {
    throw invalidArgument('name', `key pair name ${JSON.stringify(name)} must be 1 to 255 printable ASCII characters without leading or trailing blanks`);
  }
}

/** Key pairs by name (instances refer to them by name) with provider ids `kp-...`. */
export class KeyPairStore {
  constructor(private readonly db: SimDb) {}

  list(): NativeKeyPair[] {
    return (this.db.prepare('SELECT * FROM key_pairs ORDER BY seq').all() as KeyPairRow[]).map(toNative);
  }

  exists(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM key_pairs WHERE name = ?').get(name) !== undefined;
  }

  create(name: string, now: number): CreatedKeyPair {
    checkName(name);
    this.#checkFree(name);
    const generated = generateKeyPair(name);
    const keyPair = this.#insert(name, generated.fingerprint, generated.publicKey, now);
    return { keyPair, privateKey: generated.privateKey };
  }

  import(name: string, publicKey: string, now: number): NativeKeyPair {
    checkName(name);
    const parsed = parsePublicKey(publicKey, { providerCode: 'InvalidParameterValue' });
    this.#checkFree(name);
    return this.#insert(name, parsed.fingerprint, parsed.line, now);
  }

  delete(id: string): void {
    // Instances keep the key name they were created with, as on real clouds.
    if (this.db.prepare('DELETE FROM key_pairs WHERE id = ?').run(id).changes === 0) throw notFound('KeyPair', id);
  }

  #checkFree(name: string): void {
    if (this.exists(name)) throw alreadyExists('KeyPair', name);
  }

  #insert(name: string, print: string, publicKey: string, now: number): NativeKeyPair {
    const row: KeyPairRow = { id: `kp-${randomBytes(8).toString('hex')}`, name, fingerprint: print, public_key: publicKey, created_at: new Date(now).toISOString() };
    this.db.prepare('INSERT INTO key_pairs (id, name, fingerprint, public_key, created_at) VALUES (@id, @name, @fingerprint, @public_key, @created_at)').run(row);
    return toNative(row);
  }
}
