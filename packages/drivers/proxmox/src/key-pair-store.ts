/**
 * Proxmox VE keeps no key pairs; cloud-init's `sshkeys` takes public keys per VM. The driver
 * keeps the key pairs of a provider in `<data dir>/proxmox-key-pairs.json` (public keys only,
 * written atomically) and writes the named one into a VM's `sshkeys` when it is created.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SkyportError } from '@skyport/model';

export interface StoredKeyPair {
  readonly id: string;
  readonly name: string;
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly createdAt: string;
}

const KEY_TYPES = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com'];

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

function mpint(data: Buffer): Buffer {
  let bytes = data;
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1] ?? 0) < 0x80) bytes = bytes.subarray(1);
  return sshString((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** Checks an OpenSSH public key line and returns its blob; throws InvalidArgument otherwise. */
export function parsePublicKey(line: string): { type: string; blob: Buffer; text: string } {
  const [type, data] = line.trim().split(/\s+/);
  const refuse = (why: string) => new SkyportError('InvalidArgument', `the public key is not an OpenSSH public key: ${why}; expected "ssh-ed25519 AAAA… comment" (types: ${KEY_TYPES.join(', ')})`, { details: { field: 'publicKey' } });
  if (type === undefined || !KEY_TYPES.includes(type)) throw refuse(`unknown key type ${JSON.stringify(type ?? '')}`);
  if (data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw refuse('the key data is not base64');
  const blob = Buffer.from(data, 'base64');
  const inner = blob.length >= 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') : '';
  if (inner !== type) throw refuse(`the key data is not a ${type} key`);
  return { type, blob, text: line.trim() };
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A new RSA key pair: the private key as PEM (PKCS#1, which every ssh reads), the public one as OpenSSH. */
export function generateKeyPair(comment: string): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const jwk = publicKey.export({ format: 'jwk' });
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e ?? '', 'base64url')), mpint(Buffer.from(jwk.n ?? '', 'base64url'))]);
  return { privateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(), publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}` };
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
    const { blob, text } = parsePublicKey(publicKey);
    const pairs = await this.list();
    if (pairs.some((p) => p.name === name)) throw new SkyportError('AlreadyExists', `a key pair named ${name} already exists in this provider`, { details: { field: 'name' } });
    const pair: StoredKeyPair = { id: `key-${randomBytes(6).toString('hex')}`, name, publicKey: text, fingerprint: fingerprint(blob), createdAt: new Date().toISOString() };
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
