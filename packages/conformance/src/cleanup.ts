/**
 * Undo steps for what cases create. They tolerate "already gone" (NotFound) because a case may
 * have deleted the resource itself; every other failure is reported, since a leak on a real
 * cloud costs money.
 */
import type { CloudDriver } from '@skyport/core';
import { isSkyportError } from '@skyport/model';
import { waitForVolumeState } from './wait-for-resource.js';

async function ignoringNotFound(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (isSkyportError(error) && error.code === 'NotFound') return;
    throw error;
  }
}

export async function destroyInstanceQuietly(driver: CloudDriver, id: string): Promise<void> {
  const instance = await driver.getInstance(id);
  // Destroying is idempotent from the caller's view: an instance on its way out needs nothing.
  if (instance === undefined || instance.state === 'shutting-down' || instance.state === 'terminated') return;
  await ignoringNotFound(() => driver.destroyInstance(id));
}

export async function deleteVolumeQuietly(driver: CloudDriver, id: string, timeoutMs: number): Promise<void> {
  let volume = (await driver.listVolumes()).find((v) => v.nativeId === id);
  if (volume === undefined || volume.state === 'deleting' || volume.state === 'deleted') return;
  if (volume.state === 'creating' || volume.state === 'attaching' || volume.state === 'detaching') {
    volume = await waitForVolumeState(driver, id, ['available', 'in-use', 'error', 'deleted'], timeoutMs);
    if (volume === undefined) return;
  }
  if (volume.state === 'in-use') {
    await ignoringNotFound(() => driver.detachVolume(id));
    if ((await waitForVolumeState(driver, id, ['available', 'error', 'deleted'], timeoutMs)) === undefined) return;
  }
  await ignoringNotFound(() => driver.deleteVolume(id));
}

export function deleteSnapshotQuietly(driver: CloudDriver, id: string): Promise<void> {
  return ignoringNotFound(() => driver.deleteSnapshot(id));
}

export function deleteKeyPairQuietly(driver: CloudDriver, id: string): Promise<void> {
  return ignoringNotFound(() => driver.deleteKeyPair(id));
}

/**
 * Deletes a security group, waiting while the provider still counts an instance on its way
 * out as a user of it (clouds refuse with InvalidState until the instance is terminated).
 */
export async function deleteSecurityGroupQuietly(driver: CloudDriver, id: string, timeoutMs: number): Promise<void> {
  const remove = driver.deleteSecurityGroup?.bind(driver);
  if (remove === undefined) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ignoringNotFound(() => remove(id));
      return;
    } catch (error) {
      if (!(isSkyportError(error) && error.code === 'InvalidState') || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(10, timeoutMs / 100))));
    }
  }
}

export async function deleteImageQuietly(driver: CloudDriver, id: string): Promise<void> {
  const remove = driver.deleteImage?.bind(driver);
  if (remove !== undefined) await ignoringNotFound(() => remove(id));
}
