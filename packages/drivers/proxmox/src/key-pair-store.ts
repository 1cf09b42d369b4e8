/**
 * Proxmox VE keeps no key pairs; cloud-init's `sshkeys` takes public keys per VM. The driver
 * keeps the key pairs of a provider in `<data dir>/proxmox-key-pairs.json` (public keys only,
 * written atomically) and writes the named one into a VM's `sshkeys` when it is created.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SkyportError } from '@skyport/model';
import { parsePublicKey } from '@skyport/ssh-keys';

export interface StoredKeyPair {
  readonly id: string;
  readonly name: string;
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly createdAt: string;
}

export class KeyPairStore {
  readonly #file: string;
  #pairs: StoredKeyPair[] | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly dataDir: string) {
    this.#file = join(dataDir, 'proxmox-key-pairs.json');
  }

  async list(): Promise<StoredKeyPair[]> {
    if (this.#pairs === undefined) {
      const text = await readFile(this.#file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '[]';
        throw error;
      });
      this.#pairs = JSON.parse(text) as StoredKeyPair[];
    }
    return this.#pairs;
  }

  async add(name: string, publicKey: string): Promise<StoredKeyPair> {
    if (name.trim() === '' || name.length > 255) throw new SkyportError('InvalidArgument', 'a key pair needs a name of 1 to 255 characters', { details: { field: 'name' } });
    const { line, fingerprint } = parsePublicKey(publicKey);
    const pairs = await this.list();
    if (pairs.some((p) => p.name === name)) throw new SkyportError('AlreadyExists', `a key pair named ${name} already exists in this provider`, { details: { field: 'name' } });
    const pair: StoredKeyPair = { id: `key-${randomBytes(6).toString('hex')}`, name, publicKey: line, fingerprint, createdAt: new Date().toISOString() };
    pairs.push(pair);
    await this.#save();
    return pair;
  }

  async remove(id: string): Promise<void> {
    const pairs = await this.list();
    const index = pairs.findIndex((p) => p.id === id);
    if (index < 0) throw new SkyportError('NotFound', `key pair ${id} does not exist in this provider`);
    pairs.splice(index, 1);
    await this.#save();
  }

  #save(): Promise<void> {
    const next = this.#writing.then(async () => {
      await mkdir(this.dataDir, { recursive: true });
      const temp = `${this.#file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(this.#pairs ?? [], null, 1));
      await rename(temp, this.#file);
    });
    this.#writing = next.catch(() => undefined);
    return next;
  }
}
