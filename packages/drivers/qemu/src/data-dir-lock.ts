/**
 * One broker at a time per data folder: two drivers writing the same state.json and steering the
 * same QEMU processes would corrupt both. The lock is a file holding the owner's pid; a lock of a
 * dead process is stale and taken over.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { unavailable } from './errors.js';
import { isAlive } from './process-identity.js';

/** Folders open in this process (a second driver on the same folder would not notice the pid). */
const openHere = new Set<string>();

export async function lockOwner(lockFile: string): Promise<number | undefined> {
  const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
  return Number.isInteger(owner) && owner > 0 && owner !== process.pid && (await isAlive(owner)) ? owner : undefined;
}

export async function acquireDataDirLock(lockFile: string): Promise<() => Promise<void>> {
  if (openHere.has(lockFile)) {
    throw unavailable(`the data folder ${dirname(lockFile)} is already open by another qemu driver in this process; close that driver first`);
  }
  const owner = await lockOwner(lockFile);
  if (owner !== undefined) {
    throw unavailable(`the data folder ${dirname(lockFile)} is in use by another broker (pid ${owner}); stop it or give this provider its own data folder`);
  }
  await mkdir(dirname(lockFile), { recursive: true });
  await writeFile(lockFile, `${process.pid}\n`);
  openHere.add(lockFile);
  return async () => {
    openHere.delete(lockFile);
    await rm(lockFile, { force: true });
  };
}
