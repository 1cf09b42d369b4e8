/** Key pairs by name; instances get the public key through their NoCloud seed. */
import type { CreatedKeyPair, NativeKeyPair } from '@skyport/core';
import type { DriverContext } from './driver-context.js';
import type { KeyPairRecord } from './driver-state.js';
import { alreadyExists, invalidArgument, notFound } from './errors.js';
import { newNativeId } from './native-ids.js';
import { generateKeyPair, parsePublicKey } from '@skyport/ssh-keys';

function view(record: KeyPairRecord): NativeKeyPair {
  return { nativeId: record.id, name: record.name, fingerprint: record.fingerprint, publicKey: record.publicKey, tags: {}, createdAt: record.createdAt };
}

/** Printable ASCII without leading or trailing blanks, like most clouds allow. */
function checkKeyName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(name)) {
    throw invalidArgument('name', `key pair name ${JSON.stringify(name)} must be 1 to 255 printable ASCII characters without leading or trailing blanks`);
  }
  return name;
}

export class KeyPairService {
  constructor(private readonly ctx: DriverContext) {}

  list(): NativeKeyPair[] {
    return this.ctx.state.keyPairs.map(view);
  }

  async create(name: string): Promise<CreatedKeyPair> {
    this.#checkFree(checkKeyName(name));
    const generated = generateKeyPair(name);
    const keyPair = await this.#insert(name, generated.fingerprint, generated.publicKey);
    return { keyPair, privateKey: generated.privateKey };
  }

  async import(name: string, publicKey: string): Promise<NativeKeyPair> {
    checkKeyName(name);
    const parsed = parsePublicKey(publicKey, { providerCode: 'InvalidArgument' });
    this.#checkFree(name);
    return this.#insert(name, parsed.fingerprint, parsed.line);
  }

  async delete(id: string): Promise<void> {
    // Instances keep the key they were seeded with, as on real clouds.
    if (!this.ctx.state.keyPairs.some((k) => k.id === id)) throw notFound('key pair', id, 'keyPairId');
    this.ctx.state.keyPairs = this.ctx.state.keyPairs.filter((k) => k.id !== id);
    await this.ctx.save();
  }

  #checkFree(name: string): void {
    if (this.ctx.state.keyPairs.some((k) => k.name === name)) throw alreadyExists('key pair', name);
  }

  async #insert(name: string, fingerprint: string, publicKey: string): Promise<NativeKeyPair> {
    const record: KeyPairRecord = { id: newNativeId('key'), name, fingerprint, publicKey, createdAt: new Date().toISOString() };
    this.ctx.state.keyPairs.push(record);
    await this.ctx.save();
    return view(record);
  }
}
