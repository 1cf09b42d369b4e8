/**
 * Handing out a VM's root disk through vSphere's datastore HTTP file access: the disk's
 * descriptor is read, and its flat extent (the raw disk of a thick or thin VMFS/NFS disk)
 * downloaded. Sparse, delta (snapshot) and vSAN disks have no flat extent to download and
 * are refused with a message saying so.
 */
import { mkdir, mkdtemp, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { SkyportError } from '@skyport/model';
import type { ExportedDisk } from '@skyport/core';
import type { VimClient } from './vim-client.js';
import type { RootDisk } from './vm-record.js';

/** `[datastore1] vm1/vm1.vmdk` -> its datastore name and path. */
export function parseDatastorePath(fileName: string): { datastore: string; path: string } | undefined {
  const match = /^\[([^\]]+)\]\s*(.*)$/.exec(fileName);
  return match === null ? undefined : { datastore: match[1]!, path: match[2]! };
}

/** The flat extent a descriptor names, or why there is none to download. */
export function flatExtentOf(descriptor: string, descriptorPath: string): { file: string } | { refused: string } {
  if (descriptor.trim() === '') {
    // The simulator writes empty descriptors beside its `-flat.vmdk` files; vSphere's own
    // naming convention for a flat extent is the way to find it there.
    return { file: descriptorPath.replace(/\.vmdk$/, '-flat.vmdk') };
  }
  const createType = /createType\s*=\s*"([^"]+)"/.exec(descriptor)?.[1];
  if (/parentFileNameHint/.test(descriptor) || (createType !== undefined && /sparse|vsan/i.test(createType))) {
    return { refused: `the disk is ${createType ?? 'a delta disk'}; only flat disks (thick or thin on VMFS/NFS, without snapshots) can be downloaded; consolidate snapshots or clone the VM first` };
  }
  const extents = [...descriptor.matchAll(/^\s*RW\s+\d+\s+(VMFS|FLAT)\s+"([^"]+)"/gm)];
  if (extents.length !== 1) return { refused: `the disk has ${extents.length} flat extents; only single-extent disks can be exported` };
  return { file: posix.join(posix.dirname(descriptorPath), extents[0]![2]!) };
}

export async function downloadRootDisk(client: VimClient, datacenter: string, disk: RootDisk, workDir: string | undefined, what: string): Promise<ExportedDisk> {
  const location = parseDatastorePath(disk.fileName);
  if (location === undefined) throw new SkyportError('ProviderError', `the disk file name ${JSON.stringify(disk.fileName)} is not a datastore path`, { providerCode: 'MalformedResponse' });
  const base = workDir !== undefined && workDir !== '' ? workDir : tmpdir();
  // The provider's data folder is made on first use.
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, 'vsphere-export-'));
  try {
    const descriptorFile = join(dir, 'disk.vmdk');
    await client.downloadDatastoreFile(datacenter, location.datastore, location.path, descriptorFile, `${what}: reading the disk descriptor`, 1024 * 1024);
    const extent = flatExtentOf(await readFile(descriptorFile, 'latin1'), location.path);
    if ('refused' in extent) throw new SkyportError('Unsupported', `cannot export ${disk.fileName}: ${extent.refused}`, { providerCode: 'NotSupported' });
    const raw = join(dir, 'disk.raw');
    await client.downloadDatastoreFile(datacenter, location.datastore, extent.file, raw, `${what}: downloading the disk`);
    const capacity = Math.round(disk.capacityKiB * 1024);
    // A thin extent may end early; past its end the disk reads as zeros, as the guest saw it.
    if ((await stat(raw)).size < capacity) await truncate(raw, capacity);
    let released = false;
    return {
      path: raw,
      format: 'raw',
      virtualSizeBytes: capacity,
      async release() {
        if (released) return;
        released = true;
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
